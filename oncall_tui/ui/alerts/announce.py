"""Telling the user about an alert that just started firing: a toast, and the bell if asked."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from textual.app import App

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.render.alerts import alert_list, announcement, new_firing
from oncall_tui.sources.alerts.records import severity_status
from oncall_tui.status import Status

TOAST_SECONDS = 15.0


@runtime_checkable
class AlertNoticeHolder(Protocol):
    """A pane that says new alerts in a line of its own instead of a toast over it."""

    def show_alert_notice(self, text: str) -> None: ...


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
    title = "new alert firing" if len(fresh) == 1 else f"{len(fresh)} new alerts firing"
    from oncall_tui.ui.runbook.opened import open_pane

    pane = open_pane(app)
    if isinstance(pane, AlertNoticeHolder):
        # the runbook pane: a toast would cover the command being read; its own line says it
        pane.show_alert_notice(f"{title}: {announcement(fresh)}{SEP}a: alerts")
    else:
        app.notify(
            announcement(fresh),
            title=title,
            severity="error" if crit else "warning",
            timeout=TOAST_SECONDS,
        )
    if bell:
        app.bell()
