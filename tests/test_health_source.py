"""HealthSource: one job per probe, Readings for answers and silences, errors for misconfig."""

from __future__ import annotations

import builtins
import time

import pytest

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Service
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Reading
from oncall_tui.sources.health import HealthSource, ProbeResult
from oncall_tui.status import Status

pytestmark = pytest.mark.integration

NOT_READY = {"status": "not_ready", "components": {"database": "ok", "cache": "error: refused"}}


def service(name: str, *probes: HealthProbe) -> Service:
    return Service(name=name, title=name, datasource="default", health=probes)


def http(name: str, url: str, timeout: float = 1.0, interval: float = 5.0) -> HealthProbe:
    return HealthProbe(
        name, ProbeKind.HTTP, url, interval=interval, http=HttpOptions(timeout=timeout)
    )


async def test_one_job_per_probe_with_its_interval_timeout_and_check(health_http_server):
    probes = (
        http("live", health_http_server.url("/live"), timeout=2.0, interval=10.0),
        http("ready", health_http_server.url("/ready")),
    )
    source = HealthSource([service("cqar", *probes), service("arq")], clock=lambda: 1000.0)
    jobs = source.jobs()
    assert source.name == "health"
    assert [job.key for job in jobs] == ["health:cqar:live", "health:cqar:ready"]
    assert jobs[0].checks == (CheckId("cqar", CheckKind.HEALTH, "live"),)
    assert jobs[0].checks[0].kind is CheckKind.HEALTH
    assert (jobs[0].interval, jobs[0].timeout, jobs[0].source) == (10.0, 3.0, "health")
    await source.aclose()


async def test_a_run_returns_a_reading_with_latency_verdict_and_probe_result(health_http_server):
    url = health_http_server.answer("/health/ready", status=503, body=NOT_READY)
    source = HealthSource([service("cqar", http("ready", url))], clock=lambda: 1234.5)
    try:
        (observation,) = await source.jobs()[0].run()
    finally:
        await source.aclose()
    assert observation.check == CheckId("cqar", CheckKind.HEALTH, "ready")
    reading = observation.outcome
    assert isinstance(reading, Reading)
    assert reading.at == 1234.5 and reading.status is Status.CRIT
    assert isinstance(reading.detail, ProbeResult)
    assert reading.value == reading.detail.latency and reading.value is not None
    assert reading.detail.components[0].message == "error: refused"


async def test_a_refused_probe_is_still_a_reading_that_says_crit(health_closed_port):
    source = HealthSource(
        [service("cqar", http("live", f"http://127.0.0.1:{health_closed_port}/"))], time.time
    )
    (observation,) = await source.jobs()[0].run()
    await source.aclose()
    assert isinstance(observation.outcome, Reading)
    assert observation.outcome.status is Status.CRIT and observation.outcome.value is None
    assert observation.outcome.detail.error.kind is ErrorKind.UNREACHABLE


async def test_a_missing_grpc_extra_is_a_config_fetch_error(monkeypatch):
    real_import = builtins.__import__

    def no_grpc(name, *args, **kwargs):
        if name == "grpc" or name.startswith(("grpc.", "grpc_health")):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_grpc)
    probe = HealthProbe("grpc", ProbeKind.GRPC, "127.0.0.1:9")
    source = HealthSource([service("cqar", probe)], time.time)
    (observation,) = await source.jobs()[0].run()
    assert isinstance(observation.outcome, FetchError)
    assert observation.outcome.kind is ErrorKind.CONFIG
    assert "pip install 'oncall[grpc]'" in observation.outcome.message


async def test_probes_with_equal_http_options_share_one_client(health_http_server):
    url = health_http_server.answer("/h", body={"status": "ok"})
    other = HealthProbe(
        "x", ProbeKind.HTTP, url, http=HttpOptions(timeout=1.0, headers={"X-Team": "a"})
    )
    source = HealthSource(
        [service("a", http("one", url), http("two", url), other), service("b", http("three", url))],
        time.time,
    )
    for job in source.jobs():
        (observation,) = await job.run()
        assert observation.outcome.status is Status.OK
    assert len(source._clients) == 2
    clients = [client for _, _, client in source._clients]
    await source.aclose()
    assert all(client.is_closed for client in clients)
    assert health_http_server.seen[-2].headers.get("X-Team") == "a"


async def test_grpc_and_tcp_probes_run_through_the_source(health_grpc_server, health_http_server):
    probes = (
        HealthProbe("grpc", ProbeKind.GRPC, health_grpc_server.target),
        HealthProbe("port", ProbeKind.TCP, f"127.0.0.1:{health_http_server.port}"),
    )
    source = HealthSource([service("cqar", *probes)], time.time)
    results = [(await job.run())[0].outcome for job in source.jobs()]
    await source.aclose()
    assert [r.status for r in results] == [Status.OK, Status.OK]
    assert [r.detail.kind for r in results] == [ProbeKind.GRPC, ProbeKind.TCP]
