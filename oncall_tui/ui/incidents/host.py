"""What the app does for incidents: reads the open one off the UI loop, rings the escalation
bell, and carries out the incident keys (declare, note, milestone, update, resolve).

Mixed into `OncallApp` like `RunbookHost`. The store is SQLite: every read and write runs in a
thread worker, never on the UI loop. The read is cheap (a version check), so it runs on every
refresh, and an incident declared from a shell (`oncall incident start`) shows within one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_tui.engine.incident import Clocks, Milestone, clocks, level_at

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, IncidentPolicy
    from oncall_tui.store.incident_facts import IncidentView
    from oncall_tui.store.incidents import IncidentStore


ESCALATION_NOTICE = 30.0  # seconds the toast stays; the header keeps the mark until `i`


class IncidentHost:
    """Incident features of the app; expects `config`, `now`, `notify`, `run_worker`, `bell`."""

    config: Config
    incident_view: IncidentView | None = None
    incident_path: Path | None = None  # the recording that holds the incidents
    _incident_store: IncidentStore | None = None
    _incident_version: tuple[int, int] | None = None
    _incident_reading = False
    _escalation_seen: tuple[int, int] | None = None  # (incident id, level index) announced
    _escalation_unacked: str | None = None  # the level reached that nobody has looked at yet
    _incident_error: str | None = None
    _incident_lock = threading.Lock()  # one store connection, used by one worker at a time

    # -- reading ---------------------------------------------------------------------------

    def incident_store(self) -> IncidentStore:
        """The store, opened on first use (call from a worker thread only)."""
        if self._incident_store is None:
            from oncall_tui.store.incidents import IncidentStore
            from oncall_tui.store.paths import default_path

            path = self.incident_path or default_path(self.config)
            self._incident_store = IncidentStore(path)
        return self._incident_store

    def refresh_incident(self, *, force: bool = False) -> None:
        """Read the open incident again if anything changed (a thread worker, one at a time)."""
        if self._incident_reading and not force:
            return
        self._incident_reading = True
        # a thread of the loop's pool rather than a Textual worker: this runs every second,
        # and a worker is a task and three state messages through the app each time
        asyncio.get_running_loop().run_in_executor(None, self._read_incident)

    def _read_incident(self) -> None:
        app: Any = self
        try:
            from oncall_tui.store.incident_facts import read_view

            with self._incident_lock:
                store = self.incident_store()
                version = store.version()
                if version == self._incident_version and self.incident_view is None:
                    return
                view = read_view(store, app.now())
                self._incident_version = version
            app.call_from_thread(self._show_incident, view)
        except Exception as exc:  # noqa: BLE001 - shown, never silent, and polling goes on
            text = f"incidents unavailable: {exc}"
            if text != self._incident_error:
                self._incident_error = text
                app.call_from_thread(app.notify, text, title="incident", severity="error")
        finally:
            self._incident_reading = False

    def _show_incident(self, view: IncidentView | None) -> None:
        self.incident_view = view
        self._announce_escalation()

    def incident_policy(self) -> IncidentPolicy:
        services = self.incident_view.incident.services if self.incident_view else ()
        return self.config.incident_policy(services)

    def incident_clocks(self) -> Clocks | None:
        view = self.incident_view
        if view is None:
            return None
        app: Any = self
        return clocks(view.incident, self.incident_policy(), app.now(), view.detected_at)

    def incident_header(self, width: int | None = None) -> tuple[str, bool] | None:
        """The clock line every screen's header carries while an incident is open, on one
        line of `width` cells when given (shorter words, the most urgent clocks kept)."""
        from oncall_tui.inert import inert_line
        from oncall_tui.render.incident_text import header_line, is_loud

        view = self.incident_view
        found = self.incident_clocks()
        if view is None or found is None:
            return None
        # the mark that stays until someone looks: `i` opens the incident and clears it
        line = header_line(
            view.incident, found, width=width, reached=self._escalation_unacked or None
        )
        return inert_line(line), is_loud(found) or bool(self._escalation_unacked)

    def _announce_escalation(self) -> None:
        """Reaching a level rings the bell (with `bell: true`), shows a notice, and marks the
        header loudly until the incident screen is opened (which acknowledges it)."""
        view = self.incident_view
        found = self.incident_clocks()
        if view is None:
            self._escalation_unacked = None  # resolved: nothing left to acknowledge
        if view is None or found is None or found.level is None:
            return
        index = level_at(self.incident_policy().escalation, found.elapsed)
        key = (view.incident.id, index)
        if self._escalation_seen is None or self._escalation_seen[0] != view.incident.id:
            self._escalation_seen = key  # the level it had when first seen is not news
            return
        if index <= self._escalation_seen[1]:
            return
        self._escalation_seen = key
        self._escalation_unacked = found.level.level
        app: Any = self
        note = f" ({found.level.note})" if found.level.note else ""
        if self.config.bell:
            app.bell()
        from oncall_tui.ui.alerts.announce import say_notice  # with the first escalation

        say_notice(
            app,
            f"{view.incident.ref} escalated to {found.level.level}{note}; i opens the incident",
            title="escalation",
            severity="warning",
            timeout=ESCALATION_NOTICE,
        )

    def tick_incident(self) -> None:
        """Once a refresh: re-read the store, and check the ladder against the clock."""
        self.refresh_incident()
        self._announce_escalation()

    # -- the key ---------------------------------------------------------------------------

    def focused_service(self) -> str | None:
        """The service on screen (a service screen's, the overview's cursor), else the worst."""
        app: Any = self
        for screen in reversed(app.screen_stack):
            name = getattr(screen, "service_name", None)
            if isinstance(name, str):
                return name
            matrix = getattr(screen, "matrix", None)
            if matrix is not None and hasattr(matrix, "selected_service"):
                selected = matrix.selected_service()
                if selected:
                    return str(selected)
        snapshot = app.snapshot
        if snapshot is not None and snapshot.services:
            worst = max(snapshot.services, key=lambda s: s.status.rank)
            return worst.name
        return None

    def action_incident(self) -> None:
        """`i`: the open incident's screen, or the form that declares one."""
        from oncall_tui.ui.incidents.screen import IncidentScreen

        app: Any = self
        if self.incident_view is not None:
            self._escalation_unacked = None  # opening the incident acknowledges the escalation
            if not isinstance(app.screen, IncidentScreen):
                app.push_screen(IncidentScreen())
            return
        from oncall_tui.store.incidents import commander_default
        from oncall_tui.ui.incidents.forms import Declaration, DeclareForm

        focused = self.focused_service()
        policy = self.config.incident_policy((focused,) if focused else ())
        severities = tuple(s.name for s in policy.severities)
        default = severities[1] if len(severities) > 1 else severities[0]

        def declared(result: Declaration | None) -> None:
            if result is not None:
                self.declare_incident(
                    title=result.title,
                    severity=result.severity,
                    services=result.services,
                    commander=result.commander,
                )
                app.notify(f"declared: {result.severity} {result.title}", title="incident")

        app.push_screen(
            DeclareForm(
                severities=severities,
                default_severity=default,
                services=tuple(self.config.services),
                focused=focused,
                commander=commander_default(),
            ),
            declared,
        )

    # -- writing ---------------------------------------------------------------------------

    def incident_write(
        self,
        what: str,
        change: Callable[[IncidentStore], Any],
        then: Callable[[Any], object] | None = None,
    ) -> None:
        """Run `change` on the store in a thread worker, then read the incident again; `then`
        gets what `change` returned, on the UI loop."""
        app: Any = self

        def work() -> None:
            try:
                with self._incident_lock:
                    result = change(self.incident_store())
            except Exception as exc:  # noqa: BLE001 - the user is told, nothing is lost
                app.call_from_thread(
                    app.notify, f"{what}: {exc}", title="incident", severity="error", markup=False
                )
                return
            app.call_from_thread(self.refresh_incident, force=True)
            if then is not None:
                app.call_from_thread(then, result)

        app.run_worker(
            work,
            name=f"incident-{what}",
            group="incident-write",
            thread=True,
            exit_on_error=False,
            description=f"incident: {what}",
        )

    def declare_incident(
        self, *, title: str, severity: str, services: tuple[str, ...], commander: str
    ) -> None:
        app: Any = self
        at = app.now()
        self.incident_write(
            "declare",
            lambda store: store.start(
                title=title, severity=severity, services=services, commander=commander, at=at
            ),
        )

    def stamp_milestone(self, milestone: Milestone, at: float | None = None) -> None:
        view = self.incident_view
        if view is None:
            return
        app: Any = self
        when = app.now() if at is None else at
        ident = view.incident.id
        self.incident_write(
            milestone.value, lambda store: store.milestone(ident, milestone, at=when)
        )

    def add_note(self, text: str) -> None:
        view = self.incident_view
        if view is None:
            return
        app: Any = self
        ident, when = view.incident.id, app.now()
        self.incident_write("note", lambda store: store.note(ident, text, at=when))

    def update_sent(self, text: str) -> None:
        view = self.incident_view
        if view is None:
            return
        app: Any = self
        ident, when = view.incident.id, app.now()
        self.incident_write("update", lambda store: store.record_update(ident, text, at=when))

    def resolve_incident(
        self, root_cause: str, resolution: str, show_notice: Callable[[str], object] | None = None
    ) -> None:
        """Resolve the open incident; `show_notice` gets the resolution notice (composed in
        the same worker, from the recording and the config's template)."""
        view = self.incident_view
        if view is None:
            return
        app: Any = self
        ident, when = view.incident.id, app.now()

        def resolve(store: IncidentStore) -> str:
            from oncall_tui.store.incident_notice import resolution_notice

            resolved = store.resolve(
                ident, at=when, root_cause=root_cause or None, resolution=resolution or None
            )
            try:
                return resolution_notice(self.config, store, resolved, when)
            except Exception as exc:  # noqa: BLE001 - resolved all the same: say so
                raise RuntimeError(f"{resolved.ref} is resolved; its notice failed: {exc}") from exc

        self.incident_write("resolve", resolve, then=show_notice)

    def compose_update(self, show: Callable[[str], None]) -> None:
        """Compose the status update from the live state (breaches from the snapshot, actions
        and impact from the recording) in a worker, then hand the text to `show`."""
        view = self.incident_view
        if view is None:
            return
        app: Any = self
        incident, snapshot, now = view.incident, app.snapshot, app.now()

        def work() -> None:
            from oncall_tui.store.incident_notice import status_update

            try:
                with self._incident_lock:
                    text = status_update(
                        self.config, self.incident_store(), incident, snapshot, now
                    )
            except Exception as exc:  # noqa: BLE001 - the user is told, nothing is lost
                app.call_from_thread(
                    app.notify, f"update: {exc}", title="incident", severity="error", markup=False
                )
                return
            app.call_from_thread(show, text)

        app.run_worker(
            work,
            name="incident-compose",
            group="incident-write",
            thread=True,
            exit_on_error=False,
            description="composes a status update",
        )

    def postmortem_path(self, ref: str) -> Path:
        """`<state>/oncall/postmortems/<recording>-INC-7.md`: in the state folder even when the
        recording is a temporary file (the demo's), and named by the recording, whose
        incidents are numbered from 1."""
        from oncall_tui.store.paths import default_path, state_dir

        recording = self.incident_path or default_path(self.config)
        return state_dir() / "postmortems" / f"{recording.stem}-{ref}.md"

    def write_postmortem(self) -> None:
        """Write the postmortem of the open (or newest) incident and say where it is."""
        app: Any = self
        now = app.now()
        ident = self.incident_view.incident.id if self.incident_view else None

        def work() -> None:
            from oncall_tui.store.postmortem import postmortem_markdown

            try:
                with self._incident_lock:
                    store = self.incident_store()
                    incident = store.pick(ident)
                    text = postmortem_markdown(self.config, store, incident.id, now)
                path = self.postmortem_path(incident.ref)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - the user is told, nothing is lost
                app.call_from_thread(
                    app.notify,
                    f"postmortem: {exc}",
                    title="incident",
                    severity="error",
                    markup=False,
                )
                return
            app.call_from_thread(
                app.notify, f"postmortem written to {path}", title=incident.ref, markup=False
            )

        app.run_worker(
            work,
            name="incident-postmortem",
            group="incident-write",
            thread=True,
            exit_on_error=False,
            description="writes the postmortem",
        )

    def in_store(self, work: Callable[[IncidentStore], object]) -> object:
        """Run `work` on the store under its lock (from a thread worker only)."""
        with self._incident_lock:
            return work(self.incident_store())

    def close_incident_store(self) -> None:
        if self._incident_store is not None:
            self._incident_store.close()
            self._incident_store = None
