"""The timeline: every status change with its time and value, bounded."""

from __future__ import annotations

from collections import deque

from oncall_tui.engine.snapshot import TimelineEvent


class Timeline:
    def __init__(self, capacity: int = 1000) -> None:
        self._events: deque[TimelineEvent] = deque(maxlen=capacity)

    def record(self, event: TimelineEvent) -> None:
        self._events.append(event)

    def events(self, service: str | None = None) -> tuple[TimelineEvent, ...]:
        """Oldest first; only one service's when `service` is given."""
        if service is None:
            return tuple(self._events)
        return tuple(e for e in self._events if e.check.service == service)

    def __len__(self) -> int:
        return len(self._events)
