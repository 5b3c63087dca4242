"""Alert lists as observations: one check per service, and the whole list as the
dashboard's `ALERT_LIST` record (the snapshot's `extras.alerts`).

Pure and free of HTTP clients, so the demo can report alerts without loading httpx.
"""

from __future__ import annotations

from collections.abc import Sequence

from oncall_tui.sources.alerts.records import Alert, AlertList, ServiceAlerts
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    DashboardRecord,
    FetchError,
    Observation,
    Reading,
)
from oncall_tui.status import Status

ALERTS_KEY = "alerts"  # the key of every service's alerts check
ALERT_LIST = DashboardRecord.ALERT_LIST


def alert_check(service: str) -> CheckId:
    return CheckId(service, CheckKind.ALERTS, ALERTS_KEY)


def service_status(alerts: Sequence[Alert]) -> Status:
    """crit if a firing alert is critical/page/crit, warn if any other fires, else ok."""
    firing = [a for a in alerts if a.is_firing]
    if not firing:
        return Status.OK
    return max((a.status for a in firing), key=lambda s: s.rank)


def observations_of(alert_list: AlertList, services: Sequence[str]) -> list[Observation]:
    """One observation per service, and the whole list as the `ALERT_LIST` record. Pure."""
    at = alert_list.fetched_at
    out = []
    for name in services:
        mine = alert_list.for_service(name)
        firing = sum(1 for a in mine if a.is_firing)
        reading = Reading(
            at=at, value=float(firing), status=service_status(mine), detail=ServiceAlerts(mine)
        )
        out.append(Observation(alert_check(name), reading))
    out.append(Observation(ALERT_LIST, Reading(at=at, detail=alert_list)))
    return out


def failed_observations(error: FetchError, services: Sequence[str]) -> list[Observation]:
    return [Observation(alert_check(n), error) for n in services] + [Observation(ALERT_LIST, error)]
