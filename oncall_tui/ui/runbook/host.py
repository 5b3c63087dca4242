"""What the app needs for runbooks: the index (loaded once, off the UI loop) and the pane.

Mixed into `OncallApp`, so other screens call `app.open_runbook(...)` and
`app.open_runbook_for_check(...)` without knowing the pane. Textual calls a mixin's
`on_mount` too (handlers are looked up along the whole MRO), so loading starts by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from oncall_tui.sources.base import CheckKind

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, HealthProbe, Kpi, Service
    from oncall_tui.engine.snapshot import CheckSnapshot
    from oncall_tui.runbooks.clipboard import CopyOutcome
    from oncall_tui.runbooks.index import RunbookIndex
    from oncall_tui.runbooks.links import LinkProblem, ResolvedLink
    from oncall_tui.runbooks.placeholders import FilledCommand

# The runbook modules (parser, markdown) are imported where they are used, not here: this
# module is a base of the app, and the first frame needs none of them.


def _link_text(link: ResolvedLink | LinkProblem) -> str:
    """`cqar.md#high-latency` for the recording, whichever form the link took."""
    from oncall_tui.runbooks.links import ResolvedLink

    if isinstance(link, ResolvedLink):
        return f"{link.file.name}#{link.anchor}" if link.anchor else link.file.name
    return f"{link.ref} ({link.kind})"


def guessed_note(name: str, link: ResolvedLink) -> str | None:
    """`guessed from 'error_rate' -> High Error Rate; set runbook: to pin it`, or None."""
    if link.explicit:
        return None
    if link.section is None:
        return f"no heading matches '{name}': showing the whole runbook; set runbook: to pin one"
    return f"guessed from '{name}' -> {link.section.title}; set runbook: to pin it"


def _target(service: Service, check: CheckSnapshot) -> Kpi | HealthProbe | None:
    key = check.id.key
    if check.id.kind is CheckKind.KPI:
        return next((k for k in (*service.kpis, *service.panels) if k.key == key), None)
    if check.id.kind is CheckKind.HEALTH:
        return next((p for p in service.health if p.name == key), None)
    return None


class RunbookHost:
    """Runbook features of the app; expects `config`, `notify`, `run_worker`, `push_screen`."""

    runbooks: RunbookIndex | None = None
    runbooks_error: str | None = None  # why the loading worker failed (set by the app)
    config: Config

    def on_mount(self) -> None:
        app: Any = self
        # after the first frame: the thread would compete for the GIL with the first paint
        app.call_after_refresh(self._start_loading_runbooks)

    def _start_loading_runbooks(self) -> None:
        app: Any = self
        if self.runbooks is not None:
            return
        app.run_worker(
            self._load_runbooks,
            name="runbooks",
            group="runbooks",
            thread=True,
            exit_on_error=False,
            description="loads the runbooks of the config",
        )

    def _load_runbooks(self) -> None:
        from oncall_tui.runbooks.index import RunbookIndex

        index = RunbookIndex.load(list(self.config.runbooks))
        if self.runbooks is None:  # a key pressed meanwhile may have loaded it already
            self.runbooks = index
        app: Any = self
        for problem in index.problems:
            app.notify(str(problem), title="runbook", severity="warning")

    def runbook_index(self) -> RunbookIndex | None:
        """The index, or None (with a toast) while the loading worker is still at it: reading
        and parsing the files here would block the UI loop. None too (with the reason) when the
        worker failed: never a synchronous retry here. Loaded here at once only when the
        worker has not started yet (before the first frame)."""
        if self.runbooks is not None:
            return self.runbooks
        from textual.worker import WorkerState

        app: Any = self
        if self.runbooks_error is not None:
            app.notify(
                f"runbooks could not be loaded ({self.runbooks_error})",
                title="runbook",
                severity="error",
            )
            return None
        loading = (WorkerState.PENDING, WorkerState.RUNNING)
        if any(w.group == "runbooks" and w.state in loading for w in app.workers):
            app.notify("runbooks are still loading", severity="warning")
            return None
        from oncall_tui.runbooks.index import RunbookIndex

        self.runbooks = RunbookIndex.load(list(self.config.runbooks))
        return self.runbooks

    def copy(
        self,
        text: str | FilledCommand,
        *,
        title: str = "copied",
        done: Callable[[CopyOutcome], None] | None = None,
    ) -> None:
        """Copy `text`: OSC 52 at once (wrapped for tmux too), the fallback file in a thread.

        When the file is written, `done(outcome)` runs on the UI loop; without `done` the
        toast is `outcome.message` under `title`.
        """
        from oncall_tui.runbooks.clipboard import copy_text, inside_tmux, osc52_sequence
        from oncall_tui.runbooks.placeholders import FilledCommand

        app: Any = self
        from oncall_tui.inert import inert_block
        from oncall_tui.secret_registry import redact

        plain = redact(inert_block(text.text if isinstance(text, FilledCommand) else text))
        app.copy_to_clipboard(plain)
        app.record_action("command.copied", subject=plain, data={"title": title})
        driver = getattr(app, "_driver", None)
        if driver is not None and inside_tmux():
            # Textual's OSC 52 is not wrapped for tmux; the passthrough form reaches the
            # outer terminal when tmux has `allow-passthrough on`.
            driver.write(osc52_sequence(plain, inside_tmux=True))

        def report(outcome: CopyOutcome) -> None:
            if done is not None:
                done(outcome)
            else:
                app.notify(outcome.message, title=title)

        def write() -> None:
            outcome = copy_text(text)
            app.call_from_thread(report, outcome)

        app.run_worker(
            write,
            name="copy",
            group="copy",
            thread=True,
            exit_on_error=False,
            description="writes the copied text to the clipboard fallback file",
        )

    def open_runbook(
        self,
        link: ResolvedLink | LinkProblem,
        *,
        service: str | None,
        outside: Mapping[str, str] | None = None,
        guessed_note: str | None = None,
        focus_command: int | None = None,
    ) -> None:
        """Open the runbook pane on `link` (a LinkProblem shows the problem and candidates),
        on the screen on top. `focus_command` (a `Command.index` of the linked file) is
        focused instead of the section's first command."""
        from oncall_tui.runbooks.placeholders import context_for
        from oncall_tui.ui.runbook.opened import PANE_ID
        from oncall_tui.ui.runbook.pane import PaneRequest, RunbookPane

        app: Any = self
        config = self.config
        service_config = config.services.get(service) if service else None
        # what the dashboard knows of the service (its pods) fills what the caller did not
        outside = {**self._workload_values(service), **(outside or {})}
        context = context_for(service_config, config, service_name=service, outside=outside)
        request = PaneRequest(
            link,
            service=service,
            context=context,
            index=self.runbook_index(),
            note=guessed_note,
            focus_command=focus_command,
        )
        screen = app.screen
        # one pane per screen, mounted on the first `r` and hidden when closed: a new link
        # replaces what it shows
        found = [p for p in screen.query_children(f"#{PANE_ID}") if isinstance(p, RunbookPane)]
        if found:
            found[0].call_later(found[0].open, request)
        else:
            screen.mount(RunbookPane(config, request))
        app.record_action("runbook.opened", service=service, subject=_link_text(link))

    def _workload_values(self, service: str | None) -> dict[str, str]:
        """`pod`, `deployment`, `namespace`, `context` from the service's workloads: the pod
        focused in its pods table, else its first unhealthy pod (else its first)."""
        app: Any = self
        snapshot = getattr(app, "snapshot", None)
        found = snapshot.service(service) if snapshot is not None and service else None
        check = found.check(CheckKind.KUBERNETES, "workloads") if found is not None else None
        if check is None:
            return {}
        from oncall_tui.sources.kubernetes.placeholders import placeholder_values
        from oncall_tui.sources.kubernetes.records import Workloads

        if not isinstance(check.detail, Workloads):
            return {}
        focused = None
        from oncall_tui.ui.widgets.workloads_pane import WorkloadsPane

        for pane in app.screen.query(WorkloadsPane):
            if pane.service == service and pane.table.has_focus:
                focused = pane.selected_pod_name()
        return placeholder_values(check.detail, focused)

    def open_runbook_for_check(
        self, check: CheckSnapshot, outside: Mapping[str, str] | None = None
    ) -> None:
        """`r` on a panel, probe or workload row: its `runbook:` link, else a guessed section."""
        from oncall_tui.runbooks.links import ResolvedLink, guess_section, link_for

        config = self.config
        name = check.id.service
        service = config.services.get(name)
        app: Any = self
        if service is None:
            app.notify(f"no service named {name!r} in the config", severity="error")
            return
        index = self.runbook_index()
        if index is None:
            return  # still loading: runbook_index said so
        target = _target(service, check)
        if target is not None:
            link = link_for(index, service, target, config.base_dir)
        elif check.runbook:
            from oncall_tui.runbooks.links import resolve_link

            link = resolve_link(index, check.runbook, service.runbook, config.base_dir)
        else:
            kind = "probe" if check.id.kind is CheckKind.HEALTH else None
            link = guess_section(index, service.runbook, check.id.key, kind, config.base_dir)
        note = guessed_note(check.id.key, link) if isinstance(link, ResolvedLink) else None
        self.open_runbook(link, service=name, outside=outside, guessed_note=note)
