"""The service screen's workloads pane: pods, rollouts, warning events, kubectl commands.

Reads the `Workloads` record of the service's `kubernetes / workloads` check; never talks to
the cluster. Pod rows are focusable; for the pod under the cursor the pane lists copy-ready
kubectl commands (`c` copies the highlighted one, `r` opens the service's runbook with the
pod's names filled in). Restarts and undos are only handed over as text, marked as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import CAUTION, ELLIPSIS, MISSING, RESTART, SEP, TIMES, Glyph
from oncall_tui.render.cells import age_text
from oncall_tui.render.values import format_age
from oncall_tui.sources.base import ErrorKind
from oncall_tui.sources.kubernetes.commands import KubeCommand, commands_for
from oncall_tui.sources.kubernetes.records import PodRecord, Workloads
from oncall_tui.status import Status

if TYPE_CHECKING:
    from oncall_tui.runbooks.clipboard import CopyOutcome

POD_COLUMNS = ("st", "pod", "phase", "ready", "restarts (1h)", "reason", "age", "node")
# columns whose text moves with the clock ("20 s ago"): a tick updates only these cells
AGE_COLUMNS = (POD_COLUMNS.index("reason"), POD_COLUMNS.index("age"))
RUNBOOK_NAME = "pods_not_ready"  # what `r` looks for in the service runbook: "Service Not Ready"

# What each failure means for the person reading the pane (the source's message follows).
_ERROR_HEADINGS = {
    ErrorKind.AUTH: "No access (RBAC or credentials)",
    ErrorKind.CONFIG: "Kubernetes config problem",
    ErrorKind.UNREACHABLE: "API server unreachable",
    ErrorKind.TIMEOUT: "API server too slow",
}

MUTATING_MARK = Glyph(
    f"{CAUTION.unicode} changes the cluster", f"{CAUTION.ascii} changes the cluster"
)


def pod_status(pod: PodRecord) -> Status:
    if pod.crash_looping or pod.phase == "Failed":
        return Status.CRIT
    return Status.OK if pod.healthy else Status.WARN


def reason_text(pod: PodRecord, now: float) -> str:
    """`CrashLoopBackOff · last OOMKilled 20 s ago`: waiting first, then the last termination."""
    parts = []
    if pod.waiting_reason:
        parts.append(pod.waiting_reason)
    if pod.last_reason:
        when = (
            ""
            if pod.last_terminated_at is None
            else " " + age_text(max(0.0, now - pod.last_terminated_at))
        )
        parts.append(f"last {pod.last_reason}{when}")
    if pod.deleting:
        parts.append("terminating")
    return SEP.join(parts) or str(MISSING)


def pod_row(pod: PodRecord, now: float) -> tuple[str, ...]:
    age = pod.age(now)
    return (
        pod_status(pod).glyph,
        pod.name,
        pod.phase,
        pod.ready_text,
        f"{pod.restarts} ({RESTART}{pod.restarts_1h})" if pod.restarts_1h else str(pod.restarts),
        reason_text(pod, now),
        str(MISSING) if age is None else format_age(age),
        pod.node or str(MISSING),
    )


def _without_ages(row: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(cell for i, cell in enumerate(row) if i not in AGE_COLUMNS)


def rollout_lines(workloads: Workloads) -> list[str]:
    """`deployment/cqar  available 2/3 · updated 1/3 · ready 2 · ⟳ rollout in progress`."""
    lines = []
    for w in workloads.deployments:
        text = (
            f"{w.ref}  available {w.available}/{w.desired}{SEP}updated {w.updated}/{w.desired}"
            f"{SEP}ready {w.ready}/{w.desired}"
        )
        if w.revision:
            text += f"{SEP}rev {w.revision}"
        if w.rolling_out:
            text += f"{SEP}{RESTART} rollout in progress"
            if w.rollout_note:
                text += f" ({w.rollout_note})"
        elif w.available >= w.desired:
            text += f"{SEP}rolled out"
        lines.append(text)
    return lines or ["no Deployment or StatefulSet owns these pods"]


def event_lines(workloads: Workloads, now: float, limit: int = 8) -> list[str]:
    """Warning events, newest first: `20 s ago  BackOff ×12  pod/x: Back-off restarting ...`."""
    events = sorted(workloads.events, key=lambda e: -(e.last_seen or 0.0))
    lines = []
    for e in events[:limit]:
        seen = str(MISSING) if e.last_seen is None else age_text(max(0.0, now - e.last_seen))
        lines.append(f"{seen:>10}  {e.reason} {TIMES}{e.count}  {e.object}: {e.message}")
    if len(events) > limit:
        lines.append(f"{ELLIPSIS} {len(events) - limit} older")
    return lines or ["no warning events"]


def command_prompt(command: KubeCommand) -> str:
    mark = f"  {MUTATING_MARK}" if command.mutating else ""
    return f"{command.title}{mark}\n  {command.text}"


def error_state(check: CheckSnapshot) -> str:
    """A failed fetch in words: what it means, then the source's own message."""
    error = check.error
    if error is None:
        return f"{check.status.glyph} {check.status.word}: no pods read yet"
    heading = _ERROR_HEADINGS.get(error.kind, "Could not read the cluster")
    return f"{check.status.glyph} {check.status.word}{SEP}{heading}: {error.message}"


class WorkloadsPane(Vertical):
    """Pods table, rollouts, warnings and the focused pod's commands of one service."""

    DEFAULT_CSS = """
    WorkloadsPane {
        height: auto; border: $border-round $panel-lighten-2; padding: 0 1;
        border-subtitle-align: right;
    }
    WorkloadsPane:focus-within { border: $border-round $primary; }
    WorkloadsPane.-loud { border: $border-thick $status-crit; }
    WorkloadsPane #wl-state { height: auto; text-style: bold; }
    WorkloadsPane #wl-state.-problem { color: $text; background: $status-error 20%; padding: 0 1; }
    WorkloadsPane #wl-pods { height: auto; max-height: 12; }
    WorkloadsPane .wl-heading { height: 1; color: $text-muted; text-style: bold; margin-top: 1; }
    WorkloadsPane #wl-rollouts, WorkloadsPane #wl-events { height: auto; }
    WorkloadsPane #wl-hint { display: none; height: 1; color: $text-muted; }
    WorkloadsPane:focus-within #wl-hint { display: block; }
    WorkloadsPane #wl-commands { height: auto; max-height: 16; border: none; padding: 0; }
    """

    BINDINGS = [
        Binding("c", "copy_command", "Copy command", id="copy_pod_command"),
        Binding("r", "pod_runbook", "Runbook", id="pod_runbook"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.service: str | None = None
        self.check: CheckSnapshot | None = None
        self.workloads: Workloads | None = None
        self.commands: tuple[KubeCommand, ...] = ()
        self._rows: tuple[tuple[str, ...], ...] = ()
        self._commands_pod: str | None = None
        self.border_title = "workloads"
        self.display = False  # until the service turns out to have a kubernetes: section

    def compose(self) -> ComposeResult:
        yield Static("", id="wl-state", markup=False)
        table: DataTable[str | Text] = DataTable(
            id="wl-pods", cursor_type="row", zebra_stripes=False
        )
        for column in POD_COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static("rollout", classes="wl-heading")
        yield Static("", id="wl-rollouts", markup=False)
        yield Static("warning events (newest first)", classes="wl-heading")
        yield Static("", id="wl-events", markup=False)
        yield Static("", id="wl-commands-heading", classes="wl-heading", markup=False)
        # the keys, on the focused pane only: every block saying them is noise
        yield Static(
            "c copies the highlighted command; the app never runs them", id="wl-hint", markup=False
        )
        yield OptionList(id="wl-commands", markup=False)

    # -- data ------------------------------------------------------------------------------

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#wl-pods", DataTable)

    def show(self, service: str, check: CheckSnapshot | None, now: float) -> None:
        """Bring the pane in line with the service's workloads check."""
        self.service = service
        if self.display != (check is not None):
            self.display = check is not None
            self.screen.refresh_bindings()  # the screen's "pods" key comes and goes with it
        if check is None:
            return
        self.check = check
        detail = check.detail if isinstance(check.detail, Workloads) else None
        self.workloads = detail
        where = ""
        if detail is not None:
            where = f"{SEP}{detail.namespace}" + (
                f"{SEP}{detail.context}" if detail.context else ""
            )
        self.border_title = f"workloads{where}"
        self.border_subtitle = f"{check.status.glyph} {check.status.word}"
        self.set_class(check.status in (Status.CRIT, Status.ERROR), "-loud")
        self._show_state(check, detail, now)
        self._show_pods(detail, now)
        self.query_one("#wl-rollouts", Static).update(
            "\n".join(rollout_lines(detail)) if detail else str(MISSING)
        )
        self.query_one("#wl-events", Static).update(
            "\n".join(event_lines(detail, now)) if detail else str(MISSING)
        )
        self._show_commands(force=True)

    def _show_state(self, check: CheckSnapshot, detail: Workloads | None, now: float) -> None:
        state = self.query_one("#wl-state", Static)
        if detail is None:
            text = error_state(check)
        else:
            text = (
                f"{check.status.glyph} {check.status.word}{SEP}{detail.summary}{SEP}{detail.reason}"
            )
            if check.error is not None:
                age = check.age(now)
                since = "" if age is None else f" (showing data from {format_age(age)} ago)"
                heading = _ERROR_HEADINGS.get(check.error.kind, "last fetch failed")
                text += f"\n{heading}: {check.error.message}{since}"
            for problem in detail.problems:
                text += f"\nnot readable: {problem}"
        state.update(text)
        state.set_class(detail is None, "-problem")

    def _show_pods(self, detail: Workloads | None, now: float) -> None:
        table = self.table
        rows = tuple(pod_row(p, now) for p in detail.pods) if detail else ()
        table.display = bool(rows)
        if rows == self._rows:
            return
        pods = detail.pods if detail else ()
        if [_without_ages(r) for r in rows] == [_without_ages(r) for r in self._rows]:
            # the same pods in the same states: only the clock moved, so only age cells change
            for pod, row, old in zip(pods, rows, self._rows, strict=True):
                cells = self._cells(pod, row)
                for i in AGE_COLUMNS:
                    if row[i] != old[i]:
                        table.update_cell(pod.name, POD_COLUMNS[i], cells[i], update_width=True)
            self._rows = rows
            return
        selected = self.selected_pod_name()
        self._rows = rows
        table.clear()
        for pod, row in zip(pods, rows, strict=True):
            table.add_row(*self._cells(pod, row), key=pod.name)  # type: ignore[arg-type]
        if selected is not None and detail is not None and detail.pod(selected) is not None:
            table.move_cursor(row=table.get_row_index(selected))

    def _cells(self, pod: PodRecord, row: tuple[str, ...]) -> list[Text]:
        status = pod_status(pod)
        cells = [Text(cell) for cell in row]
        if status is not Status.OK:
            colour = self._colour(status)
            style = f"bold {colour}" if status is Status.CRIT else colour
            cells[0].stylize(style)
            cells[5].stylize(style)
        return cells

    def _colour(self, status: Status) -> str:
        return self.app.theme_variables.get(f"status-{status.value}", "") or "default"

    # -- focus and commands ----------------------------------------------------------------

    def selected_pod_name(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    @property
    def focused_pod(self) -> PodRecord | None:
        """The pod under the cursor; the first unhealthy one before the user moves."""
        name = self.selected_pod_name()
        if self.workloads is None:
            return None
        return (self.workloads.pod(name) if name else None) or self.workloads.first_unhealthy()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_commands()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on a pod moves to its commands
        self.query_one("#wl-commands", OptionList).focus()

    def _show_commands(self, force: bool = False) -> None:
        pod = self.focused_pod
        name = pod.name if pod else None
        if not force and name == self._commands_pod:
            return
        commands = commands_for(self.workloads, pod) if self.workloads is not None else ()
        heading = self.query_one("#wl-commands-heading", Static)
        heading.update(f"commands for {name}" if name else "commands")
        if commands == self.commands and name == self._commands_pod:
            return
        options = self.query_one("#wl-commands", OptionList)
        highlighted = options.highlighted
        keep = (
            self.commands[highlighted].key
            if highlighted is not None and highlighted < len(self.commands)
            else None
        )
        self.commands, self._commands_pod = commands, name
        options.clear_options()
        options.add_options(Option(command_prompt(c), id=c.key) for c in commands)
        keys = [c.key for c in commands]
        options.highlighted = keys.index(keep) if keep in keys else (0 if commands else None)
        heading.display = options.display = bool(commands)

    @property
    def highlighted_command(self) -> KubeCommand | None:
        index = self.query_one("#wl-commands", OptionList).highlighted
        if index is None or not (0 <= index < len(self.commands)):
            return self.commands[0] if self.commands else None
        return self.commands[index]

    def action_copy_command(self) -> None:
        command = self.highlighted_command
        if command is None:
            self.notify("no command to copy", severity="warning")
            return
        text, mutating = command.text, command.mutating

        def done(outcome: CopyOutcome) -> None:
            if outcome.path is not None:
                where = f" (also in {outcome.path})"
            else:
                where = f" (fallback file failed: {outcome.error})"
            if mutating:
                self.notify(
                    f"Copied {text}{where}. {MUTATING_MARK}: paste it only if you mean it;"
                    " oncall never runs it",
                    title="copied: changes the cluster",
                    severity="warning",
                )
            else:
                self.notify(f"Copied {text}{where}", title="copied")

        app: Any = self.app
        app.copy(text, done=done)

    # -- runbook ---------------------------------------------------------------------------

    def placeholders(self) -> Mapping[str, str]:
        """`{{ pod }}`, `{{ deployment }}`, `{{ namespace }}`, `{{ context }}` for the runbook."""
        from oncall_tui.sources.kubernetes.placeholders import placeholder_values

        if self.workloads is None:
            return {}
        return placeholder_values(self.workloads, self.focused_pod)

    def action_pod_runbook(self) -> None:
        """The service runbook's "Service Not Ready" section (else the whole runbook), with
        the focused pod's names as outside values the filler shell-quotes."""
        app = self.app
        opener = getattr(app, "open_runbook", None)
        config = getattr(app, "config", None)
        if self.service is None or config is None:
            return
        if opener is None:
            self.notify("the runbook pane is not available in this build", severity="warning")
            return
        service = config.services.get(self.service)
        loader = getattr(app, "runbook_index", None)
        if service is None:
            self.notify("runbooks are still loading", severity="warning")
            return
        index = loader() if callable(loader) else getattr(app, "runbooks", None)
        if index is None:
            if not callable(loader):  # else the app's runbook_index() has said so already
                self.notify("runbooks are still loading", severity="warning")
            return
        from oncall_tui.runbooks.links import guess_section

        base = config.path.parent if config.path is not None else None
        link = guess_section(index, service.runbook, RUNBOOK_NAME, "probe", base)
        opener(link, service=self.service, outside=dict(self.placeholders()))
