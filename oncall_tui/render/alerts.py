"""Pure text of the alerts screen: labels, ages, the stale line, the new-firing diff.

Every severity and state is told by glyph and word, so the screen reads in monochrome.
`new_firing()` is how the app tells a newly firing alert between two snapshots.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.glyphs import ALERT_FIRING, ALERT_PENDING, ALERT_RESOLVED, ALERT_SILENCED, SEP
from oncall_tui.render.values import format_age
from oncall_tui.sources.alerts.records import Alert, AlertList, severity_status
from oncall_tui.sources.base import FetchError

OTHER = "other"
STATE_GLYPHS = {
    "firing": ALERT_FIRING,
    "pending": ALERT_PENDING,
    "silenced": ALERT_SILENCED,
    "inhibited": ALERT_SILENCED,
    "resolved": ALERT_RESOLVED,
}


def alert_list(snapshot: DashboardSnapshot | None) -> AlertList | None:
    return snapshot.extras.alerts if snapshot is not None else None


def alert_error(snapshot: DashboardSnapshot | None) -> FetchError | None:
    """Why the alert fetch is failing now; None while it works."""
    return snapshot.extras.alerts_error if snapshot is not None else None


def severity_word(alert: Alert) -> str:
    return alert.severity.strip().lower() or "none"


def severity_label(alert: Alert) -> str:
    """`✖ critical`, `▲ warning`: the glyph of what the severity means, and its word."""
    return f"{severity_status(alert.severity).glyph} {severity_word(alert)}"


def state_label(alert: Alert) -> str:
    return f"{STATE_GLYPHS.get(alert.state, '?')} {alert.state}"


def service_label(alert: Alert) -> str:
    return alert.service or OTHER


def clock_text(ts: float, now: float) -> str:
    """`14:03:12`, with the date when it is not the day of `now` (local time)."""
    moment, today = time.localtime(ts), time.localtime(now)
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M:%S", moment)


def since_text(ts: float | None, now: float) -> str:
    """`3 min ago (14:03:12)`; `unknown` without a time."""
    if ts is None:
        return "unknown"
    age = format_age(max(0.0, now - ts))
    relative = "just now" if age == "now" else f"{age} ago"
    return f"{relative} ({clock_text(ts, now)})"


def display_order(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """Firing first, then pending, then silenced/inhibited; critical first, oldest first."""
    return tuple(sorted(alerts, key=Alert.sort_key))


def counts_line(alerts: AlertList) -> str:
    parts = [f"{alerts.count(s)} {s}" for s in ("firing", "pending", "silenced", "inhibited")]
    return SEP.join(parts) + f"{SEP}from {alerts.source}"


def stale_line(alerts: AlertList | None, error: FetchError | None, source: str, now: float) -> str:
    """`alertmanager unreachable: showing alerts from 40 s ago (connection refused)`."""
    what = error.kind.value.replace("_", " ") if error is not None else "failing"
    if alerts is None:
        shown = "no alerts yet"
    else:
        shown = f"showing alerts from {format_age(max(0.0, now - alerts.fetched_at))} ago"
    line = f"{source} {what}: {shown}"
    if error is not None and error.message:
        line += f" ({error.message})"
    return line


def detail_text(alert: Alert, now: float, runbook_line: str = "", dashboard_line: str = "") -> str:
    """Everything about one alert, in full: for the detail pane."""
    lines = [
        alert.name,
        f"{severity_label(alert)}{SEP}{state_label(alert)}",
        f"service: {service_label(alert)}",
        *([dashboard_line] if dashboard_line else []),
        f"active since: {since_text(alert.starts_at, now)}",
    ]
    if alert.summary:
        lines += ["", f"summary: {alert.summary}"]
    if alert.description:
        lines += [f"description: {alert.description}"]
    others = {k: v for k, v in alert.annotations.items() if k not in ("summary", "description")}
    if others:
        lines += [""] + [f"{k}: {v}" for k, v in sorted(others.items())]
    if runbook_line:
        lines += [runbook_line]
    if alert.value is not None:
        lines += [f"value: {alert.value}"]
    if alert.silenced_by:
        lines += [f"silenced by: {', '.join(alert.silenced_by)}"]
    if alert.inhibited_by:
        lines += [f"inhibited by: {', '.join(alert.inhibited_by)}"]
    if alert.note:
        lines += [f"note: {alert.note}"]
    lines += ["", "labels:"] + [f"  {k}={v}" for k, v in sorted(alert.labels.items())]
    return "\n".join(lines)


def new_firing(before: AlertList | None, after: AlertList | None) -> tuple[Alert, ...]:
    """Alerts firing in `after` that were not firing in `before`. Pure.

    With no `before` (the first list since start) nothing is new: what was already firing
    when the dashboard opened is on screen, not news. An alert that was silenced and fires
    again is news.
    """
    if before is None or after is None or after is before:
        return ()
    was_firing = {a.key for a in before.alerts if a.is_firing}
    return tuple(a for a in display_order(after.alerts) if a.is_firing and a.key not in was_firing)


def announcement(alerts: tuple[Alert, ...]) -> str:
    """`✖ CQARHighErrorRate firing on cqar (critical)`; several: one line each, max 3."""
    lines = [
        f"{severity_status(a.severity).glyph} {a.name} firing on {service_label(a)}"
        f" ({severity_word(a)})"
        for a in alerts[:3]
    ]
    if len(alerts) > 3:
        lines.append(f"and {len(alerts) - 3} more")
    return "\n".join(lines)
