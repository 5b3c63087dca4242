"""The incident's clocks large, for the war-room view: elapsed time in big digits, the level,
targets and next update beside it, and the newest lines of its timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from oncall_tui.engine.incident import Clocks
from oncall_tui.inert import inert_line
from oncall_tui.render.incident_text import clock, is_loud, local_time
from oncall_tui.store.incident_facts import IncidentView
from oncall_tui.ui.incidents.screen import clock_lines
from oncall_tui.ui.widgets.glyph_widgets import BigDigits

NEWEST = 3  # timeline lines shown


class IncidentClock(Horizontal):
    """Hidden while no incident is open; `show()` once a second."""

    DEFAULT_CSS = """
    IncidentClock { height: auto; max-height: 9; display: none; border: $border-round $accent; }
    IncidentClock.-open { display: block; }
    IncidentClock.-loud { border: $border-thick $status-crit; }
    IncidentClock .clock-digits { width: auto; padding: 0 1; text-style: bold; }
    IncidentClock .clock-facts { width: 1fr; height: auto; padding: 0 1; text-style: bold; }
    IncidentClock .clock-timeline { width: 1fr; height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: tuple[object, ...] | None = None
        # held, not queried: it is shown on every tick, also before it is composed
        self._digits = BigDigits("", classes="clock-digits")
        self._facts = Static("", classes="clock-facts", markup=False)
        self._timeline = Static("", classes="clock-timeline", markup=False)

    def compose(self) -> ComposeResult:
        yield self._digits
        yield self._facts
        yield self._timeline

    def show(self, view: IncidentView | None, clocks: Clocks | None) -> None:
        if view is None or clocks is None:
            self.set_class(False, "-open")
            self._drawn = None
            return
        incident = view.incident
        facts = clock_lines(incident.ref, incident.title, incident.severity, incident.state, clocks)
        newest = [f"{local_time(r.at)} {r.kind} {r.text}" for r in view.timeline[-NEWEST:]]
        key = (clock(clocks.elapsed), tuple(facts), tuple(newest), is_loud(clocks))
        if key == self._drawn:
            return
        self._drawn = key
        self.set_class(True, "-open")
        self.set_class(is_loud(clocks), "-loud")
        self._digits.update(clock(clocks.elapsed))
        # the first fact (ref, severity, title) heads the block; elapsed is in the digits
        shown = [facts[0], *facts[2:]]
        self._facts.update("\n".join(inert_line(f) for f in shown))
        self._timeline.update("\n".join(inert_line(line) for line in newest))
