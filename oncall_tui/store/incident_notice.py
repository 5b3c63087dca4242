"""An incident's status update and resolution notice, from the live state, the recording and
the config's `incidents.templates`; the same text for `oncall incident update|resolve` and
the `u` and `R` keys."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config.model import Config
from oncall_tui.engine.incident import Incident, clocks
from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.render.incident_update import (
    RESOLVED_TEMPLATE,
    UPDATE_TEMPLATE,
    breach_lines,
    fill,
    update_values,
)
from oncall_tui.store import incident_facts as facts
from oncall_tui.store.incidents import IncidentError, IncidentStore


def template_text(path: Path | None) -> str | None:
    """A team's template from the config, or None for the built-in one."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IncidentError(f"cannot read the template {path}: {exc}") from None


def resolution_notice(config: Config, store: IncidentStore, incident: Incident, now: float) -> str:
    policy = config.incident_policy(incident.services)
    detected = facts.detection_time(store.connection, incident)
    found = facts.impact(store.connection, config, incident, detected, now)
    values = update_values(
        incident, clocks(incident, policy, now, detected), impact=found.text() if found else ""
    )
    return fill(template_text(policy.templates.resolved) or RESOLVED_TEMPLATE, values)


def status_update(
    config: Config,
    store: IncidentStore,
    incident: Incident,
    snapshot: DashboardSnapshot | None,
    now: float,
) -> str:
    """What is in breach since when (from `snapshot`), the actions taken and the impact (from
    the recording), through the team's update template or the built-in one."""
    policy = config.incident_policy(incident.services)
    conn = store.connection
    detected = facts.detection_time(conn, incident)
    found = facts.impact(conn, config, incident, detected, now)
    values = update_values(
        incident,
        clocks(incident, policy, now, detected),
        breaches=breach_lines(snapshot, incident.services),
        actions=facts.actions_taken(conn, incident, store.events(incident.id), now),
        impact=found.text() if found else "",
    )
    return fill(template_text(policy.templates.update) or UPDATE_TEMPLATE, values)
