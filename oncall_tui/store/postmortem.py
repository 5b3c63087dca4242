"""An incident's postmortem from the recording: the facts gathered, then the markdown."""

from __future__ import annotations

from oncall_tui.config.model import Config
from oncall_tui.engine.incident import clocks
from oncall_tui.render.postmortem import POSTMORTEM_TEMPLATE, PostmortemFacts, render_postmortem
from oncall_tui.store import incident_facts as facts
from oncall_tui.store.incidents import IncidentError, IncidentStore


def build_facts(
    config: Config, store: IncidentStore, ident: int | None, now: float
) -> PostmortemFacts:
    incident = store.pick(ident)
    conn = store.connection
    detected = facts.detection_time(conn, incident)
    events = store.events(incident.id)
    return PostmortemFacts(
        incident=incident,
        clocks=clocks(incident, config.incident_policy(incident.services), now, detected),
        impact=facts.impact(conn, config, incident, detected, now),
        breaches=facts.breached_kpis(conn, config, incident, detected, now),
        alerts=facts.fired_alerts(conn, incident, detected, now),
        timeline=facts.timeline(conn, incident, events, detected, now),
    )


def postmortem_markdown(config: Config, store: IncidentStore, ident: int | None, now: float) -> str:
    """The markdown, from the config's postmortem template or the built-in one."""
    found = build_facts(config, store, ident, now)
    path = config.incident_policy(found.incident.services).templates.postmortem
    template = POSTMORTEM_TEMPLATE
    if path is not None:
        try:
            template = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IncidentError(f"cannot read the postmortem template {path}: {exc}") from None
    return render_postmortem(found, template)
