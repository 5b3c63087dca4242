"""KPIs and custom panels: query with `$var` filled in, thresholds, nodata, interval, runbook."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from oncall_tui.config.expand import replace_vars
from oncall_tui.config.model import (
    Direction,
    Kpi,
    Level,
    Nodata,
    NodataMode,
    Thresholds,
)
from oncall_tui.config.reader import Field, Section, describe
from oncall_tui.names import slug
from oncall_tui.status import Status
from oncall_tui.units import Unit

if TYPE_CHECKING:
    from oncall_tui.config.optional_model import Baseline

KPI_KEYS: tuple[str, ...] = (
    "query",
    "title",
    "unit",
    "warn",
    "crit",
    "direction",
    "for",
    "clear",
    "levels",
    "baseline",
    "nodata",
    "interval",
    "runbook",
)
PANEL_KEYS: tuple[str, ...] = (*KPI_KEYS, "key")
_FACTOR = re.compile(r"\s*(\d+(?:\.\d+)?)\s*x\s*")
_BRACED = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STATUS_WORDS = {"warn": Status.WARN, "crit": Status.CRIT}


def panel_key(title: str) -> str:
    """The key of a panel without `key:`: its title in snake case."""
    return slug(title, "_", empty="panel")


def _direction(found: Field | None) -> Direction | None:
    if found is None:
        return None
    text = found.as_str()
    if text is None:
        return None
    try:
        return Direction(text.strip().lower())
    except ValueError:
        found.fail(f"expected above or below, got {describe(found.value)}")
        return None


def _read_levels(
    found: Field, explicit: Direction | None, direction_field: Field | None
) -> tuple[tuple[Level, ...], Direction]:
    """The multi-level form: `{minor: 0.001, major: 0.005, critical: {value: 0.01}}`.

    Tiers are listed least severe first; the last one is crit and the others warn unless a
    tier says `status:`. Values must all rise (higher is worse) or all fall (lower is worse).
    """
    section = found.as_section()
    if section is None:
        return (), explicit or Direction.ABOVE
    if not section.keys():
        found.fail("needs at least one tier")
        return (), explicit or Direction.ABOVE
    tiers: list[tuple[str, float, Status | None, Field]] = []
    for name in section.keys():
        tier = section.get(name)
        assert tier is not None
        status = None
        if isinstance(tier.value, dict):
            sub = tier.as_section()
            assert sub is not None
            sub.check_keys(("value", "status"))
            value_field = sub.require("value")
            value = value_field.as_number() if value_field else None
            status_field = sub.get("status")
            if status_field is not None:
                word = status_field.as_str()
                status = _STATUS_WORDS.get((word or "").strip().lower())
                if word is not None and status is None:
                    status_field.fail(f"expected warn or crit, got {describe(status_field.value)}")
        else:
            value = tier.as_number()
        if value is not None:
            tiers.append((str(name), value, status, tier))
    if len(tiers) != len(section.keys()):
        return (), explicit or Direction.ABOVE

    values = [v for _, v, _, _ in tiers]
    implied = None
    if len(values) > 1:
        if all(a < b for a, b in zip(values, values[1:], strict=False)):
            implied = Direction.ABOVE
        elif all(a > b for a, b in zip(values, values[1:], strict=False)):
            implied = Direction.BELOW
        else:
            found.fail(
                "tiers must be listed least severe first with values that all rise "
                f"(higher is worse) or all fall (lower is worse), got {values}"
            )
    direction = implied or explicit or Direction.ABOVE
    if implied and explicit and implied is not explicit:
        where = direction_field or found
        where.fail(
            f"direction {explicit.value} contradicts the levels, whose values "
            f"{'rise' if implied is Direction.ABOVE else 'fall'} from the least severe tier"
        )
    levels = []
    seen_crit = False
    for i, (name, value, status, tier) in enumerate(tiers):
        if status is None:
            status = Status.CRIT if i == len(tiers) - 1 else Status.WARN
        if status is Status.WARN and seen_crit:
            tier.fail("a warn tier cannot follow a crit tier; list tiers least severe first")
        seen_crit = seen_crit or status is Status.CRIT
        levels.append(Level(name, value, status))
    return tuple(levels), direction


def _factor(found: Field | None) -> float | None:
    """A baseline factor: `3x` or a number."""
    if found is None:
        return None
    if isinstance(found.value, str):
        match = _FACTOR.fullmatch(found.value)
        if match is None:
            found.expect("a factor such as 3x or 0.5x")
            return None
        factor = float(match.group(1))
    else:
        number = found.as_number()
        if number is None:
            return None
        factor = number
    if factor <= 0:
        found.fail(f"a factor must be more than 0, got {describe(found.value)}")
        return None
    return factor


def _read_baseline(found: Field) -> Baseline | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(("offset", "warn", "crit"))
    offset_field = section.require("offset")
    offset = offset_field.as_duration() if offset_field else None
    if offset is not None and offset <= 0:
        offset_field.fail("must be more than 0")  # type: ignore[union-attr]
        offset = None
    warn, crit = _factor(section.get("warn")), _factor(section.get("crit"))
    if not section.has("warn") and not section.has("crit"):
        section.fail("needs warn, crit or both (factors such as 3x)")
    if offset is None:
        return None
    from oncall_tui.config.optional_model import Baseline

    return Baseline(offset=offset, warn=warn, crit=crit)


def read_thresholds(section: Section) -> Thresholds:
    """warn/crit (direction from their order) or levels, for, clear and baseline."""
    direction_field = section.get("direction")
    explicit = _direction(direction_field)
    warn_field, crit_field = section.get("warn"), section.get("crit")
    levels_field = section.get("levels")
    levels: tuple[Level, ...] = ()
    direction = explicit or Direction.ABOVE
    if levels_field is not None and (warn_field or crit_field):
        levels_field.fail("give warn/crit or levels, not both")
    elif levels_field is not None:
        levels, direction = _read_levels(levels_field, explicit, direction_field)
    else:
        warn = warn_field.as_number() if warn_field else None
        crit = crit_field.as_number() if crit_field else None
        if warn is not None and crit is not None:
            if warn == crit:
                crit_field.fail(f"warn and crit are both {warn:g}; give only crit")  # type: ignore[union-attr]
            else:
                implied = Direction.ABOVE if crit > warn else Direction.BELOW
                if explicit is not None and explicit is not implied:
                    worse = "higher" if implied is Direction.ABOVE else "lower"
                    direction_field.fail(  # type: ignore[union-attr]
                        f"direction {explicit.value} contradicts warn {warn:g} and crit {crit:g} "
                        f"(crit {'above' if implied is Direction.ABOVE else 'below'} warn "
                        f"means {worse} is worse)"
                    )
                direction = implied
        found_levels = []
        if warn is not None:
            found_levels.append(Level("warn", warn, Status.WARN))
        if crit is not None:
            found_levels.append(Level("crit", crit, Status.CRIT))
        levels = tuple(found_levels)

    hold = section.duration("for", 0.0) or 0.0
    clear_field = section.get("clear")
    clear = clear_field.as_number() if clear_field else None
    if clear is not None and clear_field is not None:
        if not levels:
            clear_field.fail("clear needs warn, crit or levels to recover from")
        else:
            first = levels[0].value
            healthy_side = clear < first if direction is Direction.ABOVE else clear > first
            if not healthy_side:
                side = "below" if direction is Direction.ABOVE else "above"
                clear_field.fail(f"clear {clear:g} must be {side} the first level {first:g}")
    baseline_field = section.get("baseline")
    baseline = _read_baseline(baseline_field) if baseline_field else None
    return Thresholds(levels=levels, direction=direction, hold=hold, clear=clear, baseline=baseline)


def read_nodata(found: Field | None) -> Nodata:
    """`nodata` (default), `ok`, or a number the empty result stands for."""
    if found is None:
        return Nodata()
    value = found.value
    if isinstance(value, str) and value.strip().lower() in ("nodata", "ok"):
        return Nodata(mode=NodataMode(value.strip().lower()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Nodata(mode=NodataMode.VALUE, value=float(value))
    found.expect("nodata, ok or a number")
    return Nodata()


def check_runbook_ref(found: Field) -> str | None:
    """`file.md`, `file.md#anchor` or `#anchor` (the service's runbook file)."""
    text = found.as_str()
    if text is None:
        return None
    text = text.strip()
    file, _, anchor = text.partition("#")
    if not text or (not file and not anchor) or ("#" in text and not anchor):
        found.fail(f"expected file.md, file.md#anchor or #anchor, got {describe(found.value)}")
        return None
    return text


def _braced_vars(found: Field, variables: Mapping[str, str], key: str) -> bool:
    """Report `${name}` written for a service var (braces mean the environment); True if any."""
    if not isinstance(found.value, str):
        return False
    mistaken = [
        name
        for name in dict.fromkeys(_BRACED.findall(found.value))
        if name in variables and name not in found.reader.environ
    ]
    for name in mistaken:
        found.fail(
            f"${{{name}}} in the query of KPI {key!r} is an environment variable, which is not "
            f"set; write ${name} for the service var {name!r}"
        )
    return bool(mistaken)


def read_kpi(
    section: Section,
    key: str,
    *,
    custom: bool,
    variables: Mapping[str, str],
    default_interval: float,
    line: int = 0,
) -> Kpi | None:
    """One KPI or panel; None when it is too broken to use (its problems are recorded)."""
    section.check_keys(PANEL_KEYS if custom else KPI_KEYS)
    query_field = section.require("query")
    query = None
    if query_field is not None and not _braced_vars(query_field, variables, key):
        query = query_field.as_str()
    if query is not None and query_field is not None:
        if not query.strip():
            query_field.fail("the query is empty")
            query = None
        else:
            query, unknown = replace_vars(query, variables)
            known = ", ".join(sorted(variables)) or "none"
            for name in dict.fromkeys(unknown):
                query_field.fail(
                    f"${name} in the query of KPI {key!r} is not a var of the service "
                    f"(its vars: {known})"
                )
            if unknown:
                query = None
    title = section.text("title", "") or ""
    if custom and not title.strip():
        if section.has("title"):
            section.get("title").fail("a panel needs a title")  # type: ignore[union-attr]
        else:
            section.fail("missing required key 'title'")
    unit = Unit.parse(section.text("unit", ""))
    thresholds = read_thresholds(section)
    nodata = read_nodata(section.get("nodata"))
    interval = section.duration("interval", default_interval, positive=True) or default_interval
    if interval <= 0:
        section.get("interval").fail("must be more than 0")  # type: ignore[union-attr]
    runbook_field = section.get("runbook")
    runbook = check_runbook_ref(runbook_field) if runbook_field else None
    if query is None:
        return None
    return Kpi(
        key=key,
        query=query,
        title=title,
        unit=unit,
        thresholds=thresholds,
        nodata=nodata,
        interval=interval,
        runbook=runbook,
        custom=custom,
        line=line or section.line,
    )
