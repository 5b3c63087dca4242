"""The Kubernetes source through the official client against the fake API server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.fake_kube import NOW, TOKEN, FakeKube

from oncall_tui.config.model import KubernetesTarget, Service
from oncall_tui.sources.base import CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.sources.kubernetes import KubernetesSource
from oncall_tui.sources.kubernetes.commands import commands_for
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.status import Status

pytestmark = pytest.mark.integration


def service(name: str, ns: str, selector: str, context: str | None = "prod", **kw) -> Service:
    kw.setdefault("timeout", 20.0)  # a busy machine's first client call must not time out
    target = KubernetesTarget(ns, selector, context=context, **kw)
    return Service(name, name.upper(), "default", kubernetes=target)


async def tick(*services: Service) -> dict[str, Observation]:
    """One run of every job; observations by service name."""
    source = KubernetesSource(services, lambda: NOW)
    try:
        found: dict[str, Observation] = {}
        for job in source.jobs():
            for obs in await job.run():
                found[obs.check.service] = obs
        return found
    finally:
        await source.aclose()


def reading(obs: Observation) -> Workloads:
    assert isinstance(obs.outcome, Reading), obs.outcome
    assert isinstance(obs.outcome.detail, Workloads)
    return obs.outcome.detail


def error(obs: Observation) -> FetchError:
    assert isinstance(obs.outcome, FetchError), obs.outcome
    assert TOKEN not in obs.outcome.message
    return obs.outcome


async def test_workloads_reading_carries_ready_count_verdict_and_records(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    obs = (await tick(service("cqar", "cqar", "app=cqar")))["cqar"]
    assert obs.check.kind is CheckKind.KUBERNETES and obs.check.key == "workloads"
    assert isinstance(obs.outcome, Reading)
    assert obs.outcome.value == 2.0 and obs.outcome.status is Status.CRIT
    assert obs.outcome.at == NOW
    w = reading(obs)
    assert w.reason.startswith("2/3 available, CrashLoopBackOff: cqar-84b5c6d7f9-tq9zw")
    assert w.pods[0].waiting_reason == "CrashLoopBackOff"
    assert w.pods[1].last_reason == "OOMKilled"
    assert w.deployments[0].rolling_out
    assert [e.reason for e in w.events] == ["BackOff", "FailedCreate", "Unhealthy"]


async def test_services_in_one_namespace_share_one_list_call_per_kind(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    found = await tick(
        service("cqar", "cqar", "app=cqar"),
        service("cqar-db", "cqar", "app=cqar-db"),
        service("arq", "arq", "app=arq", context=None),  # the current context: prod
    )
    assert reading(found["cqar-db"]).status is Status.OK
    assert reading(found["arq"]).status is Status.OK
    assert sorted(fake_kube.calls()) == sorted(
        (ns, kind)
        for ns in ("cqar", "arq")
        for kind in ("pods", "deployments", "replicasets", "statefulsets", "events")
    )
    # the events list is narrowed by the server to warnings
    events_query = next(q for ns, k, q in fake_kube.requests if k == "events")
    assert events_query["fieldSelector"] == ["type=Warning"]


async def test_forbidden_is_auth_with_the_rbac_message(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    fake_kube.mode = "forbidden"
    err = error((await tick(service("cqar", "cqar", "app=cqar")))["cqar"])
    assert err.kind is ErrorKind.AUTH and err.http_status == 403
    assert err.message.startswith("RBAC: cannot list pods in namespace 'cqar'")
    assert 'cannot list resource "pods" in API group "" in the namespace "cqar"' in err.message


async def test_forbidden_events_leave_the_rest_readable(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    fake_kube.forbid = {"events"}
    w = reading((await tick(service("cqar", "cqar", "app=cqar")))["cqar"])
    assert w.status is Status.CRIT and not w.events
    assert len(w.problems) == 1 and w.problems[0].startswith("events: RBAC: cannot list events")


async def test_rejected_token_is_auth(fake_kube: FakeKube, kubeconfig: Path) -> None:
    fake_kube.mode = "unauthorized"
    err = error((await tick(service("cqar", "cqar", "app=cqar")))["cqar"])
    assert err.kind is ErrorKind.AUTH and err.http_status == 401
    assert "context 'prod'" in err.message


async def test_unreachable_api_server(fake_kube: FakeKube, kubeconfig: Path) -> None:
    started = time.monotonic()
    err = error((await tick(service("cqar", "cqar", "app=cqar", context="dead")))["cqar"])
    assert err.kind is ErrorKind.UNREACHABLE
    assert "Connection refused" in err.message
    assert time.monotonic() - started < 5


async def test_slow_api_server_is_a_timeout_within_the_targets_timeout(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    svc = service("cqar", "cqar", "app=cqar", timeout=1.0)
    source = KubernetesSource([svc], lambda: NOW)
    (job,) = source.jobs()
    try:
        assert isinstance((await job.run())[0].outcome, Reading)  # warm: client loaded
        fake_kube.mode = "slow"
        started = time.monotonic()
        (obs,) = await job.run()
        elapsed = time.monotonic() - started
    finally:
        await source.aclose()
    assert error(obs).kind is ErrorKind.TIMEOUT
    assert 0.9 <= elapsed < 2.0
    assert job.timeout > 1.0  # the poller's hard limit leaves room for our own message


async def test_a_slow_client_set_up_is_not_taken_for_a_slow_api_server(
    fake_kube: FakeKube, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy bastion the first tick's import of the official client and read of the
    kubeconfig can take longer than the API server's timeout; that is local set-up, bounded
    apart, and the pods are read."""
    from oncall_tui.sources.kubernetes import client

    connect = client.connect

    def slow_connect(context: str | None) -> object:
        time.sleep(1.5)  # longer than the target's 1 s timeout
        return connect(context)

    monkeypatch.setattr(client, "connect", slow_connect)
    svc = service("cqar", "cqar", "app=cqar", timeout=1.0)
    source = KubernetesSource([svc], lambda: NOW)
    (job,) = source.jobs()
    try:
        (obs,) = await job.run()
        assert isinstance(obs.outcome, Reading), obs.outcome
        fake_kube.mode = "slow"  # the answers themselves are still bounded by the timeout
        (obs,) = await job.run()
        assert error(obs).kind is ErrorKind.TIMEOUT
        assert "did not answer within 1 s" in error(obs).message
    finally:
        await source.aclose()


async def test_unknown_context_names_the_available_ones(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    err = error((await tick(service("cqar", "cqar", "app=cqar", context="prd")))["cqar"])
    assert err.kind is ErrorKind.CONFIG
    assert "'prd'" in err.message and "available: prod, staging, dead" in err.message


async def test_missing_kubeconfig_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nowhere"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    err = error((await tick(service("cqar", "cqar", "app=cqar")))["cqar"])
    assert err.kind is ErrorKind.CONFIG and "no kubeconfig" in err.message
    monkeypatch.delenv("KUBECONFIG")  # ~/.kube/config of the hermetic empty HOME
    assert "no kubeconfig" in error((await tick(service("a", "a", "app=a")))["a"]).message


async def test_bad_selector_is_a_config_error_of_that_service_only(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    found = await tick(service("cqar", "cqar", "app=cqar"), service("x", "cqar", "env in (a"))
    assert error(found["x"]).kind is ErrorKind.CONFIG
    assert reading(found["cqar"]).status is Status.CRIT


async def test_odd_context_and_namespace_names_reach_the_api_and_stay_quoted(
    fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd_ctx, odd_ns = "ops; echo pwned", "team a;b"
    fake_kube.copy_namespace("cqar", odd_ns)
    path = fake_kube.write_kubeconfig(tmp_path / "kc", contexts={odd_ctx: odd_ns}, current=None)
    monkeypatch.setenv("KUBECONFIG", str(path))
    w = reading((await tick(service("cqar", odd_ns, "app=cqar", context=odd_ctx)))["cqar"])
    assert len(w.pods) == 3 and (odd_ns, "pods") in fake_kube.calls()
    logs = next(c for c in commands_for(w) if c.key == "logs")
    assert logs.text == (
        "kubectl --context 'ops; echo pwned' -n 'team a;b' logs cqar-84b5c6d7f9-tq9zw"
    )


async def test_no_current_context_and_none_configured_is_a_config_error(
    fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fake_kube.write_kubeconfig(tmp_path / "kc", current=None)
    monkeypatch.setenv("KUBECONFIG", str(path))
    err = error((await tick(service("cqar", "cqar", "app=cqar", context=None)))["cqar"])
    assert err.kind is ErrorKind.CONFIG and "no current-context" in err.message


def test_one_job_per_context_and_namespace() -> None:
    source = KubernetesSource(
        [
            service("a", "cqar", "app=a", interval=30.0),
            service("b", "cqar", "app=b", interval=10.0),
            service("c", "arq", "app=c"),
            Service("plain", "P", "default"),
        ],
        time.time,
    )
    jobs = {j.key: j for j in source.jobs()}
    assert set(jobs) == {"kubernetes:prod:cqar", "kubernetes:prod:arq"}
    assert jobs["kubernetes:prod:cqar"].interval == 10.0
    assert [c.service for c in jobs["kubernetes:prod:cqar"].checks] == ["a", "b"]
    assert all(j.source == "kubernetes" for j in jobs.values())


def test_importing_the_source_does_not_import_the_kubernetes_client() -> None:
    code = (
        "import sys, oncall_tui.sources.kubernetes, oncall_tui.sources.registry\n"
        "from oncall_tui.sources.kubernetes import KubernetesSource\n"
        "from oncall_tui.config.model import Service, KubernetesTarget\n"
        "s = KubernetesSource([Service('a','A','d',kubernetes=KubernetesTarget('n','app=a'))],"
        " lambda: 0.0)\n"
        "s.jobs()\n"
        "print('kubernetes' in sys.modules, 'urllib3' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "False"]
