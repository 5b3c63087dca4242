"""The overview: every service against the standard KPIs, worst first, with recent changes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.changes import ChangeList
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.widgets.header import DashboardHeader
from oncall_tui.ui.widgets.matrix import ServiceMatrix


class OverviewScreen(DashboardScreen):
    BINDINGS = [
        Binding("enter", "open_service", "Open", id="open"),
        Binding("s", "toggle_sort", "Sort", id="sort"),
        Binding("q", "app.quit", "Quit", id="quit_overview"),
    ]

    def __init__(self) -> None:
        super().__init__()
        # the last snapshot and whether a cell of it says a time (a countdown, an age)
        self._timed: tuple[DashboardSnapshot | None, bool] = (None, False)

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        with Vertical(id="matrix-box"):
            yield ServiceMatrix(id="matrix")
        yield Static("latest changes", classes="strip-title")
        yield ChangeList(limit=3, id="changes")
        yield KeysFooter()

    @property
    def matrix(self) -> ServiceMatrix:
        return self.query_one(ServiceMatrix)

    def on_mount(self) -> None:
        self.matrix.focus()
        self.show(self.oncall.snapshot, self.oncall.now())

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        self._set_density(snapshot)
        self.matrix.show(snapshot.services, now)
        self.query_one(ChangeList).show(snapshot.timeline)
        self._update_sort_title()

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        """Pending countdowns and stale ages tick in their cells; other cells do not move."""
        if snapshot is None:
            return
        if self._timed[0] is not snapshot:  # looked for once per snapshot, not every second
            timed = any(
                c.pending is not None or c.last_verdict is not None
                for s in snapshot.services
                for c in s.checks
            )
            self._timed = (snapshot, timed)
        if self._timed[1]:
            self.matrix.show(snapshot.services, now)

    def on_resize(self) -> None:
        snapshot = self.oncall.snapshot
        if snapshot is not None:
            self._set_density(snapshot)

    def _set_density(self, snapshot: DashboardSnapshot) -> None:
        self.matrix.set_density(
            compact=not self.has_class("-huge"),
            narrow=self.has_class("-narrow"),
            services=snapshot.services,
        )

    def _update_sort_title(self) -> None:
        order = "worst first" if self.matrix.worst_first else "config order"
        title = f"services{SEP}{order}"
        # setting a border title repaints the whole table, even to the same text
        if self.matrix.border_title != title:
            self.matrix.border_title = title

    def action_toggle_sort(self) -> None:
        snapshot = self.oncall.snapshot
        self.matrix.set_worst_first(
            not self.matrix.worst_first, snapshot.services if snapshot else ()
        )
        self._update_sort_title()

    def action_open_service(self) -> None:
        name = self.matrix.selected_service()
        if name is not None:
            self.oncall.open_service(name)

    @on(ServiceMatrix.Opened)
    def _opened(self, event: ServiceMatrix.Opened) -> None:
        self.oncall.open_service(event.service)

    def focus_service(self, name: str) -> None:
        if self.is_mounted:
            self.matrix.focus_service(name)
