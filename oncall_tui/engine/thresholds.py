"""Threshold verdicts: a value against ordered tiers, with direction, hysteresis and baseline.

Pure functions. The `for:` hold is not here: it needs time, so the state applies it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from oncall_tui.config.model import Direction, Level, Thresholds
from oncall_tui.status import Status


@dataclass(frozen=True)
class Verdict:
    """The status a value earns against its thresholds, and the tier it reached."""

    status: Status
    level: str | None = None  # the tier reached ("warn", "crit", "major", ...)
    next_level: tuple[str, float] | None = None  # the next tier not yet reached


def _past(value: float, limit: float, direction: Direction) -> bool:
    """At or past `limit` in the bad direction."""
    return value >= limit if direction is Direction.ABOVE else value <= limit


def _reached(value: float, levels: tuple[Level, ...], direction: Direction) -> int:
    """Index of the most severe tier reached, -1 for none. Tiers run least severe first."""
    reached = -1
    for index, level in enumerate(levels):
        if _past(value, level.value, direction):
            reached = index
    return reached


def judge(
    value: float,
    thresholds: Thresholds,
    *,
    previous_level: str | None = None,
    baseline: float | None = None,
) -> Verdict:
    """Judge `value`; `previous_level` is the tier the check was in, for `clear:` hysteresis."""
    levels = thresholds.levels
    direction = thresholds.direction
    if math.isnan(value):
        return Verdict(Status.NODATA)
    index = _reached(value, levels, direction)
    if thresholds.clear is not None and previous_level is not None:
        previous = next((i for i, lv in enumerate(levels) if lv.name == previous_level), -1)
        # Leave a breach only once the value is past the recovery level.
        if previous > index and not _past_clear(value, thresholds.clear, direction):
            index = previous
    status = levels[index].status if index >= 0 else Status.OK
    level = levels[index].name if index >= 0 else None
    following = levels[index + 1] if index + 1 < len(levels) else None
    verdict = Verdict(status, level, (following.name, following.value) if following else None)
    if thresholds.baseline is not None and baseline is not None:
        relative = _judge_baseline(value, baseline, thresholds)
        if relative.status.rank > verdict.status.rank:
            return relative
    return verdict


def _past_clear(value: float, clear: float, direction: Direction) -> bool:
    return value < clear if direction is Direction.ABOVE else value > clear


def _judge_baseline(value: float, baseline: float, thresholds: Thresholds) -> Verdict:
    """Compare the ratio to the baseline: `crit: 10x` is ten times normal."""
    spec = thresholds.baseline
    assert spec is not None
    if baseline == 0:
        ratio = math.inf if value > 0 else 1.0
    else:
        ratio = value / baseline
    tiers = []
    if spec.warn is not None:
        tiers.append(Level("warn (baseline)", spec.warn, Status.WARN))
    if spec.crit is not None:
        tiers.append(Level("crit (baseline)", spec.crit, Status.CRIT))
    # A factor below 1 ("0.5x") guards against a drop; above 1 against a surge.
    direction = Direction.BELOW if tiers and tiers[0].value < 1 else Direction.ABOVE
    index = _reached(ratio, tuple(tiers), direction)
    if index < 0:
        return Verdict(Status.OK)
    return Verdict(tiers[index].status, tiers[index].name)
