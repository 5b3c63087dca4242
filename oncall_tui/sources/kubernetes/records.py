"""Frozen records of what one service runs on Kubernetes: pods, their owners, warning events.

A `Workloads` record is the `Reading.detail` of a service's `kubernetes / workloads` check.
The UI's workloads pane, the overview's pods column, `oncall status` and the runbook
placeholders all read it; nothing in it refers back to the API client.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.status import Status, restart_glyph

HOUR = 3600.0


@dataclass(frozen=True)
class ContainerRecord:
    name: str
    ready: bool
    restarts: int
    state: str  # "running", "waiting", "terminated" or "unknown"
    waiting_reason: str | None = None  # CrashLoopBackOff, ImagePullBackOff, ...
    last_reason: str | None = None  # lastState.terminated.reason: OOMKilled, Error, ...
    last_exit_code: int | None = None
    last_finished_at: float | None = None  # epoch seconds of the last termination
    restarts_1h: int = 0
    init: bool = False  # an init container (not counted in ready x/y)


@dataclass(frozen=True)
class PodRecord:
    name: str
    namespace: str
    phase: str  # Pending, Running, Succeeded, Failed, Unknown
    ready: int  # containers ready
    total: int  # containers
    restarts: int
    restarts_1h: int
    last_reason: str | None  # the newest termination's reason among the containers
    last_terminated_at: float | None
    waiting_reason: str | None  # the first container's waiting reason, worst first
    created_at: float | None
    node: str | None
    owner_kind: str | None  # "Deployment", "StatefulSet", "DaemonSet", "Job", ... or None
    owner_name: str | None  # the workload's name (a Deployment's, not its ReplicaSet's)
    containers: tuple[ContainerRecord, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    deleting: bool = False  # metadata.deletionTimestamp is set

    @property
    def is_ready(self) -> bool:
        return self.phase == "Running" and self.total > 0 and self.ready == self.total

    @property
    def crash_looping(self) -> bool:
        return any(c.waiting_reason == "CrashLoopBackOff" for c in self.containers)

    def oom_within(self, now: float, window: float = HOUR) -> bool:
        return any(
            c.last_reason == "OOMKilled"
            and c.last_finished_at is not None
            and now - c.last_finished_at <= window
            for c in self.containers
        )

    @property
    def healthy(self) -> bool:
        """Ready, not waiting on anything, no restart in the last hour."""
        return self.is_ready and self.waiting_reason is None and self.restarts_1h == 0

    def age(self, now: float) -> float | None:
        return None if self.created_at is None else max(0.0, now - self.created_at)

    @property
    def ready_text(self) -> str:
        return f"{self.ready}/{self.total}"

    @property
    def reason(self) -> str | None:
        """What an on-call engineer reads first: the waiting reason, else the last termination."""
        return self.waiting_reason or self.last_reason

    def focus_container(self) -> ContainerRecord | None:
        """The container worth looking at: waiting, else the most restarted, else the first."""
        if not self.containers:
            return None
        return max(
            self.containers,
            key=lambda c: (c.waiting_reason is not None, not c.ready, c.restarts_1h, c.restarts),
        )


@dataclass(frozen=True)
class WorkloadRecord:
    """A Deployment or StatefulSet that owns pods of the service."""

    kind: str  # "Deployment" or "StatefulSet"
    name: str
    namespace: str
    desired: int
    ready: int
    updated: int
    available: int
    unavailable: int
    generation: int = 0
    observed_generation: int = 0
    rolling_out: bool = False
    rollout_note: str = ""  # why it counts as rolling out, or "progress deadline exceeded"
    revision: str | None = None  # deployment.kubernetes.io/revision, or the updateRevision

    @property
    def ref(self) -> str:
        """`deployment/cqar`: the form kubectl takes."""
        return f"{self.kind.lower()}/{self.name}"


@dataclass(frozen=True)
class EventRecord:
    """A Warning event about one of the service's pods, ReplicaSets or workloads."""

    reason: str
    message: str
    count: int
    last_seen: float | None
    object_kind: str
    object_name: str
    type: str = "Warning"

    @property
    def object(self) -> str:
        return f"{self.object_kind}/{self.object_name}"


@dataclass(frozen=True)
class Workloads:
    """One service's pods, the Deployments/StatefulSets behind them and their warnings."""

    service: str
    context: str | None
    namespace: str
    selector: str
    fetched_at: float
    status: Status
    reason: str  # "2/3 available, 5 restarts in 1h (OOMKilled)"
    pods: tuple[PodRecord, ...] = ()  # unhealthy first, then by name
    deployments: tuple[WorkloadRecord, ...] = ()  # Deployments and StatefulSets (see .kind)
    events: tuple[EventRecord, ...] = ()  # newest first
    problems: tuple[str, ...] = ()  # parts that could not be read (events forbidden, ...)

    @property
    def pods_ready(self) -> int:
        return sum(1 for p in self.pods if p.is_ready)

    @property
    def pods_desired(self) -> int:
        """What the owners ask for; the pod count when no owner was found."""
        if self.deployments:
            return sum(w.desired for w in self.deployments)
        return len(self.pods)

    @property
    def restarts_1h(self) -> int:
        return sum(p.restarts_1h for p in self.pods)

    @property
    def rolling_out(self) -> bool:
        return any(w.rolling_out for w in self.deployments)

    @property
    def summary(self) -> str:
        """The overview's pods column: `3/3`, `2/3 ⟳5` (⟳ = restarts in the last hour; `r`
        with `glyphs: ascii`)."""
        text = f"{self.pods_ready}/{self.pods_desired}"
        return f"{text} {restart_glyph()}{self.restarts_1h}" if self.restarts_1h else text

    @property
    def ascii_summary(self) -> str:
        text = f"{self.pods_ready}/{self.pods_desired}"
        return f"{text} r{self.restarts_1h}" if self.restarts_1h else text

    def pod(self, name: str) -> PodRecord | None:
        return next((p for p in self.pods if p.name == name), None)

    def owner_of(self, pod: PodRecord) -> WorkloadRecord | None:
        return next(
            (w for w in self.deployments if w.kind == pod.owner_kind and w.name == pod.owner_name),
            None,
        )

    def first_unhealthy(self) -> PodRecord | None:
        return next((p for p in self.pods if not p.healthy), None)

    def as_json(self) -> dict[str, object]:
        """The `services.NAME.kubernetes` object of `oncall status --format json`."""
        now = self.fetched_at
        return {
            "status": self.status.value,
            "reason": self.reason,
            "context": self.context,
            "namespace": self.namespace,
            "selector": self.selector,
            "summary": self.ascii_summary,
            "pods": [
                {
                    "name": p.name,
                    "phase": p.phase,
                    "ready": p.ready_text,
                    "restarts": p.restarts,
                    "restarts_1h": p.restarts_1h,
                    "reason": p.reason,
                    "last_termination": p.last_reason,
                    "waiting": p.waiting_reason,
                    "age_seconds": _round(p.age(now)),
                    "node": p.node,
                    "owner": f"{p.owner_kind.lower()}/{p.owner_name}" if p.owner_kind else None,
                }
                for p in self.pods
            ],
            "deployments": [
                {
                    "kind": w.kind,
                    "name": w.name,
                    "desired": w.desired,
                    "ready": w.ready,
                    "updated": w.updated,
                    "available": w.available,
                    "rolling_out": w.rolling_out,
                    "rollout_note": w.rollout_note,
                }
                for w in self.deployments
            ],
            "events": [
                {
                    "reason": e.reason,
                    "message": e.message,
                    "count": e.count,
                    "object": e.object,
                    "last_seen_seconds_ago": _round(
                        None if e.last_seen is None else max(0.0, now - e.last_seen)
                    ),
                }
                for e in self.events
            ],
            "problems": list(self.problems),
        }


def _round(value: float | None) -> int | None:
    return None if value is None else int(value)
