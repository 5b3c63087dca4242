"""Simulated alerts for `oncall demo`, following each service's scripted incident.

As the incident unfolds (see `incidents.py`), the alert rules a team would have fire in
order, each pending for its `for:` before it fires: the cache hit rate alert (warning),
then latency (warning), then the error rate (critical, with a `runbook_url` annotation to
the section of the service's runbook). They resolve during recovery. The list is a pure
function of the simulation time; no network, and no silences (there is no Alertmanager).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oncall_tui.config.model import Service
from oncall_tui.sources.alerts.observations import ALERT_LIST, alert_check, observations_of
from oncall_tui.sources.alerts.records import ORIGIN_PROMETHEUS, Alert, AlertList
from oncall_tui.sources.base import CheckId, DashboardRecord, Job, JobRun, Observation
from oncall_tui.sources.demo.incidents import incident_clock

JOB_TIMEOUT = 2.0
INTERVAL = 1.0
SOURCE_NAME = "demo alerts"
#: How each service prefixes its alert names, as its team wrote its rules.
PREFIXES = {"cqar": "CQAR", "arq": "Arq", "bazaruto": "Bazaruto"}


@dataclass(frozen=True)
class DemoRule:
    suffix: str  # the alert name after the service prefix
    severity: str
    pending_at: float  # seconds into the incident when the expression turns true
    hold: float  # the rule's `for:`
    resolved_at: float  # seconds into the incident when the expression turns false
    summary: str
    description: str
    anchor: str  # the runbook section its runbook_url names ("" for none)


RULES: tuple[DemoRule, ...] = (
    DemoRule(
        "CacheHitRateLow",
        "warning",
        6.0,
        5.0,
        70.0,
        "{service} cache hit rate below 80 %",
        "Misses go to the database; latency follows if it keeps falling.",
        "",  # no runbook_url: the alert name finds "Low Cache Hit Rate"
    ),
    DemoRule(
        "HighLatency",
        "warning",
        16.0,
        5.0,
        64.0,
        "{service} p99 latency above its warn line",
        "p99 over the warn threshold for 30 s; see which method is slow.",
        "",
    ),
    DemoRule(
        "HighErrorRate",
        "critical",
        30.0,
        6.0,
        60.0,
        "{service} error ratio above 1 %",
        "More than 1 % of requests fail; the connection pool is the usual cause.",
        "high-error-rate",
    ),
)


def _alert(service: Service, rule: DemoRule, state: str, since: float) -> Alert:
    name = PREFIXES.get(service.name, service.name.capitalize()) + rule.suffix
    job = service.vars.get("job", service.name)
    labels = {"alertname": name, "job": job, "severity": rule.severity}
    annotations = {
        "summary": rule.summary.format(service=service.name),
        "description": rule.description,
    }
    if rule.anchor and service.runbook:
        annotations["runbook_url"] = f"{service.runbook}#{rule.anchor}"
    return Alert(
        name=name,
        state=state,  # type: ignore[arg-type]
        severity=rule.severity,
        labels=labels,
        annotations=annotations,
        starts_at=since,
        service=service.name,
        origin=ORIGIN_PROMETHEUS,
    )


def alerts_at(services: Sequence[Service], sim_t: float, now: float) -> AlertList:
    """Every demo alert at simulation time `sim_t` (wall-clock `now`). Pure."""
    found = []
    for service in services:
        u = incident_clock(service.name, sim_t)
        if u is None or service.name not in PREFIXES:
            continue
        for rule in RULES:
            if not rule.pending_at <= u < rule.resolved_at:
                continue
            # Prometheus' activeAt: when the expression first held, pending or firing
            since = now - (u - rule.pending_at)
            state = "firing" if u >= rule.pending_at + rule.hold else "pending"
            found.append(_alert(service, rule, state, since))
    ordered = tuple(sorted(found, key=Alert.sort_key))
    return AlertList(ordered, SOURCE_NAME, now)


class _AlertsRun(JobRun):
    """One service's alerts check, or (service None) the whole list for the alerts screen."""

    def __init__(
        self,
        services: Sequence[Service],
        service: str | None,
        sim_time: Callable[[float], float],
        clock: Callable[[], float],
    ) -> None:
        self._services = tuple(services)
        self._service = service
        self._sim_time = sim_time
        self._clock = clock

    async def __call__(self) -> Sequence[Observation]:
        now = self._clock()
        listing = alerts_at(self._services, self._sim_time(now), now)
        names = [s.name for s in self._services]
        wanted = ALERT_LIST if self._service is None else alert_check(self._service)
        return [o for o in observations_of(listing, names) if o.check == wanted]


def alert_jobs(
    services: Sequence[Service],
    sim_time: Callable[[float], float],
    clock: Callable[[], float],
    source: str = "demo",
) -> list[Job]:
    """One job per demo service's alerts check, and one for the full list the screen shows.

    The list is a pure function of the time, so each job computes it; one check a job keeps
    the demo's jobs alike.
    """
    if not services:
        return []
    targets: list[tuple[str | None, CheckId | DashboardRecord]] = [
        (s.name, alert_check(s.name)) for s in services
    ]
    targets.append((None, ALERT_LIST))
    return [
        Job(
            key=f"alerts:demo:{name or 'list'}",
            interval=INTERVAL,
            run=_AlertsRun(services, name, sim_time, clock),
            checks=(check,),
            timeout=JOB_TIMEOUT,
            source=source,
        )
        for name, check in targets
    ]
