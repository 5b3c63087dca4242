"""What the state tells those that follow it (the flight recorder), after every change.

A listener is called on the state's own loop, right after the change, so it must be cheap:
the recorder only turns what it is given into rows and queues them for its writer thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oncall_tui.sources.base import FetchError, Observation


class StateListener(Protocol):
    def observed(self, observations: Sequence[Observation], now: float) -> None:
        """`observations` were just applied at `now` (the state's clock)."""

    def source_reported(self, name: str, ok: bool, error: FetchError | None, now: float) -> None:
        """A source's job finished: `ok`, or failing with `error`."""
