"""The incident screen (`i` while one is open): its clocks, milestones and timeline.

Keys: `m` milestone, `n` note, `u` status update, `R` resolve, `P` postmortem, `f` and `s`
filter the timeline by kind and by service. Everything it writes goes through the app's
`IncidentHost`, which writes in a thread and reads the incident back.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from oncall_tui.engine.incident import Clocks, Milestone
from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.glyphs import MISSING, SEP
from oncall_tui.inert import inert_line as inert
from oncall_tui.render.incident_text import (
    clock,
    is_loud,
    level_text,
    local_time,
    target_text,
    update_text,
)
from oncall_tui.render.postmortem import TimelineRow
from oncall_tui.ui.incidents.forms import MilestoneForm, NoteForm, ResolveForm, Stamp, UpdateForm
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.widgets.header import DashboardHeader

ALL = "all"


def timeline_filter(
    rows: tuple[TimelineRow, ...], kind: str, service: str
) -> tuple[TimelineRow, ...]:
    """The rows of one kind and one service (`all` for either)."""
    return tuple(
        r
        for r in rows
        if (kind == ALL or r.kind == kind) and (service == ALL or r.service in (service, ""))
    )


def clock_lines(ref: str, title: str, severity: str, state: str, c: Clocks) -> list[str]:
    """The big block of the incident screen and the war-room view, one fact a line."""
    lines = [f"{ref} {severity} {state.upper()}: {title}", f"elapsed {clock(c.elapsed)}"]
    if c.since_detection is not None:
        lines.append(f"since first breach {clock(c.since_detection)} ({local_time(c.detected_at)})")
    level = level_text(c)
    if level:
        lines.append(level)
    lines.extend(target_text(t, c.now) for t in c.targets)
    update = update_text(c)
    if update:
        lines.append(update)
    return lines


class IncidentScreen(DashboardScreen):
    CSS_PATH = "incidents.tcss"
    AUTO_FOCUS = "#incident-timeline"

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("m", "milestone", "Milestone", id="incident_milestone"),
        Binding("n", "note", "Note", id="incident_note"),
        Binding("u", "update", "Update", id="incident_update"),
        Binding("R", "resolve", "Resolve", id="incident_resolve"),
        Binding("P", "postmortem", "Postmortem", id="incident_postmortem"),
        Binding("f", "filter_kind", "Kind", id="incident_filter_kind"),
        Binding("s", "filter_service", "Service", id="incident_filter_service"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = ALL
        self.service = ALL
        self._drawn: tuple[object, ...] | None = None
        self._clock_text = ""

    @property
    def host(self) -> Any:
        return self.app

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        yield Static("", id="incident-clocks", markup=False)
        yield Static("", id="incident-milestones", markup=False)
        yield Static("", id="incident-filter", markup=False)
        yield DataTable(id="incident-timeline", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("time", key="time", width=8)
        table.add_column("kind", key="kind", width=10)
        table.add_column("service", key="service", width=12)
        table.add_column("what", key="what")
        self.show(self.host.snapshot, self.host.now())

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        view = self.host.incident_view
        clocks_box = self.query_one("#incident-clocks", Static)
        if view is None:
            text = f"no incident is open{SEP}i declares one"
            if text != self._clock_text:
                self._clock_text = text
                clocks_box.update(text)
                clocks_box.set_class(False, "-loud")
            return
        c = self.host.incident_clocks()
        if c is None:
            return
        incident = view.incident
        text = "\n".join(
            inert(line)
            for line in clock_lines(
                incident.ref, incident.title, incident.severity, incident.state, c
            )
        )
        if view.others:
            text += f"\n{view.others} more incident(s) open: oncall incident list"
        if text != self._clock_text:
            self._clock_text = text
            clocks_box.update(text)
            clocks_box.set_class(is_loud(c), "-loud")
        self._show_timeline()

    def _show_timeline(self) -> None:
        view = self.host.incident_view
        if view is None:
            return
        key = (view.incident, view.timeline, self.kind, self.service)
        if key == self._drawn:
            return
        self._drawn = key
        stamps = dict(view.incident.milestones)
        if view.detected_at is not None:
            stamps.setdefault(Milestone.DETECTED, view.detected_at)  # the first breach
        self.query_one("#incident-milestones", Static).update(
            "   ".join(f"{m.value} {local_time(stamps.get(m))}" for m in Milestone)
        )
        self.query_one("#incident-filter", Static).update(
            f"timeline{SEP}kind: {self.kind} (f){SEP}service: {self.service} (s)"
        )
        table = self.query_one(DataTable)
        table.clear()
        for row in timeline_filter(view.timeline, self.kind, self.service):
            table.add_row(
                local_time(row.at), row.kind, inert(row.service) or str(MISSING), inert(row.text)
            )
        table.move_cursor(row=max(0, table.row_count - 1))

    # -- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def _cycle(self, current: str, choices: list[str]) -> str:
        options = [ALL, *choices]
        return options[(options.index(current) + 1) % len(options)] if current in options else ALL

    def action_filter_kind(self) -> None:
        view = self.host.incident_view
        kinds = sorted({r.kind for r in view.timeline}) if view else []
        self.kind = self._cycle(self.kind, kinds)
        self._show_timeline()

    def action_filter_service(self) -> None:
        view = self.host.incident_view
        services = list(view.incident.services) if view else []
        self.service = self._cycle(self.service, services)
        self._show_timeline()

    def action_note(self) -> None:
        if self.host.incident_view is None:
            return

        def done(text: str | None) -> None:
            if text:
                self.host.add_note(text)

        self.app.push_screen(NoteForm(), done)

    def action_milestone(self) -> None:
        view = self.host.incident_view
        if view is None:
            return

        def done(stamp: Stamp | None) -> None:
            if stamp is not None:
                if stamp.milestone is Milestone.RESOLVED:
                    self.action_resolve()
                    return
                self.host.stamp_milestone(stamp.milestone, stamp.at)

        form = MilestoneForm(
            stamped=dict(view.incident.milestones),
            now=self.host.now(),
            started=view.incident.started_at,
        )
        self.app.push_screen(form, done)

    def action_update(self) -> None:
        if self.host.incident_view is not None:
            self.host.compose_update(self._edit_update)

    def _edit_update(self, text: str) -> None:
        def done(final: str | None) -> None:
            if final:
                self.host.copy(final, title="status update")
                self.host.update_sent(final)

        self.app.push_screen(UpdateForm(text), done)

    def action_resolve(self) -> None:
        if self.host.incident_view is None:
            return

        def done(result: Any) -> None:
            if result is not None:
                self.host.resolve_incident(
                    result.root_cause, result.resolution, self._show_resolution_notice
                )

        self.app.push_screen(ResolveForm(), done)

    def _show_resolution_notice(self, text: str) -> None:
        """The notice for the stakeholders, for editing; ctrl+s copies it."""
        app: Any = self.app

        def done(final: str | None) -> None:
            if final:
                self.host.copy(final, title="resolution notice")

        app.push_screen(UpdateForm(text, title="resolution notice", stamp=False), done)

    def action_postmortem(self) -> None:
        self.host.write_postmortem()
