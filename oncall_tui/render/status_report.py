"""`oncall status` output: a Rich table or stable JSON, from one DashboardSnapshot.

JSON shape (stable; documented in the README):
{"generated_at": ISO-8601, "status": "crit", "exit_code": 2,
 "sources": {NAME: {"ok", "last_success", "error"}},
 "services": {NAME: {"title", "status",
     "kpis": {KEY: {"value", "unit", "status", "since", "since_open", "labels", "error", "level",
                    "series_count", "title", "pending", "last_verdict"}},
     "health": {PROBE: {"status", "http_status", "latency_ms", "components", "error",
                        "pending", "last_verdict"}},
     "kubernetes": {"status", "pods", "deployments", "events"},
     "alerts": [{"name", "severity", "state", "since", "summary", "runbook"}],
     "slos": {SLO: {"status", "objective", "window", "budget_left", "burn": {WINDOW: rate},
                    "firing": [PAIR], "pairs": [...], "exhausted_in_s", "since", "error"}}}}}
`health`, `kubernetes`, `alerts` and `slos` appear only for services that have them.
`pending` is {"status": "crit", "level", "since", "counts_at"} while a breach is inside its
`for:` hold (else null); `last_verdict` is the verdict of the last data while a check is
stale or in error (else null). A service's status counts that last verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot, ServiceSnapshot
from oncall_tui.glyphs import MISSING, ascii_glyphs
from oncall_tui.inert import inert_block, inert_line
from oncall_tui.render.values import format_age, format_ago, format_value
from oncall_tui.render.verdicts import verdict_text
from oncall_tui.sources.alerts.records import Alert, ServiceAlerts
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status, exit_code, overall_word
from oncall_tui.units import SECONDS

if TYPE_CHECKING:
    from rich.table import Table

    from oncall_tui.sources.health.records import ProbeResult
    from oncall_tui.sources.kubernetes.records import Workloads


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat().replace("+00:00", "Z")


def all_statuses(snapshot: DashboardSnapshot) -> Iterable[Status]:
    """Every check's loudest status: a stale crit is a crit for the exit code."""
    for service in snapshot.services:
        for check in service.checks:
            yield check.loudest
            if check.pending is not None:
                yield Status.PENDING


def report_exit_code(snapshot: DashboardSnapshot) -> int:
    return exit_code(all_statuses(snapshot))


def _error_text(check: CheckSnapshot) -> str | None:
    return None if check.error is None else str(check.error)


def _detail_json(check: CheckSnapshot) -> dict[str, object] | None:
    """A probe's or a workloads check's record in its own JSON form."""
    found = _probe(check) or _workloads(check)
    return None if found is None else found.as_json()


def _probe(check: CheckSnapshot) -> ProbeResult | None:
    """A health check's probe record. The records of a kind of check are imported only for
    a check of that kind: a config with no probes or no Kubernetes never loads them."""
    if check.id.kind is not CheckKind.HEALTH:
        return None
    from oncall_tui.sources.health.records import ProbeResult

    return check.detail if isinstance(check.detail, ProbeResult) else None


def _workloads(check: CheckSnapshot) -> Workloads | None:
    """A Kubernetes check's workloads record (imported as `_probe` says)."""
    if check.id.kind is not CheckKind.KUBERNETES:
        return None
    from oncall_tui.sources.kubernetes.records import Workloads

    return check.detail if isinstance(check.detail, Workloads) else None


def since_cell(check: CheckSnapshot, now: float) -> str:
    """The table's `since`: `3 min`; `> 5 min` when the status was on before the oldest
    point looked at; `-` when nothing says when it began."""
    if check.since is None:
        return "-"
    age = format_age(max(0.0, now - check.since))
    return f"> {age}" if check.since_open else age


def _pending_json(check: CheckSnapshot) -> dict[str, Any] | None:
    if check.pending is None:
        return None
    return {
        "status": check.pending.value,
        "level": check.pending_level,
        "since": iso(check.pending_since),
        "counts_at": iso(check.counts_at),
    }


def _trust_json(check: CheckSnapshot) -> dict[str, Any]:
    """What every check's entry says about a held breach and about failed data."""
    return {
        "pending": _pending_json(check),
        "last_verdict": None if check.last_verdict is None else check.last_verdict.value,
    }


def _kpi_json(check: CheckSnapshot) -> dict[str, Any]:
    return {
        "title": check.title,
        "value": check.value,
        "unit": check.unit.text,
        "status": check.status.value,
        "level": check.level,
        "since": iso(check.since),
        "since_open": check.since_open,
        "labels": dict(check.labels),
        "series_count": check.series_count,
        "error": _error_text(check),
        **_trust_json(check),
    }


def _health_json(check: CheckSnapshot) -> dict[str, Any]:
    body = _detail_json(check)
    result: dict[str, Any] = {
        "status": check.status.value,
        "http_status": None,
        "latency_ms": None if check.value is None else round(check.value * 1000, 3),
        "components": {},
        "error": _error_text(check),
    }
    if body is not None:
        result.update({k: v for k, v in body.items() if k != "status"})
    result.update(_trust_json(check))
    return result


def _slo_json(check: CheckSnapshot) -> dict[str, Any]:
    from oncall_tui.render.slo_text import verdict_of  # for SLO checks alone

    verdict = verdict_of(check)
    body: dict[str, Any] = {
        "objective": None,
        "window": None,
        "budget_left": None,
        "burn": {},
        "firing": [],
        "pairs": [],
        "exhausted_in_s": None,
    }
    if verdict is not None:
        body.update(verdict.to_json())
    # the check's status wins over the verdict's: a failed fetch makes the last figures stale
    return {
        "status": check.status.value,
        **{k: v for k, v in body.items() if k != "status"},
        "since": iso(check.since),
        "error": _error_text(check),
        **_trust_json(check),
    }


def _service_json(
    service: ServiceSnapshot, alert_runbook: Callable[[Alert], str | None] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": service.title,
        "status": service.status.value,
        "kpis": {c.id.key: _kpi_json(c) for c in service.of_kind(CheckKind.KPI)},
    }
    probes = service.of_kind(CheckKind.HEALTH)
    if probes:
        entry["health"] = {c.id.key: _health_json(c) for c in probes}
    for check in service.of_kind(CheckKind.KUBERNETES):
        body = _detail_json(check)
        kube = {
            "status": check.status.value,
            "error": _error_text(check),
            **(body if body is not None else {"pods": [], "deployments": [], "events": []}),
        }
        # the check's status wins over the record's own verdict: a failed read makes the
        # last workloads stale, and the JSON must say so
        kube["status"] = check.status.value
        entry["kubernetes"] = kube
    for check in service.of_kind(CheckKind.ALERTS):
        alerts = check.detail.alerts if isinstance(check.detail, ServiceAlerts) else ()
        entry["alerts"] = [
            a.status_entry(alert_runbook(a) if alert_runbook else None) for a in alerts
        ]
        if check.error is not None:
            entry["alerts_error"] = str(check.error)
    slos = service.of_kind(CheckKind.SLO)
    if slos:
        entry["slos"] = {c.id.key: _slo_json(c) for c in slos}
    return entry


def to_json(
    snapshot: DashboardSnapshot, alert_runbook: Callable[[Alert], str | None] | None = None
) -> dict[str, Any]:
    """`alert_runbook` gives an alert's resolved runbook link (else its annotation shows)."""
    code = report_exit_code(snapshot)
    return {
        "generated_at": iso(snapshot.generated_at),
        "status": overall_word(all_statuses(snapshot)),
        "exit_code": code,
        "sources": {
            s.name: {
                "ok": s.ok,
                "last_success": iso(s.last_success),
                "error": None if s.error is None else str(s.error),
            }
            for s in snapshot.sources
        },
        "services": {s.name: _service_json(s, alert_runbook) for s in snapshot.services},
    }


_STYLE = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.CRIT: "bold red",
    Status.PENDING: "bold yellow",
    Status.NODATA: "dim",
    Status.STALE: "magenta",
    Status.ERROR: "bold magenta",
}


def _row_value(check: CheckSnapshot) -> str:
    """The value column: a KPI's number, a probe's code and latency, pods, firing alerts."""
    kind = check.id.kind
    if kind is CheckKind.HEALTH:
        probe = _probe(check)
        code = probe.http_status if probe is not None else None
        latency = format_value(check.value, SECONDS) if check.value is not None else ""
        return " ".join(part for part in (str(code) if code else "", latency) if part) or str(
            MISSING
        )
    if kind is CheckKind.KUBERNETES:
        workloads = _workloads(check)
        return workloads.summary if workloads is not None else str(MISSING)
    if kind is CheckKind.ALERTS:
        return str(MISSING) if check.value is None else f"{int(check.value)} firing"
    if kind is CheckKind.SLO:
        from oncall_tui.render.slo_text import budget_text

        return budget_text(check.value)
    return format_value(check.value, check.unit)


def _row_note(check: CheckSnapshot, now: float, source_errors: dict[str, str]) -> str:
    notes = []
    if check.error is not None:
        source = source_errors.get(str(check.error))
        # a dead source's error is printed once under the table, not on each of its rows
        notes.append(f"{check.error.kind.value} ({source})" if source else str(check.error))
    workloads = _workloads(check)
    reason = workloads.reason if workloads is not None else ""
    if reason:
        notes.append(reason)
    if isinstance(check.detail, ServiceAlerts):
        firing = [a for a in check.detail.alerts if a.state == "firing"]
        notes.extend(f"{a.severity} {a.name}" for a in firing[:5])
    verdict = None
    if check.id.kind is CheckKind.SLO:
        from oncall_tui.render.slo_text import verdict_of

        verdict = verdict_of(check)
    if verdict is not None:
        from oncall_tui.render.slo_text import exhaustion_text, firing_text

        notes.append(firing_text(verdict) or exhaustion_text(verdict))
    if check.status is Status.STALE and check.updated_at is not None:
        notes.append(f"last data {format_ago(check.age(now))}")
    if check.level and check.level not in ("warn", "crit"):
        notes.append(check.level)
    if check.series_count > 1 and check.labels:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(check.labels.items()))
        notes.append(f"worst of {check.series_count}: {{{labels}}}")
    return "; ".join(notes)


def check_kind_prefix(check: CheckSnapshot) -> str:
    """`health ` before a probe's name in the check column; nothing before a KPI, nor before
    a check named as its kind (a service's alerts check is "alerts", not "alerts alerts")."""
    kind = check.id.kind
    if kind is CheckKind.KPI or check.title == kind.value:
        return ""
    return f"{kind.value} "


def to_table(snapshot: DashboardSnapshot) -> Table:  # rich.table, imported lazily
    from rich import box
    from rich.table import Table
    from rich.text import Text

    now = snapshot.generated_at
    source_errors = {str(s.error): s.name for s in snapshot.sources if s.error is not None}
    caption = "\n".join(f"{name}: {error}" for error, name in source_errors.items())
    table = Table(
        title="oncall status",
        title_justify="left",
        caption=Text(inert_block(caption)) if caption else None,
        caption_justify="left",
        expand=False,
        # the Linux console's font has no heavy box lines either: ASCII with the glyphs
        box=box.ASCII if ascii_glyphs() else box.HEAVY_HEAD,
    )
    for name in ("service", "check", "value", "status", "since", "note"):
        table.add_column(name, overflow="fold")
    for service in snapshot.services:
        first = True
        for check in service.checks:
            kind = check_kind_prefix(check)
            status = Text(verdict_text(check, now), style=_STYLE[check.loudest])
            since = since_cell(check, now)
            service_cell = Text("")
            if first:
                service_cell = Text(
                    f"{service.status.glyph} {service.name}", style=_STYLE[service.status]
                )
            table.add_row(  # plain Text cells: outside words are never read as markup
                service_cell,
                Text(inert_line(f"{kind}{check.title}")),
                Text(inert_line(_row_value(check))),
                status,
                since,
                Text(inert_line(_row_note(check, now, source_errors))),
            )
            first = False
        table.add_section()
    return table
