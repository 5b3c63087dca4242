"""What the recording says about an incident: when it was detected, what breached, which
alerts fired, the requests served and failed, and every line of its timeline.

Read-only queries over the recorder's tables; the incident's own notes, milestones and
updates come from `store.incidents`. Thresholds are the current config's, like a replay's.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from oncall_tui.config.model import Config, Kpi
from oncall_tui.engine.incident import Incident
from oncall_tui.glyphs import ARROW, MISSING
from oncall_tui.render.incident_text import local_time
from oncall_tui.render.postmortem import BreachedKpi, Impact, TimelineRow
from oncall_tui.store.incidents import IncidentEvent, IncidentStore
from oncall_tui.units import NO_UNIT, RATIO, Unit, UnitKind

#: how far before the declaration the detection search looks for the breach that began it
LOOKBACK = 6 * 3600.0
BREACHES = ("warn", "crit", "pending")
_REPEAT = re.compile(r"(^|\s)x\d+\s+")  # the count of a repeated Kubernetes event
_ACTION_KINDS = {
    "runbook.opened": "runbook",
    "command.copied": "command",
    "silence.created": "silence",
    "silence.expired": "silence",
}


def _placeholders(items: Sequence[object]) -> str:
    return ", ".join("?" for _ in items)


def detection_time(conn: sqlite3.Connection, incident: Incident) -> float | None:
    """The first breach of an affected service in the episode the incident belongs to: after
    the last time every affected service was ok before the declaration."""
    services = list(incident.services)
    if not services:
        return None
    marks = _placeholders(services)
    start = incident.started_at
    last_ok = conn.execute(
        f"SELECT max(at) FROM status_changes WHERE check_id IS NULL AND service IN ({marks}) "
        "AND after = 'ok' AND at <= ? AND at >= ?",
        (*services, start, start - LOOKBACK),
    ).fetchone()[0]
    since = last_ok if last_ok is not None else start - LOOKBACK
    end = incident.resolved_at if incident.resolved_at is not None else math.inf
    found = conn.execute(
        f"SELECT min(at) FROM status_changes WHERE service IN ({marks}) "
        f"AND after IN ({_placeholders(BREACHES)}) AND at >= ? AND at <= ?",
        (*services, *BREACHES, since, end if math.isfinite(end) else 1e18),
    ).fetchone()[0]
    return None if found is None else float(found)


def _window(incident: Incident, detected: float | None, now: float) -> tuple[float, float]:
    begin = min(detected, incident.started_at) if detected is not None else incident.started_at
    end = incident.resolved_at if incident.resolved_at is not None else now
    return begin, end


def _kpi(config: Config, service: str, key: str) -> Kpi | None:
    svc = config.services.get(service)
    if svc is None:
        return None
    return next((k for k in svc.all_kpis if k.key == key), None)


def _series(
    conn: sqlite3.Connection, check_id: int, begin: float, end: float
) -> tuple[tuple[float, float], ...]:
    rows = conn.execute(
        "SELECT at, value FROM observations WHERE check_id = ? AND at >= ? AND at <= ? "
        "AND value IS NOT NULL ORDER BY at",
        (check_id, begin, end),
    ).fetchall()
    return tuple((float(at), float(value)) for at, value in rows)


def breached_kpis(
    conn: sqlite3.Connection, config: Config, incident: Incident, detected: float | None, now: float
) -> tuple[BreachedKpi, ...]:
    begin, end = _window(incident, detected, now)
    services = list(incident.services)
    if not services:
        return ()
    rows = conn.execute(
        "SELECT c.id, c.service, c.key, c.title, c.unit, min(s.at), "
        "max(CASE s.after WHEN 'crit' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END) "
        "FROM status_changes s JOIN checks c ON c.id = s.check_id "
        f"WHERE c.kind = 'kpi' AND s.service IN ({_placeholders(services)}) "
        f"AND s.after IN ({_placeholders(BREACHES)}) AND s.at >= ? AND s.at <= ? "
        "GROUP BY c.id ORDER BY min(s.at)",
        (*services, *BREACHES, begin, end),
    ).fetchall()
    lead = max(300.0, (end - begin) * 0.2)  # some of what came before, for the chart
    found = []
    for check_id, service, key, title, unit, first, worst in rows:
        kpi = _kpi(config, service, key)
        found.append(
            BreachedKpi(
                service=service,
                title=title or (kpi.label if kpi else key),
                unit=Unit.parse(unit) if unit else (kpi.unit if kpi else NO_UNIT),
                first_crossing=float(first),
                worst={2: "crit", 1: "warn"}.get(worst, "pending"),
                thresholds=kpi.thresholds if kpi else None,
                points=_series(conn, check_id, first - lead, end),
            )
        )
    return tuple(found)


def _integral(points: Sequence[tuple[float, float]], begin: float, end: float) -> float:
    """Trapezoid area of `points` between `begin` and `end` (value units x seconds)."""
    inside = [(t, v) for t, v in points if begin <= t <= end and math.isfinite(v)]
    total = 0.0
    for (t0, v0), (t1, v1) in zip(inside, inside[1:], strict=False):
        total += (t1 - t0) * (v0 + v1) / 2
    return total


def _ratio(value: float, unit: Unit) -> float:
    return value / 100.0 if unit.kind is UnitKind.PERCENT else value


def impact(
    conn: sqlite3.Connection, config: Config, incident: Incident, detected: float | None, now: float
) -> Impact | None:
    """Requests served (integral of request_rate) and failed (of request_rate x error_rate)."""
    begin, end = _window(incident, detected, now)
    served = failed = 0.0
    seen = []
    for service in incident.services:
        ids = dict(
            conn.execute(
                "SELECT key, id FROM checks WHERE service = ? AND kind = 'kpi' "
                "AND key IN ('request_rate', 'error_rate')",
                (service,),
            ).fetchall()
        )
        if "request_rate" not in ids:
            continue
        rate = _series(conn, ids["request_rate"], begin, end)
        if not rate:
            continue
        seen.append(service)
        served += _integral(rate, begin, end)
        if "error_rate" in ids:
            kpi = _kpi(config, service, "error_rate")
            unit = kpi.unit if kpi else RATIO
            errors = dict(_series(conn, ids["error_rate"], begin, end))
            # the failed rate at each request-rate sample: the latest error ratio seen by then
            joined, last = [], 0.0
            times = sorted(errors)
            j = 0
            for at, value in rate:
                while j < len(times) and times[j] <= at:
                    last = _ratio(errors[times[j]], unit)
                    j += 1
                joined.append((at, value * last))
            failed += _integral(joined, begin, end)
    if not seen:
        return None
    return Impact(requests=served, failed=failed, services=tuple(seen))


def fired_alerts(
    conn: sqlite3.Connection, incident: Incident, detected: float | None, now: float
) -> tuple[str, ...]:
    begin, end = _window(incident, detected, now)
    services = list(incident.services)
    rows = conn.execute(
        "SELECT min(at), name, severity, service FROM alert_changes WHERE after = 'firing' "
        f"AND service IN ({_placeholders(services)}) AND at >= ? AND at <= ? "
        "GROUP BY fingerprint ORDER BY min(at)",
        (*services, begin - 600.0, end),
    ).fetchall()
    return tuple(
        f"{local_time(at)} {name}" + (f" ({sev})" if sev else "") + f" on {svc}"
        for at, name, sev, svc in rows
    )


def timeline(
    conn: sqlite3.Connection,
    incident: Incident,
    events: Sequence[IncidentEvent],
    detected: float | None,
    now: float,
) -> tuple[TimelineRow, ...]:
    """Everything that happened to the affected services in the incident window, with the
    incident's own notes, milestones and updates, oldest first."""
    begin, end = _window(incident, detected, now)
    begin -= 60.0
    services = list(incident.services)
    marks = _placeholders(services)
    rows: list[TimelineRow] = []
    for at, service, title, key, before, after in conn.execute(
        "SELECT s.at, s.service, c.title, c.key, s.before, s.after "
        "FROM status_changes s LEFT JOIN checks c ON c.id = s.check_id "
        f"WHERE s.service IN ({marks}) AND s.at >= ? AND s.at <= ? "
        "AND s.before IS NOT NULL ORDER BY s.at",  # a first verdict is no change
        (*services, begin, end),
    ):
        what = title or key or "service"
        # a recovery is leaving a breach; a first verdict, or data coming back, is not one
        if after in BREACHES:
            kind = "breach"
        elif after == "ok" and before in BREACHES:
            kind = "recovery"
        else:
            kind = "data"
        change = f"{(before or str(MISSING)).upper()} {ARROW} {after.upper()}"
        rows.append(TimelineRow(at, kind, service, f"{what} {change}"))
    for at, name, severity, service, after, summary in conn.execute(
        "SELECT at, name, severity, service, after, summary FROM alert_changes "
        f"WHERE service IN ({marks}) AND at >= ? AND at <= ? ORDER BY at",
        (*services, begin, end),
    ):
        words = f"{name} {after}" + (f" ({severity})" if severity else "")
        rows.append(
            TimelineRow(at, "alert", service or "", words + (f": {summary}" * bool(summary)))
        )
    seen_events: set[tuple[str, str, str]] = set()
    for at, service, kind, name, after in conn.execute(
        "SELECT at, service, kind, name, after FROM workload_changes "
        f"WHERE service IN ({marks}) AND at >= ? AND at <= ? "
        "AND (before IS NOT NULL OR kind = 'event') ORDER BY at",
        (*services, begin, end),
    ):
        if kind == "event":
            # a repeated event (`Unhealthy: x7 ...`) is on the timeline once, when it began
            key = (service, name, _REPEAT.sub(" ", after or ""))
            if key in seen_events:
                continue
            seen_events.add(key)
        rows.append(TimelineRow(at, kind, service, f"{name}: {after or 'gone'}"))
    for at, kind, service, subject in conn.execute(
        "SELECT at, kind, service, subject FROM actions WHERE at >= ? AND at <= ? "
        f"AND (service IS NULL OR service IN ({marks})) ORDER BY at",
        (begin, end, *services),
    ):
        label = _ACTION_KINDS.get(kind, kind)
        rows.append(TimelineRow(at, label, service or "", f"{kind}: {subject}"))
    for event in events:
        if event.kind == "milestone":
            text = event.name
        elif event.kind == "update":
            text = "status update sent"
        else:
            text = event.text
        rows.append(TimelineRow(event.at, event.kind, "", text))
    rows.sort(key=lambda r: r.at)
    return tuple(rows)


def actions_taken(
    conn: sqlite3.Connection, incident: Incident, events: Sequence[IncidentEvent], now: float
) -> list[str]:
    """What was done since the declaration, for a status update: milestones, notes, runbook
    sections opened, commands copied, silences; oldest first."""
    lines = []
    end = incident.resolved_at if incident.resolved_at is not None else now
    services = list(incident.services)
    for at, kind, subject in conn.execute(
        "SELECT at, kind, subject FROM actions WHERE at >= ? AND at <= ? "
        f"AND (service IS NULL OR service IN ({_placeholders(services)})) ORDER BY at",
        (incident.started_at, end, *services),
    ):
        if kind in _ACTION_KINDS:
            lines.append((at, f"{local_time(at)} {kind.replace('.', ' ')}: {subject}"))
    for event in events:
        if event.kind == "milestone":
            lines.append((event.at, f"{local_time(event.at)} {event.name}"))
        elif event.kind == "note":
            lines.append((event.at, f"{local_time(event.at)} {event.text}"))
    return [text for _, text in sorted(lines)]


@dataclass(frozen=True)
class IncidentView:
    """What the screens show of the open incident, read off the UI loop in one go."""

    incident: Incident
    detected_at: float | None
    events: tuple[IncidentEvent, ...]
    timeline: tuple[TimelineRow, ...]
    others: int  # further open incidents (declared with --new)


def read_view(store: IncidentStore, now: float) -> IncidentView | None:
    """The open incident (the newest, when several are), or None."""
    opened = store.open_incidents()
    if not opened:
        return None
    incident = opened[0]
    conn = store.connection
    detected = detection_time(conn, incident)
    events = tuple(store.events(incident.id))
    return IncidentView(
        incident=incident,
        detected_at=detected,
        events=events,
        timeline=timeline(conn, incident, events, detected, now),
        others=len(opened) - 1,
    )
