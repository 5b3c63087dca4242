"""Copy-ready kubectl commands for a pod and its workload. Pure; nothing here runs them.

The app itself only reads the cluster: restarts and undos are handed to the engineer as text.
Every name is shell-quoted, since contexts and namespaces come from config files.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from oncall_tui.sources.kubernetes.records import PodRecord, WorkloadRecord, Workloads


@dataclass(frozen=True)
class KubeCommand:
    key: str  # stable id: "logs", "logs-previous", "describe", "exec", "rollout-status", ...
    title: str  # "Logs (previous container)"
    argv: tuple[str, ...]
    mutating: bool = False  # changes the cluster when pasted (rollout restart / undo)

    @property
    def text(self) -> str:
        """The command line to paste, every argument shell-quoted where it needs it."""
        return shlex.join(self.argv)


def kubectl(context: str | None, namespace: str, *args: str) -> tuple[str, ...]:
    """`kubectl [--context CTX] -n NS ARGS...`; `--context` only when one is configured."""
    head = ("kubectl", "--context", context) if context else ("kubectl",)
    return (*head, "-n", namespace, *args)


def pod_commands(pod: PodRecord, context: str | None, namespace: str) -> tuple[KubeCommand, ...]:
    """logs, logs --previous, describe, exec into a shell."""
    regular = [c for c in pod.containers if not c.init]
    container: tuple[str, ...] = ()
    focus = pod.focus_container()
    if focus is not None and (len(pod.containers) > 1 or focus.init):
        container = ("-c", focus.name)
    shell_in = focus if focus is not None and not focus.init else (regular[0] if regular else None)
    exec_container = ("-c", shell_in.name) if shell_in is not None and len(regular) > 1 else ()

    def k(*args: str) -> tuple[str, ...]:
        return kubectl(context, namespace, *args)

    return (
        KubeCommand("logs", "Logs", k("logs", pod.name, *container)),
        KubeCommand(
            "logs-previous",
            "Logs of the previous container",
            k("logs", pod.name, *container, "--previous"),
        ),
        KubeCommand("describe", "Describe the pod", k("describe", "pod", pod.name)),
        KubeCommand(
            "exec", "Shell in the pod", k("exec", "-it", pod.name, *exec_container, "--", "sh")
        ),
    )


def workload_commands(
    workload: WorkloadRecord, context: str | None, namespace: str
) -> tuple[KubeCommand, ...]:
    """rollout status (read only), rollout restart and rollout undo (both change the cluster)."""
    ref = workload.ref
    return (
        KubeCommand(
            "rollout-status",
            f"Rollout status of {ref}",
            kubectl(context, namespace, "rollout", "status", ref),
        ),
        KubeCommand(
            "rollout-restart",
            f"Restart {ref}",
            kubectl(context, namespace, "rollout", "restart", ref),
            mutating=True,
        ),
        KubeCommand(
            "rollout-undo",
            f"Roll back {ref}",
            kubectl(context, namespace, "rollout", "undo", ref),
            mutating=True,
        ),
    )


def service_commands(workloads: Workloads) -> tuple[KubeCommand, ...]:
    """What a runbook's first step usually is: the pods of the selector, and their events."""
    ctx, ns = workloads.context, workloads.namespace
    return (
        KubeCommand(
            "get-pods",
            "Pods of the service",
            kubectl(ctx, ns, "get", "pods", "-l", workloads.selector, "-o", "wide"),
        ),
        KubeCommand(
            "events",
            "Warning events",
            kubectl(
                ctx,
                ns,
                "get",
                "events",
                "--field-selector",
                "type=Warning",
                "--sort-by",
                ".lastTimestamp",
            ),
        ),
    )


def commands_for(workloads: Workloads, pod: PodRecord | None = None) -> tuple[KubeCommand, ...]:
    """Every command for the focused pod (default: the first unhealthy, else the first pod),
    then its workload's, then the service's."""
    pod = pod or workloads.first_unhealthy() or (workloads.pods[0] if workloads.pods else None)
    found: list[KubeCommand] = []
    ctx, ns = workloads.context, workloads.namespace
    if pod is not None:
        found.extend(pod_commands(pod, ctx, ns))
        owner = workloads.owner_of(pod)
        if owner is not None:
            found.extend(workload_commands(owner, ctx, ns))
    elif workloads.deployments:
        found.extend(workload_commands(workloads.deployments[0], ctx, ns))
    found.extend(service_commands(workloads))
    return tuple(found)
