"""Runbook placeholder values from a service's workloads: `{{ pod }}`, `{{ deployment }}`, ...

The values are raw names from outside (the API, the kubeconfig): the runbook filler
shell-quotes them when it substitutes them into a command.
"""

from __future__ import annotations

from oncall_tui.sources.kubernetes.records import PodRecord, Workloads


def placeholder_values(
    workloads: Workloads, focused_pod: PodRecord | str | None = None
) -> dict[str, str]:
    """pod, deployment (or statefulset), workload (`deployment/x`), namespace, context, selector.

    The pod is the focused one, else the first unhealthy one, else the first; a key is left
    out when nothing fills it (no context configured, no pods), so the runbook shows it unfilled.
    """
    values = {"namespace": workloads.namespace, "selector": workloads.selector}
    if workloads.context:
        values["context"] = workloads.context
    if isinstance(focused_pod, str):
        focused_pod = workloads.pod(focused_pod)
    pod = (
        focused_pod
        or workloads.first_unhealthy()
        or (workloads.pods[0] if workloads.pods else None)
    )
    owner = None
    if pod is not None:
        values["pod"] = pod.name
        owner = workloads.owner_of(pod)
        if owner is None and pod.owner_kind in ("Deployment", "StatefulSet") and pod.owner_name:
            values[pod.owner_kind.lower()] = pod.owner_name
            values["workload"] = f"{pod.owner_kind.lower()}/{pod.owner_name}"
    elif workloads.deployments:
        owner = workloads.deployments[0]
    if owner is not None:
        values[owner.kind.lower()] = owner.name
        values["workload"] = owner.ref
    return values
