"""`oncall incident start|note|milestone|update|resolve|list|show`: the incident lifecycle from
a shell, acting on the same recording as a running `oncall` (which shows it within a refresh).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from oncall_tui.commands.common import load_config_or_report
from oncall_tui.config.model import Config
from oncall_tui.engine.incident import Incident, Milestone, clocks
from oncall_tui.render.incident_text import header_line, local_time, target_text
from oncall_tui.store.incidents import IncidentError, IncidentStore, commander_default
from oncall_tui.store.when import parse_when


def open_store(config: Config, override: str | None) -> IncidentStore:
    """The incident store of the config's recording (`--record` or `record.path` or the
    default file); incidents need one even where `record: false` turns observations off."""
    from oncall_tui.store.paths import default_path, recording_path

    path = recording_path(config, override) or default_path(config)
    return IncidentStore(path)


def _when(args: argparse.Namespace, now: float) -> float | None:
    text = getattr(args, "at", None)
    return None if text is None else parse_when(text, now)


def incident_json(incident: Incident, config: Config, now: float, detected: float | None) -> dict:
    policy = config.incident_policy(incident.services)
    c = clocks(incident, policy, now, detected)
    return {
        "id": incident.id,
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "state": incident.state,
        "services": list(incident.services),
        "commander": incident.commander,
        "started_at": incident.started_at,
        "detected_at": c.detected_at,
        "milestones": {m.value: at for m, at in incident.milestones.items()},
        "elapsed_s": c.elapsed,
        "level": c.level.level if c.level else None,
        "next_level": c.next_level.level if c.next_level else None,
        "next_level_in_s": c.next_level_in,
        "targets": {
            t.name: {"due": t.due, "met": t.met, "left_s": t.left(now), "missed": t.missed(now)}
            for t in c.targets
        },
        "update_every_s": c.update_interval,
        "next_update_at": c.next_update_at,
        "root_cause": incident.root_cause,
        "resolution": incident.resolution,
    }


def _detected(store: IncidentStore, incident: Incident) -> float | None:
    from oncall_tui.store.incident_facts import detection_time

    return detection_time(store.connection, incident)


def _show(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incident = store.pick(args.id)
    detected = _detected(store, incident)
    if args.format == "json":
        json.dump(incident_json(incident, config, now, detected), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    c = clocks(incident, config.incident_policy(incident.services), now, detected)
    print(f"{incident.ref} {incident.severity} {incident.state}: {incident.title}")
    fields = [
        ("services", ", ".join(incident.services) or "—"),
        ("commander", incident.commander),
        ("started", local_time(incident.started_at, with_date=True)),
        ("detected", local_time(c.detected_at, with_date=True)),
    ]
    for milestone in (Milestone.ACKNOWLEDGED, Milestone.MITIGATED, Milestone.RESOLVED):
        stamp = incident.milestones.get(milestone)
        fields.append((milestone.value, local_time(stamp, with_date=True)))
    fields.extend(("target", target_text(target, now)) for target in c.targets)
    if incident.is_open:  # the header's line; a resolved incident's clocks have stopped
        fields.append(("now", header_line(incident, c)))
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        print(f"  {name:<{width}}  {value}")
    for event in store.events(incident.id):
        text = event.name if event.kind == "milestone" else event.text.splitlines()[0]
        print(f"  {local_time(event.at)} {event.kind:<9} {text}")
    return 0


def _list(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incidents = store.all()
    if args.format == "json":
        rows = [incident_json(i, config, now, None) for i in incidents]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not incidents:
        print(f"no incidents in {store.path}")
    for incident in incidents:
        print(
            f"{incident.ref:<8} {incident.severity:<4} {incident.state:<13} "
            f"{local_time(incident.started_at, with_date=True)}  "
            f"{','.join(incident.services) or '—'}  {incident.title}"
        )
    return 0


def _start(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    services = tuple(dict.fromkeys([*(args.services or ()), *filter(None, [args.service])]))
    unknown = [s for s in services if s not in config.services]
    if unknown:
        known = ", ".join(config.services)
        raise IncidentError(f"no service named {unknown[0]!r} (services: {known})")
    policy = config.incident_policy(services)
    names = [s.name for s in policy.severities]
    if args.severity not in names:
        raise IncidentError(
            f"unknown severity {args.severity!r}; the policy has {', '.join(names)}"
        )
    incident = store.start(
        title=args.title,
        severity=args.severity,
        services=services,
        commander=args.commander or commander_default(),
        at=_when(args, now),
        new=args.new,
    )
    print(f"{incident.ref} declared: {incident.severity} {incident.title}")
    return 0


def _note(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incident = store.pick(args.id)
    store.note(incident.id, " ".join(args.text), author=commander_default(), at=_when(args, now))
    print(f"{incident.ref}: note added")
    return 0


def _milestone(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incident = store.pick(args.id)
    milestone = Milestone.parse(args.name)
    store.milestone(incident.id, milestone, at=_when(args, now), author=commander_default())
    print(f"{incident.ref}: {milestone.value} at {local_time(_when(args, now) or now)}")
    return 0


def compose_update(config: Config, store: IncidentStore, incident: Incident, now: float) -> str:
    """The status update text from a fresh poll of the affected services and the recording."""
    import asyncio
    from dataclasses import replace

    from oncall_tui.commands.status import poll_once
    from oncall_tui.store.incident_notice import status_update

    names = [s for s in incident.services if s in config.services]
    snapshot = None
    if names:
        subset = replace(config, services={n: config.services[n] for n in names})
        snapshot = asyncio.run(poll_once(subset))
    return status_update(config, store, incident, snapshot, now)


def _update(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incident = store.pick(args.id)
    text = compose_update(config, store, incident, now)
    print(text)
    if not args.dry_run:
        store.record_update(incident.id, text, author=commander_default())
    return 0


def _resolve(args: argparse.Namespace, config: Config, store: IncidentStore, now: float) -> int:
    incident = store.pick(args.id)
    resolved = store.resolve(
        incident.id,
        at=_when(args, now),
        root_cause=args.root_cause,
        resolution=args.resolution,
        author=commander_default(),
    )
    from oncall_tui.store.incident_notice import resolution_notice

    print(resolution_notice(config, store, resolved, now))
    return 0


ACTIONS: dict[str, Callable[[argparse.Namespace, Config, IncidentStore, float], int]] = {
    "start": _start,
    "note": _note,
    "milestone": _milestone,
    "update": _update,
    "resolve": _resolve,
    "list": _list,
    "show": _show,
}


def run(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None:
        return 3
    try:
        with open_store(config, getattr(args, "record", None)) as store:
            return ACTIONS[args.action](args, config, store, time.time())
    except (IncidentError, ValueError) as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a store error is one line, never a traceback
        from oncall_tui.store.schema import RecordingError

        if isinstance(exc, RecordingError):
            print(f"oncall: {exc}", file=sys.stderr)
            return 2
        raise
