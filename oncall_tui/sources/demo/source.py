"""`DemoSource`: the simulated services as a source like any other.

It only produces Observations; the state judges them with the same threshold code as real
data. Every value is a pure function of (seed, service, kpi, simulation time), and the
simulation time is a pure function of the clock, so a frozen clock and a fixed seed give
the same screen every time.

Simulation time: with `start_offset=S` (the default is `DEFAULT_START`), the simulation is
at S seconds when the source is built and moves with the clock from there; a frozen clock
keeps it at S (screenshots). With `start_offset=None` it is the clock itself, so two demos
running side by side agree. `incident_time(service, phase)` picks an S that shows a phase.

Health probes, Kubernetes workloads and alerts are other record types; when they join the
demo, their jobs are built next to `_kpi_jobs` from the same `sim_time()` and
`incident_phase()`, so a service's probes turn unready while its KPIs are in saturation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from oncall_tui.config.model import Config, Kpi, Service
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    Job,
    JobRun,
    Observation,
    Reading,
    Source,
)
from oncall_tui.sources.demo.alerts import alert_jobs
from oncall_tui.sources.demo.health import health_jobs
from oncall_tui.sources.demo.incidents import INCIDENT_START, incident_time
from oncall_tui.sources.demo.services import signals
from oncall_tui.sources.demo.signals import TIMEOUT_WINDOW, Quirk, SimulatedKpi, in_window
from oncall_tui.sources.demo.slos import slo_jobs
from oncall_tui.sources.demo.workloads import workload_jobs

#: Where `oncall demo` starts: a few seconds before cqar's cache begins to collapse.
DEFAULT_START = INCIDENT_START["cqar"] - 8.0
#: How much history the first run of each job backfills, and how densely.
BACKFILL = 1800.0
BACKFILL_STEP = 15.0
#: The poller's hard limit around one demo job; they take microseconds.
JOB_TIMEOUT = 2.0
#: The timeout the simulated query "hits" while the backend is saturated.
SIMULATED_QUERY_TIMEOUT = 3.0

__all__ = ["DEFAULT_START", "DemoSource", "incident_time"]


class DemoSource(Source):
    """Simulated KPIs for the services of a config whose datasource has `type: demo`."""

    name = "demo"

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float],
        seed: int,
        start_offset: float | None = DEFAULT_START,
    ) -> None:
        self._config = config
        self._clock = clock
        self._seed = seed
        known = signals()
        self._sims: dict[tuple[str, str], SimulatedKpi] = {
            (service, key): SimulatedKpi(signal, seed, service, key)
            for (service, key), signal in known.items()
        }
        # sim_time = clock() + shift; fixed here so the simulation only moves with the clock
        self._shift = 0.0 if start_offset is None else start_offset - clock()

    def now(self) -> float:
        """The wall-clock time of the clock the source was given."""
        return self._clock()

    def sim_time(self, now: float | None = None) -> float:
        """The simulation time at wall-clock time `now` (default: the clock's now)."""
        return (self._clock() if now is None else now) + self._shift

    def jobs(self) -> Sequence[Job]:
        services = self._demo_services()
        return [
            *self._kpi_jobs(),
            *workload_jobs(services, self.sim_time, self.now),
            *health_jobs(services, self.sim_time, self.now),
            *alert_jobs(services, self.sim_time, self.now),
            *slo_jobs(services, self._sims, self.sim_time, self.now, self.name),
        ]

    def _demo_services(self) -> list[Service]:
        demo = {n for n, ds in self._config.datasources.items() if ds.type == "demo"}
        return [s for s in self._config.services.values() if s.datasource in demo]

    def _kpi_jobs(self) -> list[Job]:
        jobs = []
        for service in self._demo_services():
            for kpi in service.all_kpis:
                check = CheckId(service.name, CheckKind.KPI, kpi.key)
                jobs.append(
                    Job(
                        key=f"kpi:demo:{service.name}:{kpi.key}",
                        interval=kpi.interval,
                        run=_KpiRun(self, service.name, kpi),
                        checks=(check,),
                        timeout=JOB_TIMEOUT,
                        source=self.name,
                    )
                )
        return jobs

    def observe(self, service: str, kpi: Kpi, now: float, backfill: bool = False) -> Observation:
        """One KPI at wall-clock `now`: what its job returns. Pure in its arguments."""
        check = CheckId(service, CheckKind.KPI, kpi.key)
        sim = self._sims.get((service, kpi.key))
        if sim is None:
            message = f"the demo has no simulation for {service}/{kpi.key}"
            return Observation(check, FetchError(ErrorKind.CONFIG, message))
        if sim.signal.quirk is Quirk.BROKEN:
            # Prometheus's own words for the query in the demo config (column of the "(")
            message = "1:5: parse error: unclosed left parenthesis"
            return Observation(check, FetchError(ErrorKind.BAD_QUERY, message, http_status=400))
        t = self.sim_time(now)
        if sim.signal.quirk is Quirk.TIMES_OUT and in_window(service, t, TIMEOUT_WINDOW):
            message = f"query timed out after {SIMULATED_QUERY_TIMEOUT:.1f} s"
            return Observation(check, FetchError(ErrorKind.TIMEOUT, message))
        current = sim.sample(t)
        baseline = None
        if kpi.thresholds.baseline is not None:
            baseline = sim.value(t - kpi.thresholds.baseline.offset)
        return Observation(
            check,
            Reading(
                at=now,
                value=current.value,
                empty=current.value is None,
                labels=current.labels,
                series_count=current.series_count,
                history=self.history(sim, now) if backfill else (),
                baseline=baseline,
            ),
        )

    def history(self, sim: SimulatedKpi, now: float) -> tuple[tuple[float, float], ...]:
        """The last `BACKFILL` seconds before `now`, one point per `BACKFILL_STEP`, oldest first.

        Points sit on a grid of wall-clock times so every KPI's history lines up; gaps where
        the simulated query returned nothing are left out, as a range query would.
        """
        last = math.ceil(now / BACKFILL_STEP) * BACKFILL_STEP - BACKFILL_STEP
        points = []
        for i in range(int(BACKFILL / BACKFILL_STEP) - 1, -1, -1):
            at = last - i * BACKFILL_STEP
            value = sim.value(at + self._shift)
            if value is not None:
                points.append((at, value))
        return tuple(points)


class _KpiRun(JobRun):
    """The job of one KPI: backfills history on its first successful run."""

    def __init__(self, source: DemoSource, service: str, kpi: Kpi) -> None:
        self._source = source
        self._service = service
        self._kpi = kpi
        self._backfilled = False

    async def __call__(self) -> Sequence[Observation]:
        now = self._source.now()
        observation = self._source.observe(
            self._service, self._kpi, now, backfill=not self._backfilled
        )
        if isinstance(observation.outcome, Reading):
            self._backfilled = True
        return [observation]
