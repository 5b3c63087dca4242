"""Telling the user about an alert that just started firing: a toast, and the bell if asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.sources.alerts.records import severity_status
from oncall_tui.status import Status
from oncall_tui.ui.alerts.text import alert_list, announcement, new_firing

if TYPE_CHECKING:
    from oncall_tui.ui.app import OncallApp

TOAST_SECONDS = 15.0


def announce_new_alerts(
    app: OncallApp, before: DashboardSnapshot | None, after: DashboardSnapshot | None
) -> None:
    """Toast the alerts firing in `after` that were not in `before` (`\\a` when config.bell)."""
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
    if app.config.bell:
        app.bell()
