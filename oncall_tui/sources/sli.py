"""What a source reports for an SLO: the error ratio it measured over some of its windows.

Short and long windows are polled on different intervals, so one reading carries only the
windows of one poll; the engine keeps the latest ratio of each window and judges the SLO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SliRatios:
    """Window (seconds) -> the error ratio over it; None when the query answered nothing
    (no errors recorded yet, or no traffic: nothing burns the budget)."""

    ratios: Mapping[float, float | None]


#: the longest wait between two polls of any window, so the budget shown moves in an incident
MAX_WINDOW_INTERVAL = 300.0
#: a window is polled about this many times over its own length
POLLS_PER_WINDOW = 720


def window_interval(window: float, base: float) -> float:
    """How often the error ratio over `window` is fetched: `base` (the refresh) for the short
    windows, `window / 720` for the long ones, at most every 5 min.

    A ratio over a window W moves by at most interval/W of the way towards the current rate
    between two polls, since the window slides by only that much: polling every W/720 keeps
    that under 0.14 %, far below what changes a verdict, and delays a pair's firing by at
    most W/720 (5 s for 1h, 30 s for 6h, 2 min for 1d). So a 3d ratio is fetched every 5 min,
    not every 5 s, and the 30d budget every 5 min (fast enough to see it drop in an incident:
    a 14.4x burn spends 0.1 % of a 30-day budget in 5 min).
    """
    return min(max(base, window / POLLS_PER_WINDOW), max(base, MAX_WINDOW_INTERVAL))
