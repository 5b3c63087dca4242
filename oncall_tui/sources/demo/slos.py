"""The demo's SLOs: availability of cqar, arq and bazaruto, burned by their scripted incidents.

The demo compresses time (an incident every 5 minutes), so its SLOs do too: a 6h budget
window and pairs of minutes instead of hours (page 14.4x over 1m and 10s, page 6x over 5m
and 30s, ticket 3x over 15m and 2m), with the workbook's rates. Each incident's error spike
fires the fast page, leaves the ticket firing a while after, and spends a few percent of
the budget, which the SLO panel shows going down.

The error ratio over a window is the mean of the service's simulated error rate (the same
signal as its error_rate KPI) over the window, one sample per simulated second, from
running sums. Before simulation time 0 (the demo's "before"), a window counts the quieter
error ratio of the weeks before (`PRIOR_BURN` of the budget), so the demo opens with part
of the budget spent rather than with every window full of incidents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from oncall_tui.config.model import Service
from oncall_tui.config.slo_model import BurnWindow, Slo, SloAction
from oncall_tui.sources.base import CheckId, CheckKind, Job, JobRun, Observation, Reading
from oncall_tui.sources.demo.signals import SimulatedKpi
from oncall_tui.sources.sli import SliRatios

#: the demo's windows, compressed like its incidents
DEMO_WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow(60.0, 10.0, 14.4, SloAction.PAGE),
    BurnWindow(300.0, 30.0, 6.0, SloAction.PAGE),
    BurnWindow(900.0, 120.0, 3.0, SloAction.TICKET),
)
DEMO_WINDOW = 6 * 3600.0
#: the burn rate of the time before the simulation starts: 0.45 of a budget spent by then
PRIOR_BURN = 0.45
#: (service, objective, the error ratio query with $window)
DEMO_SLOS: tuple[tuple[str, float, str], ...] = (
    (
        "cqar",
        0.9995,
        'sum(rate(cqar_grpc_calls_total{job="$job",status_code!="OK"}[$window]))'
        ' / sum(rate(cqar_grpc_calls_total{job="$job"}[$window]))',
    ),
    (
        "arq",
        0.9995,
        'sum(rate(http_requests_total{job="$job",code=~"5.."}[$window]))'
        ' / sum(rate(http_requests_total{job="$job"}[$window]))',
    ),
    (
        "bazaruto",
        0.999,
        'sum(rate(http_requests_total{job="$job",status=~"5.."}[$window]))'
        ' / sum(rate(http_requests_total{job="$job"}[$window]))',
    ),
)


def demo_slos(service: str, vars: dict[str, str]) -> tuple[Slo, ...]:
    found = []
    for name, objective, query in DEMO_SLOS:
        if name == service:
            filled = query.replace("$job", vars.get("job", service))
            found.append(
                Slo(
                    name="availability",
                    objective=objective,
                    window=DEMO_WINDOW,
                    error_ratio=filled,
                    windows=DEMO_WINDOWS,
                    interval=1.0,
                    runbook=f"{service}.md#high-error-rate",
                )
            )
    return tuple(found)


class ErrorSums:
    """Running sums of a signal at whole simulated seconds: the sum over any span in O(1)."""

    def __init__(self, value: Callable[[float], float | None]) -> None:
        self._value = value
        self._base: int | None = None
        self._sums = [0.0]  # _sums[i]: the sum of value(k) for base <= k < base + i

    def total(self, start: int, end: int) -> float:
        """value(k) summed for start <= k < end."""
        if end <= start:
            return 0.0
        if self._base is None or start < self._base:
            self._base, self._sums = start, [0.0]
        while self._base + len(self._sums) - 1 < end:
            k = self._base + len(self._sums) - 1
            self._sums.append(self._sums[-1] + (self._value(float(k)) or 0.0))
        return self._sums[end - self._base] - self._sums[start - self._base]


def window_ratios(slo: Slo, sums: ErrorSums, t: float) -> dict[float, float | None]:
    """The error ratio over each window of `slo` at simulation time t."""
    end = math.floor(t)
    ratios: dict[float, float | None] = {}
    prior = PRIOR_BURN * slo.budget
    for window in slo.measured_windows():
        start = end - int(window)
        measured = sums.total(max(start, 0), end)
        before = max(0, min(end, 0) - start)  # seconds of the window before time 0
        ratios[window] = (measured + prior * before) / window
    return ratios


class _SloRun(JobRun):
    """The job of one demo SLO: its windows' error ratios at the simulated time."""

    def __init__(
        self,
        check: CheckId,
        slo: Slo,
        sums: ErrorSums,
        sim_time: Callable[[], float],
        now: Callable[[], float],
    ) -> None:
        self._check = check
        self._slo = slo
        self._sums = sums
        self._sim_time = sim_time
        self._now = now

    async def __call__(self) -> Sequence[Observation]:
        ratios = window_ratios(self._slo, self._sums, self._sim_time())
        return [Observation(self._check, Reading(at=self._now(), detail=SliRatios(ratios)))]


def slo_jobs(
    services: Sequence[Service],
    sims: dict[tuple[str, str], SimulatedKpi],
    sim_time: Callable[[], float],
    now: Callable[[], float],
    source: str,
) -> list[Job]:
    """One job per demo SLO, on its interval, reading its service's error-rate signal."""
    jobs = []
    for service in services:
        sim = sims.get((service.name, "error_rate"))
        if sim is None:
            continue
        sums = ErrorSums(sim.value)
        for slo in service.slos:
            check = CheckId(service.name, CheckKind.SLO, slo.name)
            jobs.append(
                Job(
                    key=f"slo:demo:{service.name}:{slo.name}",
                    interval=slo.interval,
                    run=_SloRun(check, slo, sums, sim_time, now),
                    checks=(check,),
                    timeout=2.0,
                    source=source,
                )
            )
    return jobs
