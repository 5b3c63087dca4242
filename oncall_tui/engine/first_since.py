"""`since` for a one-shot's first look: when the breach began as far as its points show.

A fresh `oncall status` sees every check for the first time, so the state dates each status
from that poll. A breach it judged from the points it loaded (the `for:` window, the lookback
of an emptied KPI) is dated from those points instead; one already on at the oldest point
began before it (`since_open`); a check the points say nothing about gets no `since`.
"""

from __future__ import annotations

from dataclasses import replace

from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot
from oncall_tui.engine.thresholds import judge
from oncall_tui.status import Status


def breach_start(check: CheckSnapshot, now: float) -> tuple[float | None, bool]:
    """The oldest point of the breach that runs up to `now` and whether the breach was
    already on at the oldest point looked at; (None, False) when the points cannot tell."""
    breach = check.pending if check.status is Status.PENDING else check.status
    thresholds = check.thresholds
    if breach is None or not breach.is_breach or thresholds is None or not thresholds.levels:
        return None, False
    points = [(at, value) for at, value in check.history if at <= now]
    began: float | None = None
    for at, value in reversed(points):
        if judge(value, thresholds, baseline=check.baseline).status.rank < breach.rank:
            return began, False
        began = at
    return began, began is not None


def date_first_look(snapshot: DashboardSnapshot) -> DashboardSnapshot:
    """The snapshot of a first poll with each check's `since` taken from its points."""
    now = snapshot.generated_at
    services = []
    for service in snapshot.services:
        checks = []
        for check in service.checks:
            since, open_ = breach_start(check, now)
            checks.append(replace(check, since=since, since_open=open_))
        services.append(replace(service, checks=tuple(checks)))
    return replace(snapshot, services=tuple(services))
