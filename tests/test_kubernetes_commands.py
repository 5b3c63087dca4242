"""kubectl commands and runbook placeholder values built from workload records. Pure."""

from __future__ import annotations

import shlex

from servers.fake_kube import NOW, scenario

from oncall_tui.config.model import KubernetesTarget
from oncall_tui.sources.kubernetes.commands import commands_for, pod_commands
from oncall_tui.sources.kubernetes.placeholders import placeholder_values
from oncall_tui.sources.kubernetes.read import NamespaceLists, read_workloads
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.sources.kubernetes.selector import parse_selector


def workloads(ns: str, selector: str, context: str | None = "prod") -> Workloads:
    target = KubernetesTarget(ns, selector, context=context)
    return read_workloads(
        ns, target, parse_selector(selector), NamespaceLists(**scenario()[ns]), NOW
    )


def texts(w: Workloads, pod=None) -> dict[str, str]:
    return {c.key: c.text for c in commands_for(w, pod)}


def test_commands_for_the_first_unhealthy_pod_and_its_deployment() -> None:
    cmds = texts(workloads("cqar", "app=cqar"))
    pod = "cqar-84b5c6d7f9-tq9zw"
    assert cmds["logs"] == f"kubectl --context prod -n cqar logs {pod}"
    assert cmds["logs-previous"] == f"kubectl --context prod -n cqar logs {pod} --previous"
    assert cmds["describe"] == f"kubectl --context prod -n cqar describe pod {pod}"
    assert cmds["exec"] == f"kubectl --context prod -n cqar exec -it {pod} -- sh"
    assert cmds["rollout-status"] == "kubectl --context prod -n cqar rollout status deployment/cqar"
    assert (
        cmds["rollout-restart"] == "kubectl --context prod -n cqar rollout restart deployment/cqar"
    )
    assert cmds["rollout-undo"] == "kubectl --context prod -n cqar rollout undo deployment/cqar"
    assert cmds["get-pods"] == "kubectl --context prod -n cqar get pods -l app=cqar -o wide"


def test_only_restart_and_undo_are_marked_as_changing_the_cluster() -> None:
    marked = {c.key for c in commands_for(workloads("cqar", "app=cqar")) if c.mutating}
    assert marked == {"rollout-restart", "rollout-undo"}


def test_several_containers_get_a_container_flag() -> None:
    w = workloads("arq", "app=arq")
    cmds = {c.key: c.argv for c in pod_commands(w.pods[0], w.context, w.namespace)}
    assert cmds["logs"][-2:] == ("-c", "arq")
    assert cmds["exec"][-4:] == ("-c", "arq", "--", "sh")


def test_statefulset_pods_get_statefulset_rollouts() -> None:
    cmds = texts(workloads("cqar", "app=cqar-db"))
    assert cmds["rollout-restart"].endswith("rollout restart statefulset/cqar-db")


def test_context_is_left_out_when_none_is_configured() -> None:
    cmds = texts(workloads("arq", "app=arq", context=None))
    assert cmds["describe"].startswith("kubectl -n arq describe pod ")


def test_odd_context_namespace_and_selector_stay_quoted() -> None:
    w = workloads("arq", "app=arq", context="ops; rm -rf ~")
    w = Workloads(**{**w.__dict__, "namespace": "team a", "selector": "app in (arq, x)"})
    for cmd in commands_for(w):
        assert shlex.split(cmd.text) == list(cmd.argv)  # the shell sees exactly the argv
        assert "--context 'ops; rm -rf ~'" in cmd.text
        assert "-n 'team a'" in cmd.text
    assert "-l 'app in (arq, x)'" in texts(w)["get-pods"]


def test_placeholders_from_the_first_unhealthy_pod() -> None:
    values = placeholder_values(workloads("cqar", "app=cqar"))
    assert values == {
        "pod": "cqar-84b5c6d7f9-tq9zw",
        "deployment": "cqar",
        "workload": "deployment/cqar",
        "namespace": "cqar",
        "context": "prod",
        "selector": "app=cqar",
    }


def test_placeholders_from_the_focused_pod_by_record_or_name() -> None:
    w = workloads("cqar", "app=cqar")
    assert placeholder_values(w, "cqar-6d8f7b9c5-x2x7q")["pod"] == "cqar-6d8f7b9c5-x2x7q"
    assert placeholder_values(w, w.pods[1])["pod"] == w.pods[1].name


def test_placeholders_leave_out_what_nothing_fills() -> None:
    healthy = placeholder_values(workloads("arq", "app=arq", context=None))
    assert "context" not in healthy
    assert healthy["pod"] == "arq-7f9c8d6b5-a1b2c"  # all healthy: the first pod
    empty = placeholder_values(workloads("arq", "app=nothing"))
    assert "pod" not in empty and "deployment" not in empty
    db = placeholder_values(workloads("cqar", "app=cqar-db"))
    assert db["statefulset"] == "cqar-db" and "deployment" not in db


def test_json_has_status_pods_deployments_and_events() -> None:
    data = workloads("cqar", "app=cqar").as_json()
    assert data["status"] == "crit"
    assert [p["name"] for p in data["pods"]][0] == "cqar-84b5c6d7f9-tq9zw"
    assert data["pods"][0]["reason"] == "CrashLoopBackOff"
    assert data["pods"][1]["last_termination"] == "OOMKilled"
    assert data["deployments"][0] == {
        "kind": "Deployment", "name": "cqar", "desired": 3, "ready": 2, "updated": 1,
        "available": 2, "rolling_out": True, "rollout_note": "1/3 updated, 2 old pods",
    }  # fmt: skip
    assert data["events"][0]["reason"] == "BackOff"
    assert data["events"][0]["last_seen_seconds_ago"] == 20
    import json

    json.dumps(data)  # serialisable as is
