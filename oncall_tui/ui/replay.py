"""`oncall replay`: the same app and screens on a recording, driven by a replay cursor.

The app's clock is the recorded time being played, so ages, `since` and `for:` holds read as
they did then. A timer moves the cursor while playing; the keys move it by a tick, to the
previous or next status change of anything, or to a time typed in. Moving forward plays
the rows in between into the state; moving back builds the state afresh at the new time.
The header says REPLAY, the recorded time, play or pause and the speed.
"""

from __future__ import annotations

import time
from datetime import datetime

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from oncall_tui.config.model import Config
from oncall_tui.glyphs import PAUSED, PLAYING
from oncall_tui.store.source import RecordingSource
from oncall_tui.store.when import parse_when
from oncall_tui.ui.app import OncallApp

SPEEDS = (1, 2, 5, 10, 30, 60)
PLAY_TICK = 0.25  # seconds of wall time between cursor moves while playing


def recorded_time(at: float) -> str:
    """`2026-03-12 03:12:51` in local time."""
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


class GoToTime(ModalScreen[str | None]):
    """`g`: type a time (RFC 3339, HH:MM, -15m) to go to."""

    DEFAULT_CSS = """
    GoToTime { align: center middle; }
    GoToTime > Vertical { width: 60; height: auto; border: $border-round $accent; padding: 0 1;
                          background: $panel; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self):
        with Vertical():
            yield Label("go to (2026-03-12T03:12:00Z, 03:12, -15m):")
            yield Input(id="when")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReplayApp(OncallApp):
    """The dashboard on a recording."""

    BINDINGS = [
        *OncallApp.BINDINGS,
        Binding("space", "play_pause", "Play/pause", id="replay_play", priority=True),
        Binding("left", "step(-1)", "Tick back", id="replay_back", priority=True, show=False),
        Binding("right", "step(1)", "Tick on", id="replay_on", priority=True, show=False),
        Binding(
            "left_square_bracket", "change(-1)", "Prev change", id="replay_prev", priority=True
        ),
        Binding(
            "right_square_bracket", "change(1)", "Next change", id="replay_next", priority=True
        ),
        Binding("g", "go_to", "Go to", id="replay_goto", priority=True),
        Binding("plus,equals_sign", "speed(1)", "Faster", id="replay_faster", priority=True),
        Binding("minus", "speed(-1)", "Slower", id="replay_slower", priority=True),
    ]

    def __init__(
        self,
        config: Config,
        source: RecordingSource,
        *,
        start: float,
        end: float,
        speed: float = 1.0,
        theme: str | None = None,
        service: str | None = None,
        play: bool = False,
    ) -> None:
        self.source = source
        self.start, self.end = start, end
        self.speed = speed
        self.playing = play
        state = source.seek(start)
        super().__init__(
            config,
            sources=[],
            state=state,
            clock=source.clock,
            live=False,
            theme=theme,
            service=service,
        )
        self.as_recorded = source.as_recorded
        self._last_play = time.monotonic()
        self._set_title()

    @property
    def cursor(self) -> float:
        return self.source.cursor if self.source.cursor is not None else self.start

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(PLAY_TICK, self._play_tick, name="replay")

    # -- moving the cursor ---------------------------------------------------------------

    def go(self, at: float) -> None:
        """Move the cursor to `at` (kept inside the recording)."""
        at = min(max(at, self.start), self.end)
        if at >= self.cursor:
            self.source.advance(self.state, at)
        else:
            self._replace_state(at)
        self._set_title()
        self.tick()

    def _replace_state(self, at: float) -> None:
        self.state = self.source.seek(at)
        self.poller.state = self.state
        self._version = None

    def _play_tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_play = now - self._last_play, now
        if not self.playing:
            return
        target = self.cursor + elapsed * self.speed
        if target >= self.end:
            target = self.end
            self.playing = False
            self.notify("end of the recording", title="replay", timeout=3)
        self.go(target)

    def action_play_pause(self) -> None:
        if not self.playing and self.cursor >= self.end:
            self.notify("at the end of the recording: [ or g to go back", title="replay")
            return
        self.playing = not self.playing
        self._last_play = time.monotonic()
        self._set_title()
        self.tick()

    def action_toggle_pause(self) -> None:
        self.action_play_pause()  # `p` too: there is no polling to pause in a replay

    def action_step(self, direction: int) -> None:
        self.playing = False
        self.go(self.cursor + direction * self.config.refresh)

    def action_change(self, direction: int) -> None:
        """`[` / `]`: the previous or next status change of anything."""
        self.playing = False
        recording = self.source.recording
        if direction > 0:
            found = recording.next_change(self.cursor)
        else:
            found = recording.previous_change(self.cursor)
        if found is None or not self.start <= found <= self.end:
            self.notify("no further status change", title="replay", timeout=2)
            return
        self.go(found)

    def action_speed(self, direction: int) -> None:
        ladder = list(SPEEDS)
        index = min(range(len(ladder)), key=lambda i: abs(ladder[i] - self.speed))
        self.speed = ladder[min(max(index + direction, 0), len(ladder) - 1)]
        self._set_title()
        self.tick()

    def action_go_to(self) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                at = parse_when(text, now=time.time())
            except ValueError as exc:
                self.notify(str(exc), title="go to", severity="error")
                return
            if not self.start <= at <= self.end:
                self.notify(
                    f"the recording covers {recorded_time(self.start)} to "
                    f"{recorded_time(self.end)}",
                    title="go to",
                    severity="warning",
                )
            self.playing = False
            self.go(at)

        self.push_screen(GoToTime(), chosen)

    # -- the header --------------------------------------------------------------------

    def _set_title(self) -> None:
        mode = str(PLAYING) if self.playing else str(PAUSED)
        verdicts = "as recorded" if self.source.as_recorded else "judged now"
        self.dashboard_title = (
            f"oncall REPLAY {recorded_time(self.cursor)} {mode} {self.speed:g}x ({verdicts})"
        )
        self.title = self.dashboard_title
