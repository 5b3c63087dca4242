"""Telling the user about an alert that just started firing, or an incident that escalated:
a toast, or with the runbook pane open a line at the top of the pane (a toast would cover
the command being read); and the bell if asked."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.notifications import SeverityLevel

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
    say_notice(
        app,
        announcement(fresh),
        title=title,
        severity="error" if crit else "warning",
        pane_text=f"{title}: {announcement(fresh)}{SEP}a: alerts",
    )
    if bell:
        app.bell()


def say_notice(
    app: App[Any],
    message: str,
    *,
    title: str,
    severity: SeverityLevel,
    timeout: float = TOAST_SECONDS,
    pane_text: str | None = None,
) -> None:
    """A toast; with the runbook pane open, its own top line instead (`pane_text`, else
    `title: message`), so that no notice covers the commands being read."""
    from oncall_tui.ui.runbook.opened import open_pane

    pane = open_pane(app)
    if isinstance(pane, AlertNoticeHolder):
        pane.show_alert_notice(pane_text or f"{title}: {message}")
    else:
        app.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
