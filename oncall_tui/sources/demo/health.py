"""Simulated health probes of the demo services, following their scripted incident.

No network: each run builds the JSON body the endpoint would answer (in the shapes of the
services' ops guides) and reads it with the health source's own body reader and verdict, so
the screens get the same `ProbeResult` records a real probe makes. The story:

- cqar's readiness answers 503 `not_ready` with `"cache": "error: connection refused"` while
  its cache collapses; its gRPC health says NOT_SERVING for a few seconds of saturation.
- arq's health endpoint reports its database check failing (pool exhausted) in saturation.
- bazaruto's `/healthz/detailed` turns `degraded` with a backed-up `jobs` check.
- TCP probes of the databases and Redis only slow down; the gateway answers plain text.

Every value is a pure function of (service, probe, simulation time, wall-clock time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Service
from oncall_tui.sources.base import CheckId, CheckKind, Job, JobRun, Observation, Reading
from oncall_tui.sources.demo.incidents import envelopes, incident_clock
from oncall_tui.sources.health.body import read_health_document
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.health.verdict import GRPC_WORDS, judge_http, judge_probe
from oncall_tui.status import Status

#: Seconds between runs of a demo probe (real ones default to 5 s; the demo lives faster).
INTERVAL = 2.0
JOB_TIMEOUT = 2.0
#: Points of latency history the first run backfills, one per INTERVAL.
BACKFILL_POINTS = 30

# seconds into the incident (see incidents.PHASES: cache 0-12, saturation 28-56)
CACHE_REFUSED = (2.0, 12.0)  # cqar's cache refuses connections: readiness says not_ready
GRPC_NOT_SERVING = (36.0, 42.0)  # cqar's gRPC health briefly says NOT_SERVING
POOL_EXHAUSTED = (32.0, 52.0)  # arq's database check fails
JOBS_BACKLOG = (30.0, 58.0)  # bazaruto's jobs check is degraded


@dataclass(frozen=True)
class DemoProbe:
    """One probe's config and how slow it is normally (seconds) and at the incident's peak."""

    name: str
    kind: ProbeKind
    target: str
    normal: float
    peak: float
    grpc_service: str = ""
    latency_warn: float | None = None
    status_words: Mapping[str, Status] = field(default_factory=dict)
    runbook: str | None = None

    def config(self) -> HealthProbe:
        return HealthProbe(
            name=self.name,
            kind=self.kind,
            target=self.target,
            grpc_service=self.grpc_service,
            interval=INTERVAL,
            http=HttpOptions(timeout=3.0),
            latency_warn=self.latency_warn,
            status_words=dict(self.status_words),
            runbook=self.runbook,
        )


_HTTP, _GRPC, _TCP = ProbeKind.HTTP, ProbeKind.GRPC, ProbeKind.TCP

PROBES: dict[str, tuple[DemoProbe, ...]] = {
    "cqar": (
        DemoProbe("live", _HTTP, "http://cqar.demo:8080/health/live", 0.0012, 0.004),
        DemoProbe(
            "ready",
            _HTTP,
            "http://cqar.demo:8080/health/ready",
            0.0031,
            0.060,
            runbook="cqar.md#service-not-ready",
        ),
        DemoProbe("grpc", _GRPC, "cqar.demo:9090", 0.0009, 0.030),
        DemoProbe("postgres", _TCP, "cqar-db.demo:5432", 0.0004, 0.002),
    ),
    "arq": (
        DemoProbe(
            "api",
            _HTTP,
            "http://arq.demo:8000/health",
            0.0045,
            0.900,
            latency_warn=0.5,
            runbook="arq.md#service-not-ready",
        ),
        DemoProbe("database", _TCP, "arq-db.demo:5432", 0.0005, 0.004),
        DemoProbe("redis", _TCP, "arq-cache.demo:6379", 0.0003, 0.001),
    ),
    "bazaruto": (
        DemoProbe(
            "detailed",
            _HTTP,
            "http://bazaruto.demo:8080/healthz/detailed",
            0.0060,
            0.400,
            latency_warn=1.0,
            status_words={"healthy": Status.OK, "degraded": Status.WARN},
            runbook="bazaruto.md#service-not-ready",
        ),
        DemoProbe("ready", _HTTP, "http://bazaruto.demo:8080/readyz", 0.0015, 0.050),
        DemoProbe("redis", _TCP, "bazaruto-redis.demo:6379", 0.0003, 0.001),
    ),
    "gateway": (DemoProbe("envoy", _HTTP, "http://gateway.demo:9901/ready", 0.0008, 0.002),),
}


def demo_probes(service: str) -> tuple[HealthProbe, ...]:
    """The `health:` entries of a demo service, as the config holds them."""
    return tuple(p.config() for p in PROBES.get(service, ()))


def _jitter(*parts: object) -> float:
    """A stable number in [0, 1) for these parts: the same moment always looks the same."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def _within(u: float | None, window: tuple[float, float]) -> bool:
    return u is not None and window[0] <= u < window[1]


def latency(service: str, probe: DemoProbe, sim_t: float) -> float:
    """Seconds the probe takes at a moment: slower as the service's latency climbs."""
    load = envelopes(service, sim_t)
    trouble = max(load.latency, load.saturation)
    base = probe.normal + (probe.peak - probe.normal) * trouble
    return base * (0.8 + 0.4 * _jitter(service, probe.name, round(sim_t)))


def demo_result(service: str, probe: DemoProbe, sim_t: float) -> ProbeResult:
    """What the probe would find at simulation time `sim_t`, judged like a real answer."""
    u = incident_clock(service, sim_t)
    took = latency(service, probe, sim_t)
    if probe.kind is ProbeKind.TCP:
        verdict = judge_probe(latency=took, latency_warn=probe.latency_warn)
        return ProbeResult(
            probe.name,
            probe.kind,
            verdict.status,
            latency=took,
            reason=verdict.reason,
            target=probe.target,
        )
    if probe.kind is ProbeKind.GRPC:
        word = "NOT_SERVING" if _within(u, GRPC_NOT_SERVING) else "SERVING"
        verdict = judge_probe(
            top_word=word,
            top_status=GRPC_WORDS[word.lower()],
            latency=took,
            latency_warn=probe.latency_warn,
        )
        return ProbeResult(
            probe.name,
            probe.kind,
            verdict.status,
            latency=took,
            top_word=word,
            reason=verdict.reason,
            target=probe.target,
        )
    code, doc = _http_answer(service, probe.name, u, sim_t)
    body = read_health_document(doc, probe.status_words) if doc is not None else None
    verdict = judge_http(code, body, took, latency_warn=probe.latency_warn)
    reason = verdict.reason
    return ProbeResult(
        probe=probe.name,
        kind=probe.kind,
        status=verdict.status,
        http_status=code,
        latency=took,
        top_word=body.word if body else None,
        components=body.components if body else (),
        body_excerpt="LIVE" if doc is None else "",
        reason=reason,
        target=probe.target,
    )


def _http_answer(service: str, probe: str, u: float | None, sim_t: float) -> tuple[int, object]:
    """The status code and decoded JSON body (None for plain text) an endpoint answers."""
    if service == "cqar" and probe == "ready":
        refused = _within(u, CACHE_REFUSED)
        components = {
            "database": "ok",
            "cache": "error: connection refused" if refused else "ok",
            "eventbus": "ok",
        }
        word = "not_ready" if refused else "ready"
        return (503 if refused else 200), {"status": word, "components": components}
    if service == "arq" and probe == "api":
        exhausted = _within(u, POOL_EXHAUSTED)
        in_use = 50 if exhausted else 8 + int(10 * _jitter("arq-pool", round(sim_t)))
        database: dict[str, object] = {"status": "ok", "pool": {"in_use": in_use, "size": 50}}
        if exhausted:
            waiting = 12 + int(30 * envelopes(service, sim_t).saturation)
            database = {
                "status": "error",
                "message": f"connection pool exhausted: 50/50 in use, {waiting} waiting "
                "for a connection (timeout 5s)",
                "pool": {"in_use": 50, "size": 50, "waiting": waiting},
            }
        checks = {
            "database": database,
            "cache": {"status": "ok", "hit_ratio": 0.93},
            "queue": {"status": "ok", "depth": 3},
        }
        word = "unhealthy" if exhausted else "ok"
        return (503 if exhausted else 200), {"status": word, "checks": checks}
    if service == "bazaruto" and probe == "detailed":
        backlog = _within(u, JOBS_BACKLOG)
        pressure = envelopes(service, sim_t).saturation
        pending = 5 + int(4 * _jitter("bz-jobs", round(sim_t)))
        jobs: dict[str, object] = {"status": "healthy", "pending_jobs": pending, "failed_jobs": 0}
        if backlog:
            jobs = {
                "status": "degraded",
                "message": "job queue backing up: workers cannot keep up",
                "pending_jobs": 1200 + int(3400 * pressure),
                "failed_jobs": 3 + int(40 * pressure),
            }
        checks = {
            "database": {"status": "healthy", "response_time": "2ms"},
            "redis": {"status": "healthy", "response_time": "1ms"},
            "jobs": jobs,
        }
        word = "degraded" if backlog else "healthy"
        return 200, {"status": word, "version": "1.1.0", "checks": checks}
    if service == "gateway":
        return 200, None  # Envoy's admin /ready answers the plain text "LIVE"
    return 200, {"status": "ok"}


class _ProbeRun(JobRun):
    """The job of one demo probe: backfills latency history on its first run."""

    def __init__(
        self,
        service: str,
        probe: DemoProbe,
        sim_time: Callable[[float], float],
        clock: Callable[[], float],
    ) -> None:
        self._service = service
        self._probe = probe
        self._sim_time = sim_time
        self._clock = clock
        self._backfilled = False

    async def __call__(self) -> Sequence[Observation]:
        return [self.observe(self._clock())]

    def observe(self, now: float) -> Observation:
        result = demo_result(self._service, self._probe, self._sim_time(now))
        history: tuple[tuple[float, float], ...] = ()
        if not self._backfilled:
            self._backfilled = True
            history = tuple(
                (at, latency(self._service, self._probe, self._sim_time(at)))
                for at in (now - INTERVAL * i for i in range(BACKFILL_POINTS, 0, -1))
            )
        check = CheckId(self._service, CheckKind.HEALTH, self._probe.name)
        reading = Reading(
            at=now, value=result.latency, status=result.status, detail=result, history=history
        )
        return Observation(check, reading)


def health_jobs(
    services: Sequence[Service],
    sim_time: Callable[[float], float],
    clock: Callable[[], float],
    source: str = "demo",
) -> list[Job]:
    """One job per configured probe of a demo service that has a simulated one."""
    jobs = []
    for service in services:
        known = {p.name: p for p in PROBES.get(service.name, ())}
        for configured in service.health:
            probe = known.get(configured.name)
            if probe is None:
                continue
            check = CheckId(service.name, CheckKind.HEALTH, probe.name)
            jobs.append(
                Job(
                    key=f"health:demo:{service.name}:{probe.name}",
                    interval=configured.interval,
                    run=_ProbeRun(service.name, probe, sim_time, clock),
                    checks=(check,),
                    timeout=JOB_TIMEOUT,
                    source=source,
                )
            )
    return jobs
