"""One service: a panel per KPI and custom panel, its other checks, and its timeline."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot, ServiceSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.names import widget_id
from oncall_tui.render.cause import cause_check, cause_line, paging_line
from oncall_tui.render.cells import KIND_HEADINGS, kind_cell, status_label
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.runbook.opened import open_pane_on
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.changes import ChangeList
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.widgets.header import DashboardHeader
from oncall_tui.ui.widgets.health_pane import HealthPane
from oncall_tui.ui.widgets.kpi_panel import KpiPanel
from oncall_tui.ui.widgets.slo_panel import SloPane, SloPanel
from oncall_tui.ui.widgets.workloads_pane import WorkloadsPane

#: the keys that walk and act on the panels; not while the runbook pane is open over them
PANEL_KEYS = frozenset({"focus_next_panel", "focus_previous_panel", "focus_pods", "runbook"})


def _loudness(widget: Widget) -> int:
    """How loud a focus target is: its check's status rank (-1 without a check)."""
    snapshot = getattr(widget, "snapshot", None)
    return snapshot.status.rank if isinstance(snapshot, CheckSnapshot) else -1


def panel_id(key: str) -> str:
    return widget_id("panel-", key)


def panel_order(checks: Sequence[CheckSnapshot]) -> list[CheckSnapshot]:
    """Worst first, config order among equals: the breach that explains the page on top."""
    position = {c.id.key: i for i, c in enumerate(checks)}
    return sorted(checks, key=lambda c: (-c.status.rank, position[c.id.key]))


class ServiceScreen(DashboardScreen):
    AUTO_FOCUS = None  # focus goes to the loudest panel once panels exist

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("down,right", "focus_next_panel", "Next panel", id="next_panel", show=False),
        Binding("up,left", "focus_previous_panel", "Previous panel", id="prev_panel", show=False),
        Binding("k", "focus_pods", "Pods", id="focus_pods"),
        Binding("r", "runbook", "Runbook", id="runbook"),
    ]

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service_name = service
        self._panel_keys: tuple[str, ...] = ()  # the shown panels, in screen order
        self._panels: dict[str, KpiPanel] = {}  # every panel mounted, by KPI key
        self._service: ServiceSnapshot | None = None
        self._cause_text = ""
        self._paging_text: str | None = None  # the paging line shown (None: hidden)

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        yield Static("", id="service-title", markup=False)
        yield Static("", id="service-cause", markup=False)
        paging = Static("", id="service-paging", markup=False)
        paging.display = False  # until an alert of the service fires
        yield paging
        yield Static("", id="service-checks", markup=False)
        with Horizontal(id="service-body"):
            with VerticalScroll(id="panels-scroll"):
                yield HealthPane(id="health")
                yield SloPane(id="slos")
                yield Grid(id="panels")
                yield WorkloadsPane(id="workloads")
            with VerticalScroll(id="timeline-pane"):
                yield ChangeList(limit=50, with_service=False, id="service-timeline")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline-pane").border_title = "timeline"
        self.show(self.oncall.snapshot, self.oncall.now())

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        service = snapshot.service(self.service_name)
        title = self.query_one("#service-title", Static)
        if service is None:
            title.update(f"{self.service_name}: not in this config")
            return
        title.update(f"{status_label(service.status)}  {service.name}{SEP}{service.title}")
        self._service = service
        self._show_cause(now)
        self._show_checks(service)
        self._show_panels(service, now)
        if self.query_one(HealthPane).show(service.of_kind(CheckKind.HEALTH), now):
            focused = self.focused.id if self.focused in self._focus_targets() else None
            self.after_refresh("panel focus", self._refocus, focused)  # new rows may be loudest
        slos = service.of_kind(CheckKind.SLO)
        self._place_slos(any(c.loudest is not Status.OK for c in slos))
        if self.query_one(SloPane).show(slos, now):
            self.after_refresh("panel focus", self._refocus, None)  # a firing SLO may be loudest
        workloads = service.check(CheckKind.KUBERNETES, "workloads")
        self.query_one(WorkloadsPane).show(service.name, workloads, now)
        if self.focused is None or not self.focused.display:
            # the focused row went away (probes all well again fold into one line)
            self.after_refresh("panel focus", self._refocus, None)
        events = [e for e in snapshot.timeline if e.check.service == service.name]
        self.query_one("#service-timeline", ChangeList).show(events)

    def come_back(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        """Kept off the stack and about to be shown again (a later `enter` on the service):
        as a new screen would be, with the latest values drawn before its first frame back
        (a breach since it left reads crit at once), the runbook pane closed (its drawn
        document kept for the next `r`) and the focus on the panel the cause line names."""
        pane = open_pane_on(self)
        if pane is not None:
            pane.return_focus_to(None)
            pane.close()
        self.catch_up(snapshot, now)
        panels = self._focus_targets()
        if panels:
            target = self._cause_panel(panels) or max(panels, key=_loudness)
            self.set_focus(target, scroll_visible=False)
            self.after_refresh("panel focus", target.scroll_visible, animate=False)

    def beside_pane(self, beside: bool) -> None:
        """The runbook pane opened (closed) beside the screen's widgets: they reflow into
        the 38 % on the left, the panels in one column and no timeline. Inline styles on
        the few widgets that change: a class on #service-body would restyle its ~80
        widgets on every open and close."""
        width = "38%" if beside else None
        for name in ("#service-title", "#service-cause", "#service-checks"):
            self.query_one(name).styles.width = width
        body = self.query_one("#service-body")
        body.styles.width = width
        body.styles.layout = "vertical" if beside else None
        self.query_one("#panels", Grid).styles.grid_size_columns = 1 if beside else None
        self.query_one("#timeline-pane").styles.display = "none" if beside else None

    def _place_slos(self, loud: bool) -> None:
        """SLOs out of line come before the KPI panels; well ones after, out of their way."""
        pane, grid = self.query_one(SloPane), self.query_one("#panels", Grid)
        scroll = self.query_one("#panels-scroll", VerticalScroll)
        children = list(scroll.children)
        if pane not in children or grid not in children:
            return
        first = children.index(pane) < children.index(grid)
        if loud and not first:
            scroll.move_child(pane, before=grid)
        elif not loud and first:
            scroll.move_child(pane, after=grid)

    def _show_cause(self, now: float) -> None:
        """The header's cause line: the loudest check, the line it crossed, since when."""
        service = self._service
        if service is None:
            return
        cause = self.query_one("#service-cause", Static)
        check = cause_check(service)
        status = check.loudest if check is not None else Status.OK
        for other in Status:
            cause.set_class(other is status, f"-{other.value}")
        text = cause_line(service, now)
        if text != self._cause_text:
            self._cause_text = text
            cause.update(text, layout=False)
        line = paging_line(service)
        if line != self._paging_text:
            # only when it changes: this runs every second, and each update of this line
            # (or a flip of its display) lays the whole screen out again
            self._paging_text = line
            paging = self.query_one("#service-paging", Static)
            paging.display = line is not None
            paging.update(line or "")

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        self._show_cause(now)  # a pending breach counts down, a stale value ages
        for panel in self._panels.values():
            if panel.display and panel.snapshot is not None:
                panel.show(panel.snapshot, now)
        self.query_one(HealthPane).show_ages(now)
        self.query_one(SloPane).show_ages(now)

    def _show_checks(self, service: ServiceSnapshot) -> None:
        lines = []
        for kind, (heading, _) in KIND_HEADINGS.items():
            checks = service.of_kind(kind)
            if checks:
                lines.append(f"{heading}: {kind_cell(checks).text}")
        widget = self.query_one("#service-checks", Static)
        widget.display = bool(lines)
        widget.update("   ".join(lines))

    def _show_panels(self, service: ServiceSnapshot, now: float) -> None:
        """One panel per KPI, breaching ones first; panels are reused, never mounted twice.

        A KPI that goes away hides its panel (kept for when it comes back): removing and
        mounting again under the same id races with a refresh that comes first.
        """
        checks = panel_order(service.of_kind(CheckKind.KPI))
        grid = self.query_one("#panels", Grid)
        added = False
        for check in checks:
            panel = self._panels.get(check.id.key)
            if panel is None:
                panel = KpiPanel(check, id=panel_id(check.id.key))
                self._panels[check.id.key] = panel
                grid.mount(panel)
                added = True
            panel.display = True
            panel.show(check, now)
        keys = tuple(c.id.key for c in checks)
        for key, panel in self._panels.items():
            if key not in keys:
                panel.display = False
        if keys != self._panel_keys and self._order_panels(grid, keys):
            first = self._panel_keys == ()
            self._panel_keys = keys
            if added or first:
                focused = self.focused.id if isinstance(self.focused, KpiPanel) else None
                self.after_refresh("panel focus", self._refocus, focused)

    def _order_panels(self, grid: Grid, keys: tuple[str, ...]) -> bool:
        """Put the shown panels in `keys` order; False when some are not in the grid yet
        (a mount refused while the screen closes), to try again next refresh."""
        shown = [self._panels[k] for k in keys]
        children = list(grid.children)
        if any(panel not in children for panel in shown):
            return False
        if [w for w in children if w in shown] == shown or not shown:
            return True
        if children[0] is not shown[0]:
            grid.move_child(shown[0], before=0)
        for before, panel in zip(shown, shown[1:], strict=False):
            grid.move_child(panel, after=before)
        return True

    def _focus_targets(self) -> list[Widget]:
        """Probe rows, SLO and KPI panels, in screen order: what the arrows walk through."""
        return [w for w in self.query("ProbeRow, SloPanel, KpiPanel") if w.display]

    def _refocus(self, focused: str | None) -> None:
        panels = self._focus_targets()
        if not panels:
            return
        target = next((p for p in panels if p.id == focused), None)
        if target is None:
            target = self._cause_panel(panels)
        if target is None:
            # open on the loudest panel: the worst status, first in config order
            target = max(panels, key=_loudness)
        pane = open_pane_on(self)
        if pane is not None:  # the runbook pane keeps the keys; this panel gets them back
            pane.return_focus_to(target)
            return
        target.focus(scroll_visible=False)
        self.after_refresh("panel focus", target.scroll_visible, animate=False)

    def _cause_panel(self, panels: list[Widget]) -> Widget | None:
        """The panel of the check the cause line names, so `r` opens that check's section
        (a crit SLO shown first must not take the focus from the KPI that crossed)."""
        check = cause_check(self._service) if self._service is not None else None
        if check is None:
            return None
        for panel in panels:
            snapshot = getattr(panel, "snapshot", None)
            if isinstance(snapshot, CheckSnapshot) and snapshot.id == check.id:
                return panel
        return None

    def _step_panel_focus(self, step: int) -> None:
        panels = self._focus_targets()
        if not panels:
            return
        current = self.focused
        index = panels.index(current) if current in panels else -step
        target = panels[(index + step) % len(panels)]
        target.focus()
        target.scroll_visible()

    def action_focus_next_panel(self) -> None:
        self._step_panel_focus(1)

    def action_focus_previous_panel(self) -> None:
        self._step_panel_focus(-1)

    def action_focus_pods(self) -> None:
        pane = self.query_one(WorkloadsPane)
        if not pane.display:
            self.notify("this service has no kubernetes: section", severity="warning", timeout=3)
            return
        pane.table.focus()
        pane.scroll_visible(animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PANEL_KEYS and open_pane_on(self) is not None:
            return False  # the runbook pane has the keys: none of the panels' beside it
        if action == "focus_pods":  # no dead key in the footer: only with workloads
            return self.query_one(WorkloadsPane).display
        return True

    def action_runbook(self) -> None:
        """The focused panel's runbook section, with its worst series' labels to fill in."""
        panel = self.focused_panel
        if panel is None or panel.snapshot is None:
            self.notify("focus a panel first (tab or arrows)", severity="warning")
            return
        self.oncall.open_runbook_for_check(panel.snapshot, dict(panel.snapshot.labels))

    def action_back(self) -> None:
        self.oncall.back_to_overview()

    @property
    def focused_panel(self) -> KpiPanel | SloPanel | None:
        return self.focused if isinstance(self.focused, (KpiPanel, SloPanel)) else None
