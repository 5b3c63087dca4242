"""The Textual app: owns the state and the poller, feeds snapshots to the screens.

The poller runs as one long-lived async worker. A timer reads `state.snapshot()` about once
a second (faster until the first data arrives) and hands it to the current screen, which
repaints only the widgets whose data changed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import Notify, SeverityLevel
from textual.theme import Theme
from textual.timer import Timer
from textual.worker import Worker

from oncall_tui.config.model import Config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.engine.state import DashboardState
from oncall_tui.glyphs import ascii_glyphs, border_variables, use_ascii_glyphs, wants_ascii
from oncall_tui.inert import inert_block, inert_line
from oncall_tui.secret_registry import redact
from oncall_tui.sources.base import Source
from oncall_tui.ui.collector import restore_collector, settle_collector
from oncall_tui.ui.guard import DisplayErrors, guarded
from oncall_tui.ui.incidents.host import IncidentHost
from oncall_tui.ui.runbook.host import RunbookHost
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.themes import (
    DEFAULT_THEME,
    STATUS_VARIABLES,
    ThemeError,
    select_themes,
    theme_dirs,
)
from oncall_tui.ui.widgets.glyph_widgets import use_ascii_scroll_bars
from oncall_tui.ui.workers import RoutesWorkerFailures, failure_text

if TYPE_CHECKING:
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.ui.screens.service import ServiceScreen
    from oncall_tui.ui.screens.war_room import WarRoomScreen

# Only the overview is imported up front: it is the first frame. The other screens (service,
# alerts, runbook, help, search) and the alert announcer import on first use, which keeps
# their widgets and their dependencies (httpx, markdown) out of the start-up.

TICK = 1.0  # seconds between UI refreshes once data flows
#: service screens kept for the next `enter` on their service (each with its panels, and its
#: runbook pane's drawn document once `r` was pressed there)
SERVICE_SCREENS_KEPT = 8
FIRST_DATA_TICK = 0.1  # until the first data, so it shows at once
FIRST_DATA_PATIENCE = 5.0  # seconds of fast refresh at most, while a source stays silent


class OncallApp(RoutesWorkerFailures, IncidentHost, RunbookHost, App[int]):
    """The dashboard. `live=False` starts no worker and no timer (tests, screenshots)."""

    CSS_PATH = ["app.tcss", "runbook/runbook.tcss"]
    TITLE = "oncall"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (180, "-huge")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (35, "-tall")]
    BINDINGS = [
        # q goes back one level; on the overview (its own binding) it quits
        Binding("q", "back", "Back", id="quit"),
        Binding("ctrl+c", "quit", "Quit", id="quit_anywhere", show=False, priority=True),
        Binding("m", "toggle_alert_notices", "Mute", id="mute_notices", show=False),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("p", "toggle_pause", "Pause", id="pause"),
        Binding("t", "cycle_theme", "Theme", id="theme"),
        Binding("slash", "search", "Search", id="search"),
        Binding("a", "alerts", "Alerts", id="alerts"),
        Binding("w", "war_room", "War room", id="war_room"),
        Binding("i", "incident", "Incident", id="incident"),
    ]

    def __init__(
        self,
        config: Config,
        *,
        sources: Sequence[Source] | None = None,
        state: DashboardState | None = None,
        clock: Callable[[], float] = time.time,
        live: bool = True,
        demo: bool = False,
        theme: str | None = None,
        service: str | None = None,
        theme_folders: Sequence[Path] | None = None,
        recorder: Recorder | None = None,
        recording_problem: str | None = None,
        incident_path: Path | None = None,
    ) -> None:
        super().__init__()
        # the Linux console's font has no ✖ ◌ ⟳ ◔: ASCII glyphs there, or when asked to
        use_ascii_glyphs(wants_ascii(config.glyphs, os.environ.get("TERM", "")))
        use_ascii_scroll_bars(ascii_glyphs())
        self.config = config
        # the recording that holds the incidents; live apps use the config's default file
        self.incident_path = incident_path
        self.demo_incidents: Any = None  # the demo's scripted incident (commands/demo.py)
        self.clock = clock
        self.live = live
        self.demo = demo
        self.state = state if state is not None else DashboardState(config, clock)
        if sources is None:
            from oncall_tui.sources.registry import build_sources

            sources = build_sources(config, clock)
        self.poller = Poller(sources, self.state)
        # the flight recorder follows the state; its writer thread keeps the writes off this loop
        self.recorder = recorder
        if recorder is not None:
            recorder.follow(self.state)  # not when another process records this file
            self.incident_path = self.incident_path or recorder.path
        self.recording_problem = recording_problem
        self.display_errors = DisplayErrors()
        self.alert_notices = config.alert_notices  # `m` mutes and unmutes them
        self.snapshot: DashboardSnapshot | None = None
        self._version: int | None = None
        self._timer: Timer | None = None
        self._war_room: WarRoomScreen | None = None  # built on the first `w`, then kept
        # built on a service's first `enter`, then kept (installed) for the later ones, the
        # most recently opened last; at most SERVICE_SCREENS_KEPT of them
        self._service_screens: dict[str, ServiceScreen] = {}
        self._settled = False  # the refresh timer has slowed down to TICK after first data
        self._started = time.monotonic()
        self._start_service = service
        self.dashboard_title = "oncall demo" if demo else "oncall"
        self.title = "oncall DEMO" if demo else "oncall"
        config_dir = config.path.parent if config.path is not None else None
        folders = theme_folders if theme_folders is not None else theme_dirs(config_dir)
        # --theme is relative to the current folder, `theme:` in the config to the config's
        selection = select_themes(
            theme or config.theme,
            folders,
            builtin=self.available_themes,
            base_dir=None if theme else config_dir,
        )
        for loaded in selection.themes:
            self.register_theme(loaded)
        self.oncall_themes: tuple[str, ...] = _cycle_order(selection.themes)
        self.start_theme = selection.selected
        self.theme_errors: tuple[ThemeError, ...] = selection.errors
        for error in self.theme_errors:
            print(f"oncall: {error}; using {self.start_theme}", file=sys.stderr)

    # -- setup -----------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notice is plain text: its words may come from outside (an alert name such as
        `Boom[/x]`, a server's error), so markup is never parsed and controls are made inert,
        whatever a caller asks for."""
        super().notify(
            redact(inert_block(str(message))),
            title=redact(inert_line(str(title))),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_notify(self, event: Notify) -> None:
        """On a small screen (under 100 columns or 35 rows) a notice replaces the one shown
        before rather than stacking over the panels: the header keeps an escalation, and the
        alerts screen every alert. (Runs before Textual's own handler adds the notice.)"""
        width, height = self.size
        if width < 100 or height < 35:
            self.clear_notifications()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # `$border-round` and the like: each border type, or `ascii` with `glyphs: ascii`
        return {**STATUS_VARIABLES, **border_variables()}

    def get_key_display(self, binding: Binding) -> str:
        """Textual's key names (`⏎`, `↑`); in ASCII their words (`enter`, `up`)."""
        shown = super().get_key_display(binding)
        if shown.isascii() or not ascii_glyphs():
            return shown
        modifiers, key = binding.parse_key()
        if "ctrl" in modifiers:
            modifiers.remove("ctrl")
            key = f"^{key}"
        return "+".join([*modifiers, key])

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux (and macOS) one whose input thread
        sleeps while nothing is typed (`ui/driver.py`)."""
        driver = super().get_driver_class()
        if driver.__module__ == "textual.drivers.linux_driver" and driver.__name__ == "LinuxDriver":
            from oncall_tui.ui.driver import QuietLinuxDriver

            return QuietLinuxDriver
        return driver

    def get_default_screen(self) -> OverviewScreen:
        return OverviewScreen()

    def on_mount(self) -> None:
        self.theme = self.start_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))
        for error in self.theme_errors:
            self.notify(f"{error}; using {self.start_theme}", title="theme", severity="error")
        if self.recording_problem:
            self.notify(self.recording_problem, title="recording", severity="warning")
        self.tick()
        if self._start_service:
            # after the overview has composed, so escape goes back to it
            self.call_after_refresh(self.open_service, self._start_service)
        if self.live:
            self.run_worker(
                self._run_poller(),
                name="poller",
                group="poller",
                exit_on_error=False,
                description="polls every source on its interval",
            )
            self._timer = self.set_interval(FIRST_DATA_TICK, self.tick, name="refresh")

    async def _run_poller(self) -> None:
        await self.poller.run()

    def worker_failed(self, worker: Worker[Any]) -> None:
        # the notice is RoutesWorkerFailures'; runbooks that failed to load are not read
        # again on the UI loop (runbook_index says why they are missing instead)
        if worker.group == "runbooks":
            self.runbooks_error = failure_text(worker)

    async def on_unmount(self) -> None:
        restore_collector()
        await self.poller.aclose()
        if self.recorder is not None:
            # the last batch is written in the writer thread; quitting loses nothing
            await asyncio.to_thread(self.recorder.close)
        self.close_incident_store()

    def record_action(
        self,
        kind: str,
        *,
        service: str | None = None,
        subject: str = "",
        data: Mapping[str, object] | None = None,
    ) -> None:
        """Put something the engineer did on the recording (nothing when not recording)."""
        if self.recorder is not None:
            self.recorder.action(kind, service=service, subject=subject, data=data)

    # -- refresh ---------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        """Whether polling is paused; the state holds the flag, the header reads it here."""
        return self.poller.paused

    def now(self) -> float:
        return self.clock()

    def tick(self) -> None:
        """Read a new snapshot if the state moved on, and show it on the current screen."""
        if self.state.version != self._version:
            self._version = self.state.version
            previous, self.snapshot = self.snapshot, self.state.snapshot()
            if self.snapshot.extras.alerts is not None and self.alert_notices:
                # without an alert list there is nothing to announce; muted, nothing is
                from oncall_tui.ui.alerts.announce import announce_new_alerts

                guarded(self, "alert notices", announce_new_alerts)(
                    self, previous, self.snapshot, bell=self.config.bell
                )
            if self._timer is not None and not self._settled and self._first_data_in():
                # every source has answered once: from now on one refresh a second is enough
                self._settled = True
                self._timer.stop()
                self._timer = None
                phase = self._refresh_phase()
                if phase < 0.01:  # now (no poller round to fall between)
                    self.call_later(self._start_refresh)
                else:
                    self.set_timer(phase, self._start_refresh, name="refresh-start")
                self.call_after_refresh(settle_collector)  # what start-up built stays
        if self.live or self.incident_path is not None:
            self.tick_incident()
            if self.demo_incidents is not None:
                self.demo_incidents.tick()
        screen = self.screen
        if isinstance(screen, DashboardScreen):
            screen.show(self.snapshot, self.now())

    def _refresh_phase(self) -> float:
        """Seconds until the once-a-second refresh starts: half a second past the start of
        a poller round. A round's answers come in within its first few hundred milliseconds,
        so each refresh then falls between rounds and draws a round once; started at first
        data (the end of a round) it fell inside later rounds, drawing half of each round
        and the rest a second later: twice the rows, and a split view for that second."""
        due = self.poller.next_due()
        if due is None:
            return 0.0
        return (due + TICK / 2 - asyncio.get_running_loop().time()) % TICK

    def _start_refresh(self) -> None:
        if self._timer is None and self.is_running:
            self._timer = self.set_interval(TICK, self.tick, name="refresh")
            self.tick()

    def _first_data_in(self) -> bool:
        """Every source has reported once (or start-up has waited long enough for them).

        Settling on the first source to answer would leave slower ones (a datasource behind
        the alert source) to wait a whole slow tick before their first values show.
        """
        if self.snapshot is None:
            return False
        expected = {job.source for job in self.poller.jobs if job.source}
        reported = {source.name for source in self.snapshot.sources}
        waited = time.monotonic() - self._started > FIRST_DATA_PATIENCE
        return bool(reported) and (expected <= reported or waited)

    async def poll_once(self) -> None:
        """One poll of every source, then a refresh (for `live=False` runs)."""
        await self.poller.poll_once()
        self.tick()

    # -- navigation ------------------------------------------------------------------------

    def open_service(self, name: str) -> None:
        from oncall_tui.ui.screens.service import ServiceScreen

        if self.snapshot is not None and self.snapshot.service(name) is None:
            self.notify(f"no service named {name!r}", severity="error")
            return
        current = self.screen
        if isinstance(current, ServiceScreen):
            if current.service_name == name:
                return
            self.pop_screen()
        overview = self.screen_stack[0] if self.screen_stack else None
        if isinstance(overview, OverviewScreen):
            overview.focus_service(name)
        self.push_screen(self._service_screen(name))

    def _service_screen(self, name: str) -> ServiceScreen:
        """The service's screen: the one kept from an earlier `enter`, brought up to date
        before it is shown (its first frame back never shows the values it left with), or
        a new one. Kept screens keep their panels and their runbook pane's drawn document,
        so a second `enter` and its `r` build nothing; past SERVICE_SCREENS_KEPT the one
        opened longest ago is let go."""
        from oncall_tui.ui.screens.service import ServiceScreen

        kept = self._service_screens.pop(name, None)
        if kept is not None:
            self._service_screens[name] = kept  # the most recent last
            if kept in self.screen_stack:
                # under the war room this was opened from: a screen is on the stack once,
                # so this one is built for the while (not kept: removed when popped)
                return ServiceScreen(name)
            kept.come_back(self.snapshot, self.now())
            return kept
        screen = ServiceScreen(name)
        self.install_screen(screen, name=f"service:{name}")
        self._service_screens[name] = screen
        while len(self._service_screens) > SERVICE_SCREENS_KEPT:
            oldest = next(iter(self._service_screens))
            if self._service_screens[oldest] in self.screen_stack:
                break  # under the war room, say: let go when it is popped for good
            old = self._service_screens.pop(oldest)
            self.uninstall_screen(old)
            if old.is_attached:
                old.remove()
        return screen

    def back_to_overview(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_alerts(self) -> None:
        """The alerts screen, from anywhere (once: from above it, `a` pops back to it)."""
        from oncall_tui.ui.alerts.screen import AlertsScreen

        if not any(isinstance(s, AlertsScreen) for s in self.screen_stack):
            self.push_screen(AlertsScreen())
            return
        while not isinstance(self.screen, AlertsScreen):
            self.pop_screen()

    def action_war_room(self) -> None:
        """The war-room view; `w` on it goes back where it was opened from."""
        from oncall_tui.ui.screens.war_room import WarRoomScreen

        if isinstance(self.screen, WarRoomScreen):
            self.pop_screen()
            return
        screen = self._war_room
        if screen is None:
            # installed: kept when popped, so its 50 tiles are built once, not at every `w`
            screen = self._war_room = WarRoomScreen()
            self.install_screen(screen, name="war-room")
        elif screen in self.screen_stack:  # under a service opened from one of its tiles
            while self.screen is not screen:
                self.pop_screen()
            return
        else:
            screen.catch_up(self.snapshot, self.now())
        self.push_screen(screen)

    def action_help(self) -> None:
        from oncall_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_search(self) -> None:
        from oncall_tui.ui.screens.search import ServiceSearch

        services = self.snapshot.services if self.snapshot is not None else ()

        def chosen(name: str | None) -> None:
            if name is not None:
                self.open_service(name)

        self.push_screen(ServiceSearch(services), chosen)

    async def action_back(self) -> None:
        """`q`: back one level (closes the pane, the screen, the dialog on top)."""
        from oncall_tui.ui.runbook.opened import open_pane

        pane = open_pane(self)
        if pane is not None:
            pane.action_close()  # a search line open in it is closed first
            return
        if len(self.screen_stack) <= 1:
            self.exit()
            return
        screen = self.screen
        close = getattr(screen, "action_close", None)
        if callable(close):  # a pane with its own closing (a search line open first)
            close()
        else:
            screen.dismiss()

    def action_toggle_alert_notices(self) -> None:
        self.alert_notices = not self.alert_notices
        self.notify(
            "new-alert notices on" if self.alert_notices else "new-alert notices muted (m: on)",
            timeout=3,
        )

    def action_toggle_pause(self) -> None:
        if self.poller.paused:
            self.poller.resume()
        else:
            self.poller.pause()
        self.tick()

    # -- themes ----------------------------------------------------------------------------

    def action_cycle_theme(self) -> None:
        names = self.oncall_themes or (DEFAULT_THEME,)
        if self.theme in names:
            following = names[(names.index(self.theme) + 1) % len(names)]
        else:
            following = names[0]
        if following in self.available_themes:
            self.theme = following
            self.notify(f"theme {following}", timeout=2)

    def _theme_changed(self, _theme: Theme) -> None:
        from oncall_tui.ui.widgets.matrix import ServiceMatrix

        for screen in self.screen_stack:
            for matrix in screen.query(ServiceMatrix):
                matrix.restyle()


def _cycle_order(themes: Sequence[Theme]) -> tuple[str, ...]:
    names = sorted(t.name for t in themes)
    if DEFAULT_THEME in names:
        names.remove(DEFAULT_THEME)
        names.insert(0, DEFAULT_THEME)
    return tuple(names)
