"""The service screen's cause line: which check crossed which line, and since when.

`✖ cache hit rate 52 % < 70 % since 03:12:51`, in one line, for the loudest check of a
service; a pending breach says when it counts, a stale one how old its value is, and
`+2 more` how many other checks are out of line. Pure text: no widgets here.
"""

from __future__ import annotations

import time

from oncall_tui.config.model import Level
from oncall_tui.engine.snapshot import CheckSnapshot, ServiceSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.render.values import format_value
from oncall_tui.render.verdicts import pending_text, stale_text
from oncall_tui.sources.alerts.records import Alert, ServiceAlerts, severity_status
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.status import Status

#: among checks equally loud, the one that explains the most comes first
_KIND_ORDER = {
    CheckKind.KPI: 0,
    CheckKind.HEALTH: 1,
    CheckKind.SLO: 2,
    CheckKind.KUBERNETES: 3,
    CheckKind.ALERTS: 4,
}


def clock_text(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def cause_check(service: ServiceSnapshot) -> CheckSnapshot | None:
    """The loudest check out of line (config order among equals); None when all are ok."""
    out = [c for c in service.checks if c.loudest is not Status.OK]
    if not out:
        return None
    position = {id(c): i for i, c in enumerate(service.checks)}
    return min(
        out,
        key=lambda c: (-c.loudest.rank, _KIND_ORDER.get(c.id.kind, 9), position[id(c)]),
    )


def crossed_level(check: CheckSnapshot) -> Level | None:
    """The threshold tier the value is past (or, pending, the one it is pending to)."""
    thresholds = check.thresholds
    if thresholds is None or not thresholds.levels:
        return None
    if check.level is not None:
        named = next((lv for lv in thresholds.levels if lv.name == check.level), None)
        if named is not None:
            return named
    wanted = check.pending or check.loudest
    same = [lv for lv in thresholds.levels if lv.status is wanted]
    return same[-1] if same else None


def line_text(check: CheckSnapshot) -> str:
    """`52 % <= 70 %`: the value against the line it crossed (a value on the line is in
    breach, as the legend says); the value alone without one."""
    value = format_value(check.value, check.unit) if check.value is not None else ""
    level = crossed_level(check)
    if level is None or not value or check.thresholds is None:
        return value
    sign = check.thresholds.direction.sign
    tier = "" if level.name in ("warn", "crit") else f" ({level.name})"
    return f"{value} {sign} {format_value(level.value, check.unit)}{tier}"


def _reason(check: CheckSnapshot) -> str:
    """What a probe or pods check says is wrong, in its own words."""
    detail = check.detail
    if isinstance(detail, (ProbeResult, Workloads)) and detail.reason:
        return detail.reason
    if isinstance(detail, Workloads):
        return detail.summary
    if check.error is not None:
        return str(check.error)
    return check.loudest.word


def cause_text(check: CheckSnapshot, now: float) -> str:
    """One check's cause, without the service: `cache hit rate 52 % < 70 % since 03:12:51`."""
    name = check.title or check.id.key.replace("_", " ")
    if check.id.kind is CheckKind.KPI:
        what = f"{name} {line_text(check)}".rstrip()
    elif check.id.kind is CheckKind.HEALTH:
        what = f"{name} probe: {_reason(check)}"
    elif check.id.kind is CheckKind.ALERTS:
        count = int(check.value) if check.value is not None else 0
        what = f"{count} alert{'s' if count != 1 else ''} {check.loudest.word}"
    else:
        what = f"{name}: {_reason(check)}"
    parts = [f"{check.loudest.glyph} {what}"]
    if check.pending is not None:
        parts.append(pending_text(check, now))
        since = check.pending_since
    else:
        since = check.since
    if check.status in (Status.STALE, Status.ERROR):
        parts.append(stale_text(check, now))
    elif check.status is Status.NODATA:
        parts.append("NODATA")
    if since is not None:
        parts.append(f"since {clock_text(since)}")
    return " ".join(p for p in parts if p)


def cause_line(service: ServiceSnapshot, now: float) -> str:
    """The service header's cause line; `● every check within its lines` when all is well."""
    check = cause_check(service)
    if check is None:
        return f"{Status.OK.glyph} every check within its lines"
    others = sum(1 for c in service.checks if c.loudest is not Status.OK) - 1
    more = f"{SEP}+{others} more" if others > 0 else ""
    return cause_text(check, now) + more


def _firing(service: ServiceSnapshot) -> list[Alert]:
    check = service.check(CheckKind.ALERTS, "alerts")
    detail = check.detail if check is not None else None
    alerts = detail.alerts if isinstance(detail, ServiceAlerts) else ()
    firing = [a for a in alerts if a.is_firing]
    return sorted(firing, key=lambda a: -severity_status(a.severity).rank)


def verdict_words(check: CheckSnapshot | None, status: Status) -> str:
    """`✖ CRIT`, or `✖ CRIT major` when the tier has a name of its own."""
    text = f"{status.glyph} {status.word}"
    level = check.level if check is not None else None
    if level and level.lower() not in (status.value, "warn", "crit"):
        text += f" {level}"
    return text


def paging_line(service: ServiceSnapshot) -> str | None:
    """The firing alerts' own severities beside the dashboard's verdict, saying which pages:
    `dashboard ✖ CRIT major does not page; alerts do: ▲ CQARHighErrorRate warning` (the
    verdict first: a narrow screen cuts alert names, not which one pages). None when no
    alert of the service fires."""
    firing = _firing(service)
    if not firing:
        return None
    shown = [f"{severity_status(a.severity).glyph} {a.name} {a.severity or 'none'}" for a in firing]
    if len(shown) > 3:
        shown = [*shown[:3], f"+{len(shown) - 3} more"]
    verdict = verdict_words(cause_check(service), service.status)
    return f"dashboard {verdict} does not page; alerts do: {SEP.join(shown)}"


def dashboard_line(service: ServiceSnapshot | None, alert: Alert) -> str:
    """For an alert's detail: what the dashboard says of its service, and which one pages."""
    if service is None:
        return f"pages: this alert ({alert.severity or 'no severity'}); no service of ours"
    verdict = verdict_words(cause_check(service), service.status)
    return (
        f"dashboard: {service.name} {verdict} by its own thresholds; what pages is this "
        f"alert's severity ({alert.severity or 'none'})"
    )
