"""What screens and widgets may ask of the app, as a Protocol.

Screens type the app through `DashboardHost` instead of importing the concrete `OncallApp`,
so `ui/app.py` imports its screens and no screen imports the app back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from oncall_tui.config.model import Config
    from oncall_tui.engine.incident import Clocks
    from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot
    from oncall_tui.runbooks.index import RunbookIndex
    from oncall_tui.runbooks.links import LinkProblem, ResolvedLink
    from oncall_tui.store.incident_facts import IncidentView


class DashboardHost(Protocol):
    """The app as its screens see it: the config, the latest snapshot, navigation."""

    config: Config
    clock: Callable[[], float]
    demo: bool
    dashboard_title: str
    snapshot: DashboardSnapshot | None
    incident_view: IncidentView | None

    @property
    def paused(self) -> bool:
        """Whether polling is paused (the state's flag, through the poller)."""
        ...

    def now(self) -> float: ...

    def incident_header(self, width: int | None = None) -> tuple[str, bool] | None: ...

    def incident_clocks(self) -> Clocks | None: ...

    def open_service(self, name: str) -> None: ...

    def back_to_overview(self) -> None: ...

    def runbook_index(self) -> RunbookIndex | None: ...

    def open_runbook(
        self,
        link: ResolvedLink | LinkProblem,
        *,
        service: str | None,
        outside: Mapping[str, str] | None = None,
        guessed_note: str | None = None,
    ) -> None: ...

    def open_runbook_for_check(
        self, check: CheckSnapshot, outside: Mapping[str, str] | None = None
    ) -> None: ...

    def record_action(
        self,
        kind: str,
        *,
        service: str | None = None,
        subject: str = "",
        data: Mapping[str, object] | None = None,
    ) -> None: ...
