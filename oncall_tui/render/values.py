"""Numbers for people: `12.3 ms`, `0.42 %`, `1.2k req/s`, `42 s ago`."""

from __future__ import annotations

import math

from oncall_tui.glyphs import INFINITY, MICRO, MISSING
from oncall_tui.units import NO_UNIT, Unit, UnitKind

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_BINARY = ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def _sig(value: float, digits: int = 3) -> str:
    """`value` with about `digits` significant digits and no trailing zeros."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _si(value: float) -> str:
    for factor, suffix in _SI:
        if abs(value) >= factor:
            return f"{_sig(value / factor, 2 if abs(value) / factor < 10 else 3)}{suffix}"
    return _sig(value)


def _seconds(value: float) -> str:
    magnitude = abs(value)
    if magnitude == 0:
        return "0 ms"
    if magnitude < 1e-3:
        return f"{_sig(value * 1e6)} {MICRO}s"
    if magnitude < 1:
        return f"{_sig(value * 1e3)} ms"
    if magnitude < 120:
        return f"{_sig(value)} s"
    if magnitude < 7200:
        return f"{_sig(value / 60)} min"
    return f"{_sig(value / 3600)} h"


def _bytes(value: float, suffix: str = "") -> str:
    for factor, name in _BINARY:
        if abs(value) >= factor:
            return f"{_sig(value / factor)} {name}{suffix}"
    return f"{_sig(value)} B{suffix}"


def format_value(value: float | None, unit: Unit = NO_UNIT) -> str:
    """Format a KPI value with its unit; `—` when there is no value."""
    if value is None:
        return str(MISSING)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return str(INFINITY) if value > 0 else f"-{INFINITY}"
    kind = unit.kind
    if kind is UnitKind.SECONDS:
        return _seconds(value)
    if kind is UnitKind.MILLISECONDS:
        return _seconds(value / 1000)
    if kind is UnitKind.RATIO:
        return f"{_sig(value * 100)} %"
    if kind is UnitKind.PERCENT:
        return f"{_sig(value)} %"
    if kind is UnitKind.BYTES:
        return _bytes(value)
    if kind is UnitKind.BYTES_PER_SECOND:
        return _bytes(value, "/s")
    if kind is UnitKind.COUNT:
        return _si(value)
    return f"{_si(value)} {unit.text}"


def format_age(seconds: float | None) -> str:
    """How old something is: `now`, `42 s`, `3 min`, `5 h`, `2 d`; `never` without a time."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "now"
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def format_ago(seconds: float | None) -> str:
    """`42 s ago`, `just now`, `never`: an age in a sentence (never `now ago`)."""
    if seconds is None:
        return "never"
    text = format_age(max(0.0, seconds))
    return "just now" if text == "now" else f"{text} ago"


def format_duration(seconds: float) -> str:
    """A configured duration as written in config: `500ms`, `30s`, `5m`, `1h30m`."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    parts = []
    remaining = int(round(seconds))
    for size, name in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if remaining >= size:
            parts.append(f"{remaining // size}{name}")
            remaining %= size
    return "".join(parts)
