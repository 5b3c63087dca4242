"""Durations as written in the config (`500ms`, `5s`, `1m30s`, `1d`, `10`) to seconds."""

from __future__ import annotations

import math
import re

#: no interval, timeout, hold or window of ours is longer than this (a year and a bit)
MAX_DURATION = 400 * 86400.0
MAX_DURATION_TEXT = "400d"
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_duration(value: object) -> float:
    """Seconds from a number (already seconds) or a string of unit parts; ValueError if neither.

    Parts must be written from the largest unit down (`1h30m`, not `30m1h`), each unit once.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 5s or 1m30s, got {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"a duration must be a finite number of seconds, got {value!r}")
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {_short(value)}")
        if value > MAX_DURATION:  # before float(): a 400-digit int does not fit in one
            raise ValueError(
                f"a duration of at most {MAX_DURATION_TEXT} is allowed, got {_short(value)}"
            )
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as 5s or 1m30s, got {value!r}")
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return _bounded(float(text), value)
    parts = _PART.findall(text)
    order = list(_UNITS)  # smallest unit first
    ranks = [order.index(unit) for _, unit in parts]
    if (
        not parts
        or "".join(n + u for n, u in parts) != text
        or ranks != sorted(ranks, reverse=True)
        or len(set(ranks)) != len(ranks)
    ):
        raise ValueError(
            f"expected a duration such as 500ms, 5s, 1m30s, 2h, 1d or 1w, got {value!r}"
        )
    return _bounded(sum(float(n) * _UNITS[u] for n, u in parts), value)


def _bounded(seconds: float, written: object) -> float:
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(
            f"a duration of at most {MAX_DURATION_TEXT} is allowed, got {_short(written)}"
        )
    return seconds


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_duration(seconds: float) -> str:
    """The shortest config spelling of `seconds` (`90` -> `1m30s`), for messages and examples."""
    if seconds < 1 and seconds != 0:
        return f"{round(seconds * 1000):d}ms"
    out = []
    rest = seconds
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        count, rest = divmod(rest, size)
        if count:
            out.append(f"{int(count)}{unit}")
    if rest or not out:
        out.append(f"{rest:g}s")
    return "".join(out)
