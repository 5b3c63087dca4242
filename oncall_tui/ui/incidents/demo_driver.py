"""Plays the demo's incident script (`sources/demo/incident_script.py`) through the same
host methods the keys use, so the demo's incident is stored, timed and written up like a
real one."""

from __future__ import annotations

from typing import Any

from oncall_tui.engine.incident import Milestone
from oncall_tui.sources.demo.incident_script import ROOT_CAUSE, SERVICE, Step, steps_between


class DemoIncidentDriver:
    """Call `tick()` on every refresh; steps due since the last tick are carried out."""

    def __init__(self, app: Any, sim_time: Any) -> None:
        self.app = app
        self.sim_time = sim_time  # wall-clock time -> simulation time
        self._last: float | None = None

    def tick(self) -> None:
        now = self.sim_time(self.app.now())
        before, self._last = self._last, now
        if before is None:
            return  # the first tick only sets the mark: no step replayed from the past
        for _due, step in steps_between(before, now):
            self.carry_out(step)

    def carry_out(self, step: Step) -> None:
        app = self.app
        open_now = app.incident_view is not None
        if step.action == "declare":
            if not open_now:
                app.declare_incident(
                    title=step.text, severity="P2", services=(SERVICE,), commander="demo"
                )
            return
        if not open_now:
            return
        if step.action == "acknowledge":
            app.stamp_milestone(Milestone.ACKNOWLEDGED)
        elif step.action == "mitigate":
            app.stamp_milestone(Milestone.MITIGATED)
        elif step.action == "note":
            app.add_note(step.text)
        elif step.action == "update":
            app.compose_update(app.update_sent)
        elif step.action == "resolve":
            app.resolve_incident(ROOT_CAUSE, step.text)
