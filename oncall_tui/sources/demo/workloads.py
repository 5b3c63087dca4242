"""Simulated Kubernetes workloads of the demo services, following their scripted incident.

No network: each tick builds a real `Workloads` record (the same records the Kubernetes
source reads from an API server) and judges it with the source's own `judge()`. The story
follows the incident's phases: readiness probes fail while latency climbs; during saturation
pods are OOMKilled and one ends in CrashLoopBackOff; in recovery the deployment is restarted
and a rollout replaces the pods; once calm, fresh pods run with no restarts.

Every value is a pure function of (service, simulation time, wall-clock time).
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from oncall_tui.config.model import KubernetesTarget, Service
from oncall_tui.sources.base import CheckId, CheckKind, Job, JobRun, Observation, Reading
from oncall_tui.sources.demo.incidents import INCIDENT_PERIOD, INCIDENT_START
from oncall_tui.sources.kubernetes.records import (
    ContainerRecord,
    EventRecord,
    PodRecord,
    WorkloadRecord,
    Workloads,
)
from oncall_tui.sources.kubernetes.verdict import judge

CONTEXT = "demo"
#: How often the demo's workloads are "listed"; they change within seconds in the incident.
INTERVAL = 2.0
JOB_TIMEOUT = 2.0
NODES = ("node-a", "node-b", "node-c")


@dataclass(frozen=True)
class DemoFleet:
    """How one demo service runs: its replicas, container and the revision it starts at."""

    replicas: int
    container: str
    revision: int


FLEETS: dict[str, DemoFleet] = {
    "cqar": DemoFleet(3, "cqar", 41),
    "arq": DemoFleet(4, "arq-api", 118),
    "bazaruto": DemoFleet(2, "bazaruto-web", 73),
    "gateway": DemoFleet(3, "envoy", 12),
}

# seconds into the incident (see incidents.PHASES: saturation 28-56, recovery 56-80)
PROBES_FAIL = 14.0  # readiness probes start timing out while latency climbs
FIRST_OOM = 33.0  # replica 1 is OOMKilled once
SECOND_OOM = 38.0  # replica 0 is OOMKilled, then again and again: CrashLoopBackOff
LOOP_FROM = 44.0
RESTART_AT = 57.0  # someone runs `kubectl rollout restart`: the new ReplicaSet comes up
STEP = 7.0  # one new replica becomes available every STEP seconds of the rollout


def demo_target(name: str, vars: Mapping[str, str]) -> KubernetesTarget | None:
    """The `kubernetes:` entry of a demo service (None for services without a fleet)."""
    if name not in FLEETS:
        return None
    return KubernetesTarget(
        namespace=vars.get("namespace", name),
        selector=f"app={name}",
        context=CONTEXT,
        interval=INTERVAL,
    )


@functools.lru_cache(maxsize=1024)  # names repeat on every tick; hashing them is the cost
def _hash(*parts: object, length: int) -> str:
    digest = hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
    # pod-template hashes and pod suffixes use lowercase consonants and digits
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(
        alphabet[int(digest[i : i + 2], 16) % len(alphabet)] for i in range(0, 2 * length, 2)
    )


def _cycle(service: str, t: float) -> tuple[int, float | None]:
    """(the number of the current incident cycle, seconds into it), or (0, None) for a
    service without incidents. Modulo like the KPIs' envelopes, so both tell one story."""
    start = INCIDENT_START.get(service)
    if start is None:
        return 0, None
    return math.floor((t - start) / INCIDENT_PERIOD) + 1, (t - start) % INCIDENT_PERIOD


@dataclass(frozen=True)
class _Replica:
    """One pod of the story, in simulation seconds."""

    revision: int
    index: int
    created: float
    ready: bool = True
    restarts: int = 0
    last_reason: str | None = None
    last_at: float | None = None
    waiting: str | None = None
    phase: str = "Running"


def _pods_of_revision(
    service: str, fleet: DemoFleet, revision: int, created: float, count: int
) -> list[_Replica]:
    return [_Replica(revision, i, created + 2.0 * i) for i in range(count)]


def _story(service: str, fleet: DemoFleet, t: float) -> tuple[list[_Replica], int, int, bool]:
    """(replicas, current revision, updated replicas, rolling out) at simulation time t."""
    cycles, u = _cycle(service, t)
    start = INCIDENT_START.get(service, 0.0)
    # each incident ends with a restart, so the revision moves on once per cycle
    done = cycles if u is None or u >= RESTART_AT else cycles - 1
    revision = fleet.revision + done
    # the current pods were created by the last rollout; without incidents, long ago
    if u is None:
        born = t - 6 * 3600.0
    else:
        born = start + (done - 1) * INCIDENT_PERIOD + RESTART_AT
    n = fleet.replicas
    if u is None or u < PROBES_FAIL or u >= RESTART_AT + STEP * n + STEP:
        return _pods_of_revision(service, fleet, revision, born, n), revision, n, False
    began = t - u  # simulation time the current incident began
    if u < RESTART_AT:
        pods = _pods_of_revision(service, fleet, revision, born, n)
        if u >= FIRST_OOM and n > 1:
            recovering = u < FIRST_OOM + 6.0
            pods[1] = _replace(
                pods[1],
                restarts=1,
                last_reason="OOMKilled",
                last_at=began + FIRST_OOM,
                ready=not recovering,
            )
        if u >= SECOND_OOM:
            kills = 1 + int(max(0.0, u - LOOP_FROM) // 4.0) + (1 if u >= LOOP_FROM else 0)
            looping = u >= LOOP_FROM
            last = began + (SECOND_OOM if kills == 1 else LOOP_FROM + 4.0 * (kills - 2))
            pods[0] = _replace(
                pods[0],
                restarts=kills,
                last_reason="OOMKilled",
                last_at=min(last, t),
                ready=False if looping else u >= SECOND_OOM + 6.0,
                waiting="CrashLoopBackOff" if looping else None,
            )
        return pods, revision, n, False
    # recovery: new pods of the next revision come up one by one, old ones go
    new_rev = revision
    old = _story(service, fleet, began + RESTART_AT - 0.5)[0]
    progress = u - RESTART_AT
    up = min(n, int(progress // STEP) + 1)  # new pods created so far
    new = []
    for i in range(up):
        created = began + RESTART_AT + STEP * i
        ready = t - created >= STEP - 1.0
        new.append(
            _Replica(
                new_rev,
                i,
                created,
                ready=ready,
                phase="Running" if t - created >= 2.0 else "Pending",
                waiting=None if t - created >= 2.0 else "ContainerCreating",
            )
        )
    available_new = sum(1 for p in new if p.ready)
    keep_old = max(0, n - available_new)
    # the crash-looping pod is the first one the rollout removes
    old_sorted = sorted(old, key=lambda p: (p.waiting is None, -p.restarts))
    survivors = old_sorted[len(old) - keep_old :] if keep_old else []
    return survivors + new, new_rev, up, True


def _replace(replica: _Replica, **changes: object) -> _Replica:
    from dataclasses import replace

    return replace(replica, **changes)  # type: ignore[arg-type]


def _pod_record(
    service: str, namespace: str, fleet: DemoFleet, r: _Replica, to_wall: Callable[[float], float]
) -> PodRecord:
    rs_hash = _hash(service, r.revision, length=10)
    name = f"{service}-{rs_hash}-{_hash(service, r.revision, r.index, length=5)}"
    state = "waiting" if r.waiting else "running"
    last_at = None if r.last_at is None else to_wall(r.last_at)
    container = ContainerRecord(
        name=fleet.container,
        ready=r.ready,
        restarts=r.restarts,
        state=state,
        waiting_reason=r.waiting,
        last_reason=r.last_reason,
        last_exit_code=137 if r.last_reason == "OOMKilled" else None,
        last_finished_at=last_at,
        restarts_1h=r.restarts,
    )
    return PodRecord(
        name=name,
        namespace=namespace,
        phase=r.phase,
        ready=1 if r.ready else 0,
        total=1,
        restarts=r.restarts,
        restarts_1h=r.restarts,
        last_reason=r.last_reason,
        last_terminated_at=last_at,
        waiting_reason=r.waiting,
        created_at=to_wall(r.created),
        node=NODES[(r.index + r.revision) % len(NODES)],
        owner_kind="Deployment",
        owner_name=service,
        containers=(container,),
        labels=(("app", service),),
    )


def _events(
    service: str,
    pods: Sequence[PodRecord],
    u: float | None,
    t: float,
    to_wall: Callable[[float], float],
) -> tuple[EventRecord, ...]:
    """Warning events of the current incident, newest first."""
    if u is None or u < PROBES_FAIL:
        return ()
    began = t - u
    found: list[EventRecord] = []
    unready = next((p for p in pods if p.restarts or not p.is_ready), pods[0] if pods else None)
    if unready is not None and u < RESTART_AT + STEP:
        seen = min(u, RESTART_AT) - PROBES_FAIL
        found.append(
            EventRecord(
                "Unhealthy",
                'Readiness probe failed: Get "http://10.244.1.17:8080/health/ready": '
                "context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                1 + int(seen // 3),
                to_wall(began + PROBES_FAIL + seen),
                "Pod",
                unready.name,
            )
        )
    looping = next((p for p in pods if p.crash_looping), None)
    if looping is not None:
        found.append(
            EventRecord(
                "BackOff",
                f"Back-off restarting failed container {looping.containers[0].name} "
                f"in pod {looping.name}",
                1 + int((u - LOOP_FROM) // 2),
                to_wall(t - 1.0),
                "Pod",
                looping.name,
            )
        )
    if u >= RESTART_AT and u < RESTART_AT + STEP * 2:
        new = [p for p in pods if not p.is_ready and not p.restarts]
        if new:
            found.append(
                EventRecord(
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503",
                    2,
                    to_wall(t - 0.5),
                    "Pod",
                    new[-1].name,
                )
            )
    return tuple(sorted(found, key=lambda e: -(e.last_seen or 0.0)))


def demo_workloads(service: str, namespace: str, sim_t: float, now: float) -> Workloads:
    """The demo service's pods, its Deployment and warnings at simulation time `sim_t`."""
    fleet = FLEETS[service]

    def to_wall(sim: float) -> float:
        return now - (sim_t - sim)

    replicas, revision, updated, rolling = _story(service, fleet, sim_t)
    pods = [_pod_record(service, namespace, fleet, r, to_wall) for r in replicas]
    ready = sum(1 for p in pods if p.is_ready)
    deployment = WorkloadRecord(
        kind="Deployment",
        name=service,
        namespace=namespace,
        desired=fleet.replicas,
        ready=ready,
        updated=updated,
        available=min(ready, fleet.replicas),
        unavailable=max(0, fleet.replicas - ready),
        generation=revision,
        observed_generation=revision,
        rolling_out=rolling,
        rollout_note=(
            f"{updated} of {fleet.replicas} updated replicas, waiting for them to be available"
            if rolling
            else ""
        ),
        revision=str(revision),
    )
    # the worst first, as an on-call engineer reads them: crash loops, then not ready
    pods.sort(key=lambda p: (p.healthy, not p.crash_looping, p.is_ready, p.name))
    status, reason = judge(pods, [deployment], 0, now)
    _, u = _cycle(service, sim_t)
    return Workloads(
        service=service,
        context=CONTEXT,
        namespace=namespace,
        selector=f"app={service}",
        fetched_at=now,
        status=status,
        reason=reason,
        pods=tuple(pods),
        deployments=(deployment,),
        events=_events(service, pods, u, sim_t, to_wall),
    )


class _WorkloadsRun(JobRun):
    def __init__(
        self,
        service: Service,
        target: KubernetesTarget,
        sim_time: Callable[[float], float],
        clock: Callable[[], float],
    ) -> None:
        self._service = service
        self._target = target
        self._sim_time = sim_time
        self._clock = clock

    async def __call__(self) -> Sequence[Observation]:
        now = self._clock()
        workloads = demo_workloads(
            self._service.name, self._target.namespace, self._sim_time(now), now
        )
        check = CheckId(self._service.name, CheckKind.KUBERNETES, "workloads")
        reading = Reading(
            at=now, value=float(workloads.pods_ready), status=workloads.status, detail=workloads
        )
        return [Observation(check, reading)]


def workload_jobs(
    services: Sequence[Service],
    sim_time: Callable[[float], float],
    clock: Callable[[], float],
    source: str = "demo",
) -> list[Job]:
    """One job per demo service with a `kubernetes:` target and a simulated fleet."""
    jobs = []
    for service in services:
        target = service.kubernetes
        if target is None or service.name not in FLEETS:
            continue
        jobs.append(
            Job(
                key=f"kubernetes:demo:{service.name}",
                interval=target.interval,
                run=_WorkloadsRun(service, target, sim_time, clock),
                checks=(CheckId(service.name, CheckKind.KUBERNETES, "workloads"),),
                timeout=JOB_TIMEOUT,
                source=source,
            )
        )
    return jobs
