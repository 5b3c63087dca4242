"""Telling the user about an alert that just started firing: a toast, and the bell if asked."""

from __future__ import annotations

from typing import Any

from textual.app import App

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.render.alerts import alert_list, announcement, new_firing
from oncall_tui.sources.alerts.records import severity_status
from oncall_tui.status import Status

TOAST_SECONDS = 15.0


def announce_new_alerts(
    app: App[Any],
    before: DashboardSnapshot | None,
    after: DashboardSnapshot | None,
    *,
    bell: bool = False,
) -> None:
    """Toast the alerts firing in `after` that were not in `before`, and `\\a` with `bell`."""
    fresh = new_firing(alert_list(before), alert_list(after))
    if not fresh:
        return
    crit = any(severity_status(a.severity) is Status.CRIT for a in fresh)
    app.notify(
        announcement(fresh),
        title="new alert firing" if len(fresh) == 1 else f"{len(fresh)} new alerts firing",
        severity="error" if crit else "warning",
        timeout=TOAST_SECONDS,
    )
    if bell:
        app.bell()
