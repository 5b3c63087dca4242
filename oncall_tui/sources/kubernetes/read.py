"""API objects (the JSON of pods, ReplicaSets, Deployments, StatefulSets, events) -> records.

The source asks the client for raw JSON rather than the client's model objects: the JSON is
what `tests/servers/fake_kube.py` serves and what `kubectl get -o json` shows, and skipping the
client's deserializer keeps large pod lists cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oncall_tui.config.model import KubernetesTarget
from oncall_tui.sources.kubernetes.records import (
    HOUR,
    ContainerRecord,
    EventRecord,
    PodRecord,
    WorkloadRecord,
    Workloads,
)
from oncall_tui.sources.kubernetes.restarts import RestartTracker, restarts_in_window
from oncall_tui.sources.kubernetes.selector import Selector
from oncall_tui.sources.kubernetes.verdict import judge
from oncall_tui.sources.timestamps import parse_time

Obj = Mapping[str, Any]
MAX_EVENTS = 20
_REVISION = "deployment.kubernetes.io/revision"


@dataclass(frozen=True)
class NamespaceLists:
    """The `items` of one tick's list calls in one (context, namespace)."""

    pods: Sequence[Obj] = ()
    deployments: Sequence[Obj] = ()
    replicasets: Sequence[Obj] = ()
    statefulsets: Sequence[Obj] = ()
    events: Sequence[Obj] = ()
    problems: tuple[str, ...] = field(default=())  # kinds that could not be listed, and why


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _controller(obj: Obj) -> tuple[str, str] | None:
    refs = _meta(obj).get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return None if ref is None else (str(ref.get("kind", "")), str(ref.get("name", "")))


def pod_key(obj: Obj) -> str:
    """The restart tracker's key of a pod: its uid, which changes when the pod is replaced."""
    meta = _meta(obj)
    return str(meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}")


def replicaset_owners(replicasets: Sequence[Obj]) -> dict[str, str]:
    """ReplicaSet name -> the name of the Deployment that controls it."""
    owners: dict[str, str] = {}
    for rs in replicasets:
        owner = _controller(rs)
        if owner is not None and owner[0] == "Deployment":
            owners[str(_meta(rs).get("name", ""))] = owner[1]
    return owners


def container_record(
    status: Obj,
    *,
    init: bool,
    pod_key: str,
    started_at: float | None,
    now: float,
    tracker: RestartTracker | None,
) -> ContainerRecord:
    name = str(status.get("name", ""))
    state = status.get("state") or {}
    kind = next((k for k in ("running", "waiting", "terminated") if k in state), "unknown")
    waiting = (state.get("waiting") or {}).get("reason")
    last = (status.get("lastState") or {}).get("terminated") or {}
    finished = parse_time(last.get("finishedAt"))
    count = int(status.get("restartCount") or 0)
    key = (pod_key, name)
    baseline = tracker.baseline(key, now) if tracker is not None else None
    if tracker is not None:
        tracker.observe(key, now, count)
    return ContainerRecord(
        name=name,
        ready=bool(status.get("ready")),
        restarts=count,
        state=kind,
        waiting_reason=str(waiting) if waiting else None,
        last_reason=str(last["reason"]) if last.get("reason") else None,
        last_exit_code=int(last["exitCode"]) if last.get("exitCode") is not None else None,
        last_finished_at=finished,
        restarts_1h=restarts_in_window(count, finished, started_at, baseline, now),
        init=init,
    )


def pod_record(
    obj: Obj, now: float, rs_owners: Mapping[str, str], tracker: RestartTracker | None = None
) -> PodRecord:
    """One pod; `tracker` (when given) learns its restart counts for the next tick's estimate."""
    meta = _meta(obj)
    status = obj.get("status") or {}
    name = str(meta.get("name", ""))
    namespace = str(meta.get("namespace", ""))
    key = pod_key(obj)
    started_at = parse_time(status.get("startTime"))

    def read(statuses: Sequence[Obj], init: bool) -> list[ContainerRecord]:
        return [
            container_record(
                s, init=init, pod_key=key, started_at=started_at, now=now, tracker=tracker
            )
            for s in statuses
        ]

    regular = read(status.get("containerStatuses") or [], init=False)
    init = read(status.get("initContainerStatuses") or [], init=True)
    total = len(regular) or len((obj.get("spec") or {}).get("containers") or [])
    containers = tuple(regular + init)
    waiting = sorted(
        (c for c in containers if c.waiting_reason and c.waiting_reason != "ContainerCreating"),
        key=lambda c: c.waiting_reason != "CrashLoopBackOff",
    )
    waiting_reason = None
    if waiting:
        waiting_reason = ("Init:" if waiting[0].init else "") + str(waiting[0].waiting_reason)
    terminated = [c for c in containers if c.last_finished_at is not None]
    newest = max(terminated, key=lambda c: c.last_finished_at or 0.0, default=None)

    owner = _controller(obj)
    owner_kind = owner_name = None
    if owner is not None:
        owner_kind, owner_name = owner
        if owner_kind == "ReplicaSet" and owner_name in rs_owners:
            owner_kind, owner_name = "Deployment", rs_owners[owner_name]
    return PodRecord(
        name=name,
        namespace=namespace,
        phase=str(status.get("phase") or "Unknown"),
        ready=sum(1 for c in regular if c.ready),
        total=total,
        restarts=sum(c.restarts for c in regular),
        restarts_1h=sum(c.restarts_1h for c in containers),
        last_reason=newest.last_reason if newest else None,
        last_terminated_at=newest.last_finished_at if newest else None,
        waiting_reason=waiting_reason,
        created_at=parse_time(meta.get("creationTimestamp")),
        node=(obj.get("spec") or {}).get("nodeName"),
        owner_kind=owner_kind,
        owner_name=owner_name,
        containers=containers,
        labels=tuple(sorted((meta.get("labels") or {}).items())),
        deleting=meta.get("deletionTimestamp") is not None,
    )


def deployment_record(obj: Obj, replicasets: Sequence[Obj]) -> WorkloadRecord:
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    name = str(meta.get("name", ""))
    desired = int(spec.get("replicas", 1))
    total = int(st.get("replicas") or 0)
    updated = int(st.get("updatedReplicas") or 0)
    available = int(st.get("availableReplicas") or 0)
    unavailable = int(st.get("unavailableReplicas") or 0)
    generation = int(meta.get("generation") or 0)
    observed = int(st.get("observedGeneration") or 0)
    owned_active = [
        rs
        for rs in replicasets
        if _controller(rs) == ("Deployment", name)
        and int((rs.get("status") or {}).get("replicas") or 0) > 0
    ]
    notes: list[str] = []
    if observed < generation:
        notes.append("new spec not yet observed")
    if updated < desired:
        notes.append(f"{updated}/{desired} updated")
    if total > updated:
        notes.append(f"{total - updated} old pods")
    elif unavailable > 0 and len(owned_active) > 1:
        notes.append("old ReplicaSet still running")
    rolling_out = bool(notes)
    for cond in st.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            notes.append("progress deadline exceeded")
    if spec.get("paused"):
        notes.append("paused")
    return WorkloadRecord(
        kind="Deployment",
        name=name,
        namespace=str(meta.get("namespace", "")),
        desired=desired,
        ready=int(st.get("readyReplicas") or 0),
        updated=updated,
        available=available,
        unavailable=unavailable,
        generation=generation,
        observed_generation=observed,
        rolling_out=rolling_out,
        rollout_note=", ".join(notes),
        revision=(meta.get("annotations") or {}).get(_REVISION),
    )


def statefulset_record(obj: Obj) -> WorkloadRecord:
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(st.get("readyReplicas") or 0)
    # availableReplicas is absent before Kubernetes 1.22; ready is the closest older measure
    available = int(st.get("availableReplicas", ready) or 0)
    updated = int(st.get("updatedReplicas") or 0)
    generation = int(meta.get("generation") or 0)
    observed = int(st.get("observedGeneration") or 0)
    current, update = st.get("currentRevision"), st.get("updateRevision")
    notes: list[str] = []
    if observed < generation:
        notes.append("new spec not yet observed")
    if update and current and update != current:
        notes.append(f"{updated}/{desired} updated")
    elif updated < desired and update:
        notes.append(f"{updated}/{desired} updated")
    return WorkloadRecord(
        kind="StatefulSet",
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        desired=desired,
        ready=ready,
        updated=updated,
        available=available,
        unavailable=max(0, desired - available),
        generation=generation,
        observed_generation=observed,
        rolling_out=bool(notes),
        rollout_note=", ".join(notes),
        revision=update,
    )


def event_record(obj: Obj) -> EventRecord:
    meta = _meta(obj)
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    series = obj.get("series") or {}
    last_seen = next(
        (
            t
            for t in (
                parse_time(series.get("lastObservedTime")),
                parse_time(obj.get("lastTimestamp")),
                parse_time(obj.get("eventTime")),
                parse_time(obj.get("firstTimestamp")),
                parse_time(meta.get("creationTimestamp")),
            )
            if t is not None
        ),
        None,
    )
    return EventRecord(
        reason=str(obj.get("reason") or ""),
        message=str(obj.get("message") or obj.get("note") or "").strip(),
        count=int(obj.get("count") or series.get("count") or 1),
        last_seen=last_seen,
        object_kind=str(involved.get("kind") or ""),
        object_name=str(involved.get("name") or ""),
        type=str(obj.get("type") or ""),
    )


def _pod_order(pod: PodRecord) -> tuple[bool, bool, bool, int, str]:
    return (
        not pod.crash_looping,
        pod.is_ready,
        pod.waiting_reason is None,
        -pod.restarts_1h,
        pod.name,
    )


def read_workloads(
    service: str,
    target: KubernetesTarget,
    selector: Selector,
    lists: NamespaceLists,
    now: float,
    tracker: RestartTracker | None = None,
) -> Workloads:
    """The service's slice of one namespace's lists, judged."""
    rs_owners = replicaset_owners(lists.replicasets)
    pods = sorted(
        (
            pod_record(p, now, rs_owners, tracker)
            for p in lists.pods
            if selector.matches((_meta(p).get("labels") or {}))
        ),
        key=_pod_order,
    )
    owners = {(p.owner_kind, p.owner_name) for p in pods}

    def wanted(kind: str, obj: Obj) -> bool:
        if (kind, _meta(obj).get("name")) in owners:
            return True
        # a workload whose pods cannot start still counts: its pod template carries the labels
        template = ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}
        return bool(selector.requirements) and selector.matches(template.get("labels") or {})

    workloads = [
        deployment_record(d, lists.replicasets)
        for d in lists.deployments
        if wanted("Deployment", d)
    ] + [statefulset_record(s) for s in lists.statefulsets if wanted("StatefulSet", s)]
    workloads.sort(key=lambda w: (w.kind, w.name))

    objects = {("Pod", p.name) for p in pods} | {(w.kind, w.name) for w in workloads}
    deployments = {w.name for w in workloads if w.kind == "Deployment"}
    objects |= {("ReplicaSet", rs) for rs, dep in rs_owners.items() if dep in deployments}
    events = [
        e
        for e in (event_record(o) for o in lists.events)
        if e.type == "Warning"
        and (e.object_kind, e.object_name) in objects
        and (e.last_seen is None or now - e.last_seen <= HOUR)
    ]
    events.sort(key=lambda e: -(e.last_seen or 0.0))
    status, reason = judge(pods, workloads, target.restart_warn, now)
    return Workloads(
        service=service,
        context=target.context,
        namespace=target.namespace,
        selector=target.selector,
        fetched_at=now,
        status=status,
        reason=reason,
        pods=tuple(pods),
        deployments=tuple(workloads),
        events=tuple(events[:MAX_EVENTS]),
        problems=lists.problems,
    )
