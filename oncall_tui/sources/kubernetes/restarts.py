"""Restarts in the last hour, from restart counts seen over time and the last termination.

The API keeps only a container's total restart count and its last termination, so the count
of restarts within an hour is estimated: exact when the pod started within the hour or when
this process saw the count an hour ago; otherwise the growth seen since it started watching,
and at least 1 when the last termination falls within the hour.
"""

from __future__ import annotations

from collections import deque

from oncall_tui.sources.kubernetes.records import HOUR

ContainerKey = tuple[str, str]  # (pod uid or namespace/name, container name)


def restarts_in_window(
    count: int,
    last_finished_at: float | None,
    started_at: float | None,
    baseline: int | None,
    now: float,
    window: float = HOUR,
) -> int:
    """Estimate restarts within `window` seconds before `now` (see the module docstring)."""
    start = now - window
    if started_at is not None and started_at >= start:
        return count
    floor = 1 if count > 0 and last_finished_at is not None and last_finished_at >= start else 0
    if baseline is None:
        return floor
    return max(count - baseline, floor)


class RestartTracker:
    """Remembers restart counts per container for an hour; owned by one source."""

    def __init__(self, window: float = HOUR) -> None:
        self._window = window
        self._seen: dict[ContainerKey, deque[tuple[float, int]]] = {}

    def baseline(self, key: ContainerKey, now: float) -> int | None:
        """The count at the window's start, or the earliest count seen within it."""
        points = self._seen.get(key)
        if not points:
            return None
        start = now - self._window
        before = [c for t, c in points if t <= start]
        return before[-1] if before else points[0][1]

    def observe(self, key: ContainerKey, now: float, count: int) -> None:
        points = self._seen.setdefault(key, deque())
        if points and count < points[-1][1]:
            points.clear()  # a recreated container starts counting again
        points.append((now, count))
        start = now - self._window
        # keep one point at or before the window's start as the baseline
        while len(points) > 1 and points[1][0] <= start:
            points.popleft()

    def forget_except(self, keep: set[ContainerKey]) -> None:
        """Drop containers of pods that are gone (the keys not seen in this tick's lists)."""
        for key in [k for k in self._seen if k not in keep]:
            del self._seen[key]
