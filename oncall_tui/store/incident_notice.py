"""An incident's resolution notice (started, resolved, duration, impact, root cause,
resolution), from the recording and the config's `incidents.templates.resolved`; the same
text for `oncall incident resolve` and the `R` key."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config.model import Config
from oncall_tui.engine.incident import Incident, clocks
from oncall_tui.render.incident_update import RESOLVED_TEMPLATE, fill, update_values
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
