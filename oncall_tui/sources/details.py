"""The typed detail a check's reading carries, one record per kind of check.

A health probe's reading carries its `ProbeResult`, a workloads check its `Workloads`, a
service's alerts check its `ServiceAlerts`, an SLO's its `SliRatios` (the engine turns them
into an `SloVerdict`); the dashboard-wide alert list (the
`DashboardRecord.ALERT_LIST` observation) carries the `AlertList`. Readers narrow with
`isinstance` on these types, never with `getattr` on a name.
"""

from __future__ import annotations

from typing import Union

from oncall_tui.sources.alerts.records import AlertList, ServiceAlerts
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.sources.sli import SliRatios

CheckDetail = Union[ProbeResult, Workloads, ServiceAlerts, AlertList, SliRatios]  # noqa: UP007

__all__ = ["AlertList", "CheckDetail", "ProbeResult", "ServiceAlerts", "SliRatios", "Workloads"]
