"""The verdict on a service's workloads, with the short reason shown next to it. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from oncall_tui.sources.kubernetes.records import HOUR, PodRecord, WorkloadRecord
from oncall_tui.status import Status

# Waiting reasons that keep a pod from ever starting; they are warn on their own, because
# during a rollout the old pods keep `available` at `desired` and hide them.
STUCK_REASONS = frozenset(
    {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError"}
)


def judge(
    pods: Sequence[PodRecord],
    workloads: Sequence[WorkloadRecord],
    restart_warn: int,
    now: float,
) -> tuple[Status, str]:
    """crit: nothing available, or a pod crash-looping; warn: fewer available than desired,
    restarts in the last hour above `restart_warn`, an OOM kill in the last hour, or a pod
    stuck on its image or config; ok otherwise. nodata when the selector matches nothing."""
    if not pods and not workloads:
        return Status.NODATA, "no pods or workloads match the selector"
    crit: list[str] = []
    warn: list[str] = []
    parts: list[str] = []

    if workloads:
        desired = sum(w.desired for w in workloads)
        available = sum(w.available for w in workloads)
        parts.append(f"{available}/{desired} available")
        dead = [w for w in workloads if w.desired > 0 and w.available == 0]
        if dead:
            crit.append("none available")
            if len(workloads) > 1:
                parts.append("none of " + ", ".join(w.ref for w in dead))
        elif any(w.available < w.desired for w in workloads):
            warn.append("below desired")
        if desired == 0:
            parts.append("scaled to 0")
    else:
        ready = sum(1 for p in pods if p.is_ready)
        parts.append(f"{ready}/{len(pods)} pods ready")
        if ready == 0:
            crit.append("no pod ready")
        elif ready < len(pods):
            warn.append("pods not ready")

    looping = [p.name for p in pods if p.crash_looping]
    if looping:
        crit.append("crash loop")
        parts.append(f"CrashLoopBackOff: {_names(looping)}")
    stuck = [p for p in pods if (p.waiting_reason or "").removeprefix("Init:") in STUCK_REASONS]
    if stuck:
        warn.append("stuck")
        parts.append(f"{stuck[0].waiting_reason}: {_names([p.name for p in stuck])}")

    restarts = sum(p.restarts_1h for p in pods)
    reasons = _recent_reasons(pods, now)
    if restarts > restart_warn:
        warn.append("restarts")
    if "OOMKilled" in reasons:
        warn.append("oom")
    if restarts:
        text = f"{restarts} restart{'s' if restarts != 1 else ''} in 1h"
        parts.append(f"{text} ({', '.join(reasons)})" if reasons else text)
    elif reasons:
        parts.append(f"{', '.join(reasons)} in 1h")

    rolling = [w for w in workloads if w.rolling_out]
    if rolling:
        parts.append("rolling out " + ", ".join(w.ref for w in rolling))
    stalled = [w for w in workloads if "progress deadline exceeded" in w.rollout_note]
    if stalled:
        warn.append("rollout stalled")
        parts.append("rollout stalled: " + ", ".join(w.ref for w in stalled))

    status = Status.CRIT if crit else Status.WARN if warn else Status.OK
    return status, ", ".join(parts)


def _recent_reasons(pods: Sequence[PodRecord], now: float) -> list[str]:
    """Distinct termination reasons within the hour, OOMKilled first."""
    found = {
        c.last_reason
        for p in pods
        for c in p.containers
        if c.last_reason and c.last_finished_at is not None and now - c.last_finished_at <= HOUR
    }
    return sorted(found, key=lambda r: (r != "OOMKilled", r))


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
