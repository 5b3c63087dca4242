"""API JSON -> records and verdicts, on the fake API server's objects (no server needed)."""

from __future__ import annotations

from dataclasses import replace

from servers.fake_kube import NOW, container, deployment, owner, pod, scenario

from oncall_tui.config.model import KubernetesTarget
from oncall_tui.sources.kubernetes.read import NamespaceLists, parse_time, read_workloads
from oncall_tui.sources.kubernetes.records import PodRecord, WorkloadRecord
from oncall_tui.sources.kubernetes.restarts import RestartTracker, restarts_in_window
from oncall_tui.sources.kubernetes.selector import parse_selector
from oncall_tui.sources.kubernetes.verdict import judge
from oncall_tui.status import Status


def lists(ns: str, objects: dict | None = None) -> NamespaceLists:
    return NamespaceLists(**(objects or scenario())[ns])


def read(ns: str, selector: str, restart_warn: int = 0, objects: dict | None = None, **kw):
    target = KubernetesTarget(ns, selector, context="prod", restart_warn=restart_warn)
    return read_workloads(ns, target, parse_selector(selector), lists(ns, objects), NOW, **kw)


def test_timestamps_are_read_as_utc_epoch_seconds() -> None:
    assert parse_time("2024-05-01T10:00:00Z") == NOW
    assert parse_time("2024-05-01T10:00:00.500000Z") == NOW + 0.5
    assert parse_time("not a time") is None and parse_time(None) is None


def test_pods_carry_phase_readiness_restarts_reasons_age_node_and_deployment() -> None:
    w = read("cqar", "app=cqar")
    assert [p.name for p in w.pods] == [
        "cqar-84b5c6d7f9-tq9zw",  # crash-looping first
        "cqar-6d8f7b9c5-k8m2p",  # restarted in the hour next
        "cqar-6d8f7b9c5-x2x7q",
    ]
    crash, oom, fine = w.pods
    assert (crash.phase, crash.ready_text, crash.restarts) == ("Running", "0/1", 4)
    assert crash.waiting_reason == "CrashLoopBackOff" and crash.last_reason == "Error"
    assert crash.restarts_1h == 4  # the pod started within the hour: every restart counts
    assert crash.age(NOW) == 300
    assert (oom.last_reason, oom.restarts, oom.node) == ("OOMKilled", 5, "node-b")
    assert oom.restarts_1h == 1  # older pod, no history yet: the last termination is in the hour
    assert oom.oom_within(NOW) and not fine.oom_within(NOW)
    assert {(p.owner_kind, p.owner_name) for p in w.pods} == {("Deployment", "cqar")}
    assert fine.healthy and not oom.healthy


def test_deployment_mid_rollout_reports_replicas_and_rollout() -> None:
    w = read("cqar", "app=cqar")
    (dep,) = w.deployments
    assert (dep.kind, dep.desired, dep.updated, dep.available, dep.unavailable) == (
        "Deployment", 3, 1, 2, 1
    )  # fmt: skip
    assert dep.rolling_out and "1/3 updated" in dep.rollout_note
    assert dep.revision == "4"


def test_rollout_is_seen_from_an_unobserved_generation() -> None:
    objects = scenario()
    objects["arq"]["deployments"] = [
        deployment("arq", "arq", replicas=2, updated=2, ready=2, available=2, generation=8)
    ]
    (dep,) = read("arq", "app=arq", objects=objects).deployments
    assert dep.rolling_out and dep.rollout_note == "new spec not yet observed"
    assert not read("arq", "app=arq").deployments[0].rolling_out


def test_statefulset_pods_are_owned_by_the_statefulset() -> None:
    w = read("cqar", "app=cqar-db")
    assert [(d.kind, d.name, d.available) for d in w.deployments] == [("StatefulSet", "cqar-db", 1)]
    assert w.pods[0].owner_kind == "StatefulSet"
    assert w.status is Status.OK


def test_only_recent_warning_events_of_the_service_objects_newest_first() -> None:
    w = read("cqar", "app=cqar")
    assert [(e.reason, e.object) for e in w.events] == [
        ("BackOff", "Pod/cqar-84b5c6d7f9-tq9zw"),
        ("FailedCreate", "ReplicaSet/cqar-84b5c6d7f9"),
        ("Unhealthy", "Pod/cqar-84b5c6d7f9-tq9zw"),
    ]  # not: the Normal event, the 2 h old one, the database pod's
    assert w.events[0].count == 12 and w.events[0].last_seen == NOW - 20


def test_crash_loop_is_crit_with_a_reason_naming_it() -> None:
    w = read("cqar", "app=cqar")
    assert w.status is Status.CRIT
    assert w.reason.startswith("2/3 available, CrashLoopBackOff: cqar-84b5c6d7f9-tq9zw")
    assert "5 restarts in 1h (OOMKilled, Error)" in w.reason
    assert w.summary == "2/3 ⟳5"


def test_no_available_replica_is_crit_even_without_a_crash_loop() -> None:
    w = read("bazaruto", "app=bazaruto")
    assert w.status is Status.CRIT
    assert w.reason.startswith("0/2 available")
    assert "ImagePullBackOff: bazaruto-59d7c8f6b4-p0q9r" in w.reason


def test_healthy_two_container_pods_are_ok() -> None:
    w = read("arq", "app=arq")
    assert (w.status, w.reason, w.summary) == (Status.OK, "2/2 available", "2/2")
    assert all(p.ready_text == "2/2" for p in w.pods)


def test_a_selector_matching_nothing_is_nodata() -> None:
    w = read("arq", "app=nothing")
    assert w.status is Status.NODATA and not w.pods and not w.deployments


def _pod(**kw) -> PodRecord:
    base = PodRecord(
        name="p", namespace="ns", phase="Running", ready=1, total=1, restarts=0, restarts_1h=0,
        last_reason=None, last_terminated_at=None, waiting_reason=None, created_at=NOW - 7200,
        node="n", owner_kind="Deployment", owner_name="d",
    )  # fmt: skip
    return replace(base, **kw)


def _dep(desired: int, available: int) -> WorkloadRecord:
    return WorkloadRecord("Deployment", "d", "ns", desired, available, desired, available,
                          desired - available)  # fmt: skip


def test_verdict_ok_when_all_available_and_no_restarts() -> None:
    assert judge([_pod()], [_dep(3, 3)], 0, NOW) == (Status.OK, "3/3 available")


def test_verdict_warn_when_fewer_available_than_desired() -> None:
    assert judge([_pod()], [_dep(3, 2)], 0, NOW) == (Status.WARN, "2/3 available")


def test_verdict_warn_when_restarts_exceed_the_configured_number() -> None:
    pods = [_pod(restarts=3, restarts_1h=3)]
    assert judge(pods, [_dep(1, 1)], 0, NOW) == (Status.WARN, "1/1 available, 3 restarts in 1h")
    assert judge(pods, [_dep(1, 1)], 3, NOW)[0] is Status.OK
    assert judge(pods, [_dep(1, 1)], 2, NOW)[0] is Status.WARN


def test_verdict_warn_on_an_oom_kill_within_the_hour_even_under_the_restart_limit() -> None:
    from oncall_tui.sources.kubernetes.records import ContainerRecord

    oom = ContainerRecord("c", True, 1, "running", last_reason="OOMKilled",
                          last_finished_at=NOW - 1200, restarts_1h=1)  # fmt: skip
    status, reason = judge([_pod(restarts_1h=1, containers=(oom,))], [_dep(1, 1)], 5, NOW)
    assert (status, reason) == (Status.WARN, "1/1 available, 1 restart in 1h (OOMKilled)")
    old = replace(oom, last_finished_at=NOW - 7200, restarts_1h=0)
    assert judge([_pod(containers=(old,))], [_dep(1, 1)], 5, NOW)[0] is Status.OK


def test_verdict_crit_when_desired_but_none_available() -> None:
    assert judge([], [_dep(2, 0)], 0, NOW)[0] is Status.CRIT
    assert judge([], [_dep(0, 0)], 0, NOW) == (Status.OK, "0/0 available, scaled to 0")


def test_restarts_in_window_estimates() -> None:
    # started within the hour: all restarts count
    assert restarts_in_window(4, NOW - 30, NOW - 300, None, NOW) == 4
    # older pod, count seen an hour ago
    assert restarts_in_window(9, NOW - 30, NOW - 86_400, 4, NOW) == 5
    # older pod, no history, last termination in the hour: at least one
    assert restarts_in_window(9, NOW - 30, NOW - 86_400, None, NOW) == 1
    assert restarts_in_window(9, NOW - 7200, NOW - 86_400, None, NOW) == 0


def test_restart_tracker_counts_restarts_seen_across_ticks() -> None:
    tracker = RestartTracker()
    objects = scenario()
    first = read("cqar", "app=cqar", objects=objects, tracker=tracker)
    assert first.pod("cqar-6d8f7b9c5-k8m2p").restarts_1h == 1
    objects = scenario()
    restarted = objects["cqar"]["pods"][1]
    restarted["status"]["containerStatuses"] = [
        container("cqar", restarts=8, last=("OOMKilled", 137, NOW - 5))
    ]
    target = KubernetesTarget("cqar", "app=cqar", context="prod")
    later = read_workloads("cqar", target, parse_selector("app=cqar"), lists("cqar", objects),
                           NOW + 60, tracker)  # fmt: skip
    assert later.pod("cqar-6d8f7b9c5-k8m2p").restarts_1h == 3


def test_bare_pods_without_owner_are_judged_by_readiness() -> None:
    objects = scenario()
    objects["arq"] = {
        "pods": [
            pod("debug", "arq", {"app": "dbg"}, [], [container("sh", ready=False)]),
            pod("debug2", "arq", {"app": "dbg"}, owner("Job", "j", "batch/v1"), [container("sh")]),
        ]
    }
    w = read("arq", "app=dbg", objects=objects)
    assert not w.deployments
    assert (w.status, w.reason) == (Status.WARN, "1/2 pods ready")
    assert w.pod("debug2").owner_kind == "Job"
