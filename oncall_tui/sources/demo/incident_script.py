"""What the demo's engineer does during cqar's scripted incident, and the policy it follows.

The demo declares, acknowledges, notes, sends updates, mitigates and resolves on its own, so
`oncall demo` shows the whole incident workflow with no setup. Its policy is the usual
15 / 30 minute ladder in demo time: seconds stand for minutes, so escalation, overdue updates
and targets all happen inside the 80 s the scripted incident lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.config.model import EscalationLevel, IncidentPolicy, Severity
from oncall_tui.sources.demo.incidents import INCIDENT_LENGTH, incident_clock

SERVICE = "cqar"

DEMO_POLICY = IncidentPolicy(
    severities=(
        Severity("P1", "Service down, data loss", respond=15.0, resolve=60.0, updates_every=15.0),
        Severity("P2", "Degraded performance", respond=30.0, resolve=90.0, updates_every=20.0),
        Severity("P3", "Partial functionality impacted", respond=120.0, updates_every=60.0),
        Severity("P4", "Minor issue, no user impact", respond=600.0),
    ),
    escalation=(
        EscalationLevel(0.0, "L2 On-call engineer", "joins the incident channel"),
        EscalationLevel(15.0, "L3 Engineering lead", "approves rollback"),
        EscalationLevel(
            30.0, "L4 Executive", "war room; updates every 5 s (demo time)", updates_every=5.0
        ),
    ),
)


@dataclass(frozen=True)
class Step:
    at: float  # seconds into cqar's incident cycle
    action: str  # declare, acknowledge, note, update, mitigate, resolve
    text: str = ""


#: The first breach (the cache hit rate) comes about 5 s in; the engineer declares at 10 s.
SCRIPT: tuple[Step, ...] = (
    Step(10.0, "declare", "CQAR lookups slow: cache hit rate collapsing"),
    Step(18.0, "acknowledge"),
    Step(24.0, "note", "cache nodes evicting under memory pressure; failing reads over"),
    Step(30.0, "update"),
    Step(45.0, "note", "pool saturated by cache misses; raising pool size"),
    Step(58.0, "mitigate"),
    Step(62.0, "update"),
    Step(INCIDENT_LENGTH, "resolve", "cache memory limit raised; pool size restored"),
)
ROOT_CAUSE = "cache nodes hit their memory limit and evicted the hot set"


def steps_between(before: float, now: float) -> list[tuple[float, Step]]:
    """The steps whose time falls in (before, now] of simulation time, with the simulation
    time each is due at (one cycle of cqar's incident at most)."""
    found: list[tuple[float, Step]] = []
    u_now = incident_clock(SERVICE, now)
    if u_now is None or now <= before:
        return found
    cycle_start = now - u_now
    for step in SCRIPT:
        due = cycle_start + step.at
        if before < due <= now:
            found.append((due, step))
    return found
