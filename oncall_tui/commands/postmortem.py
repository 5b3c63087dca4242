"""`oncall postmortem [ID] [--out FILE]`: an incident's postmortem as markdown, its times,
impact, timeline and charts filled in from the recording."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from oncall_tui.commands.common import load_config_or_report
from oncall_tui.commands.incident import open_store
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
    found = build_facts(config, store, ident, now)
    path = config.incident_policy(found.incident.services).templates.postmortem
    template = POSTMORTEM_TEMPLATE
    if path is not None:
        try:
            template = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IncidentError(f"cannot read the postmortem template {path}: {exc}") from None
    return render_postmortem(found, template)


def run(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None:
        return 3
    from oncall_tui.store.schema import RecordingError

    try:
        with open_store(config, getattr(args, "record", None)) as store:
            text = postmortem_markdown(config, store, args.id, time.time())
    except (IncidentError, RecordingError) as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
