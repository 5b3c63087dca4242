"""The unit of a KPI's values: parsed once from the config, read by everything that shows one.

A unit is what the config says (`ms`, `ratio`, `req/s`, anything) and the kind that says how
its values are written. The synonyms live here alone: `s` and `seconds` are one kind, `ratio`
and `fraction` another, `percent` and `%` a third. A unit of no known kind (`req/s`, `conn`)
is shown as written after the number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class UnitKind(enum.Enum):
    SECONDS = "seconds"  # shown by magnitude: `µs`, `ms`, `s`, `min`, `h`
    MILLISECONDS = "milliseconds"  # likewise, from milliseconds
    RATIO = "ratio"  # 0..1, shown as a percentage
    PERCENT = "percent"  # 0..100, shown as a percentage
    BYTES = "bytes"  # shown by magnitude: `B`, `KiB`, `MiB` ...
    BYTES_PER_SECOND = "bytes_per_second"  # likewise, with `/s`
    COUNT = "count"  # a plain number, with SI prefixes (`1.2k`); no text after it
    OTHER = "other"  # a plain number, then the unit as written (`req/s`)

    @property
    def scaled(self) -> bool:
        """Whether the text after the number depends on the value (`614 ms`, `3.27 s`), or
        there is none: then a heading cannot say it once for every value."""
        return self in _SCALED

    @property
    def percentage(self) -> bool:
        return self in (UnitKind.RATIO, UnitKind.PERCENT)


_SCALED = frozenset(
    {
        UnitKind.SECONDS,
        UnitKind.MILLISECONDS,
        UnitKind.BYTES,
        UnitKind.BYTES_PER_SECOND,
        UnitKind.COUNT,
    }
)

#: every spelling the config accepts for a unit of a known kind
SYNONYMS: dict[str, UnitKind] = {
    "s": UnitKind.SECONDS,
    "seconds": UnitKind.SECONDS,
    "ms": UnitKind.MILLISECONDS,
    "ratio": UnitKind.RATIO,
    "fraction": UnitKind.RATIO,
    "percent": UnitKind.PERCENT,
    "%": UnitKind.PERCENT,
    "bytes": UnitKind.BYTES,
    "B": UnitKind.BYTES,
    "B/s": UnitKind.BYTES_PER_SECOND,
    "bytes/s": UnitKind.BYTES_PER_SECOND,
    "count": UnitKind.COUNT,
    "": UnitKind.COUNT,
}


@dataclass(frozen=True)
class Unit:
    """A unit as written in the config (the status JSON and the importers keep that text)."""

    text: str = ""
    kind: UnitKind = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SYNONYMS.get(self.text, UnitKind.OTHER))

    @classmethod
    def parse(cls, text: str | None) -> Unit:
        """The unit of a config's `unit:` text (surrounding blanks dropped)."""
        return cls((text or "").strip())

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


NO_UNIT = Unit("")
SECONDS = Unit("s")
MILLISECONDS = Unit("ms")
RATIO = Unit("ratio")
PERCENT = Unit("percent")
COUNT = Unit("count")
REQUESTS_PER_SECOND = Unit("req/s")
