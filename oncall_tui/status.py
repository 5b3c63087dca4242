"""The status every KPI, probe, workload and service has, with its glyph and word."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from oncall_tui import glyphs

# the display setting lives with the glyph table; these names are read from here too
from oncall_tui.glyphs import GLYPH_SETTINGS as GLYPH_SETTINGS
from oncall_tui.glyphs import use_ascii_glyphs as use_ascii_glyphs
from oncall_tui.glyphs import wants_ascii as wants_ascii


class Status(enum.Enum):
    """One status; colour is never the only signal, so each has a glyph and a word."""

    OK = "ok"
    WARN = "warn"
    CRIT = "crit"
    PENDING = "pending"  # over a line, inside its `for:` hold: not yet counted
    NODATA = "nodata"
    STALE = "stale"
    ERROR = "error"

    # identity, as its equality is: Enum's own hash is a Python call (`hash(self._name_)`),
    # paid at every lookup of a status in a dict or set (ranks, glyphs, roll-ups), which is
    # several hundred thousand times a minute on a busy dashboard
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        """Higher is worse; the roll-up of a service is the part with the highest rank."""
        return _RANK[self]

    @property
    def glyph(self) -> str:
        """`✖`; the ASCII one (`X`) while `use_ascii_glyphs(True)` is in force."""
        return str(_GLYPH[self])

    @property
    def ascii_glyph(self) -> str:
        """A glyph for terminals without Unicode box and shape characters."""
        return _GLYPH[self].ascii

    @property
    def word(self) -> str:
        return self.value.upper()

    @property
    def is_breach(self) -> bool:
        return self in (Status.WARN, Status.CRIT)

    @property
    def is_loud(self) -> bool:
        """Over a line, counted or not: a breach or a pending one. Never drawn as ok."""
        return self in (Status.WARN, Status.CRIT, Status.PENDING)

    @property
    def is_unknown(self) -> bool:
        """The data cannot be trusted: nothing came, the fetch failed, or the query is wrong."""
        return self in (Status.NODATA, Status.STALE, Status.ERROR)


# PENDING sits above NODATA (a value is over a line: louder than "nothing came") and below
# WARN: a counted breach is a fact a pager acts on, a pending one may still clear, the way a
# firing alert outranks a pending one. A check already in WARN whose value is pending to CRIT
# stays WARN (and says what it is pending to), so going pending never makes a check quieter.
_RANK = {
    Status.OK: 0,
    Status.NODATA: 1,
    Status.PENDING: 2,
    Status.WARN: 3,
    Status.STALE: 4,
    Status.ERROR: 5,
    Status.CRIT: 6,
}
_GLYPH = {
    Status.OK: glyphs.STATUS_OK,
    Status.WARN: glyphs.STATUS_WARN,
    Status.CRIT: glyphs.STATUS_CRIT,
    Status.PENDING: glyphs.STATUS_PENDING,
    Status.NODATA: glyphs.STATUS_NODATA,
    Status.STALE: glyphs.STATUS_STALE,
    Status.ERROR: glyphs.STATUS_ERROR,
}


def restart_glyph() -> str:
    """`⟳` before a restart count; `r` in ASCII."""
    return str(glyphs.RESTART)


def worst(statuses: Iterable[Status], default: Status = Status.NODATA) -> Status:
    """The worst of several statuses; `default` when there are none."""
    result, highest = default, -1
    rank = _RANK.__getitem__  # the roll-up of every apply: no property call per status
    for status in statuses:
        if (this := rank(status)) > highest:
            result, highest = status, this
    return result


def exit_code(statuses: Iterable[Status]) -> int:
    """The `oncall status` exit code: 2 crit, else 3 unknown, else 1 warn or pending, else 0.

    0 only when nothing is in breach or pending. A crit outranks an unknown so that a script
    paging on exit code 2 still pages when one panel of the same run is stale.
    """
    seen = set(statuses)
    if Status.CRIT in seen:
        return 2
    if seen & {Status.NODATA, Status.STALE, Status.ERROR}:
        return 3
    if seen & {Status.WARN, Status.PENDING}:
        return 1
    return 0


def overall_word(statuses: Iterable[Status]) -> str:
    """The run's one-word verdict beside its exit code: crit, unknown, warn, pending or ok."""
    seen = set(statuses)
    code = exit_code(seen)
    if code == 1 and Status.WARN not in seen:
        return "pending"
    return {0: "ok", 1: "warn", 2: "crit", 3: "unknown"}[code]
