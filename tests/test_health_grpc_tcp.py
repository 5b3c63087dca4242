"""gRPC and TCP probes against real servers on loopback, and the grpc extra missing."""

from __future__ import annotations

import builtins
import contextlib
import socket
import time
from pathlib import Path

import pytest
import pytest_asyncio
from servers.health import GrpcHealthServer
from servers.tls import self_signed_certificate

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Secret, TLSConfig
from oncall_tui.sources.base import ErrorKind
from oncall_tui.sources.health.grpc_probe import probe_grpc
from oncall_tui.sources.health.tcp_probe import probe_tcp
from oncall_tui.status import Status

pytestmark = pytest.mark.integration


def grpc_probe(target: str, service: str = "", timeout: float = 1.0) -> HealthProbe:
    return HealthProbe(
        name="grpc",
        kind=ProbeKind.GRPC,
        target=target,
        grpc_service=service,
        http=HttpOptions(timeout=timeout),
    )


def tcp_probe(target: str, timeout: float = 1.0, **kwargs: object) -> HealthProbe:
    return HealthProbe(
        name="db", kind=ProbeKind.TCP, target=target, http=HttpOptions(timeout=timeout), **kwargs
    )  # type: ignore[arg-type]


async def test_grpc_probe_follows_the_server_between_serving_and_not_serving(health_grpc_server):
    probe = grpc_probe(health_grpc_server.target)
    serving = await probe_grpc(probe)
    assert serving.status is Status.OK and serving.top_word == "SERVING"
    assert serving.latency is not None and serving.latency < 1.0
    await health_grpc_server.set("", "NOT_SERVING")
    down = await probe_grpc(probe)
    assert down.status is Status.CRIT and down.top_word == "NOT_SERVING"
    assert down.reason == "status NOT_SERVING" and down.error is None
    await health_grpc_server.set("", "SERVING")
    assert (await probe_grpc(probe)).status is Status.OK


async def test_grpc_probe_asks_about_the_named_service(health_grpc_server):
    await health_grpc_server.set("cqc.services.v1.AssetRegistry", "SERVING")
    await health_grpc_server.set("cqc.services.v1.Admin", "UNKNOWN")
    named = await probe_grpc(grpc_probe(health_grpc_server.target, "cqc.services.v1.AssetRegistry"))
    unknown_word = await probe_grpc(grpc_probe(health_grpc_server.target, "cqc.services.v1.Admin"))
    assert named.status is Status.OK
    assert unknown_word.status is Status.CRIT and unknown_word.top_word == "UNKNOWN"


async def test_grpc_probe_of_a_service_the_server_does_not_know_is_crit(health_grpc_server):
    result = await probe_grpc(grpc_probe(health_grpc_server.target, "no.such.Service"))
    assert result.status is Status.CRIT and result.top_word == "SERVICE_UNKNOWN"
    assert result.as_json()["word"] == "SERVICE_UNKNOWN"


async def test_grpc_probe_of_a_port_with_no_grpc_server_is_crit_in_bounded_time(
    health_silent_port, health_closed_port
):
    started = time.perf_counter()
    silent = await probe_grpc(grpc_probe(f"127.0.0.1:{health_silent_port}", timeout=0.5))
    assert time.perf_counter() - started < 1.0
    assert silent.status is Status.CRIT and silent.error is not None
    assert silent.error.kind in (ErrorKind.TIMEOUT, ErrorKind.UNREACHABLE)
    started = time.perf_counter()
    refused = await probe_grpc(grpc_probe(f"127.0.0.1:{health_closed_port}", timeout=0.5))
    assert time.perf_counter() - started < 1.0
    assert refused.status is Status.CRIT and refused.error.kind is ErrorKind.UNREACHABLE


async def test_grpc_probe_without_the_grpc_extra_is_a_config_error(monkeypatch):
    real_import = builtins.__import__

    def no_grpc(name, *args, **kwargs):
        if name == "grpc" or name.startswith(("grpc.", "grpc_health")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_grpc)
    result = await probe_grpc(grpc_probe("127.0.0.1:9"))
    assert result.status is Status.ERROR
    assert result.error is not None and result.error.kind is ErrorKind.CONFIG
    assert result.error.message == (
        "gRPC probe 'grpc' needs the grpc extra: pip install 'oncall[grpc]'"
    )


async def test_tcp_probe_to_an_open_port_measures_connect_time(health_http_server):
    result = await probe_tcp(tcp_probe(f"127.0.0.1:{health_http_server.port}"))
    assert result.status is Status.OK and result.error is None
    assert result.latency is not None and 0 < result.latency < 0.5


async def test_tcp_probe_to_a_closed_port_is_crit_refused(health_closed_port):
    result = await probe_tcp(tcp_probe(f"127.0.0.1:{health_closed_port}"))
    assert result.status is Status.CRIT
    assert result.error is not None and result.error.message == "connection refused"


async def test_grpc_probe_sends_headers_and_token_as_metadata_and_honours_status_map(
    health_grpc_server,
):
    await health_grpc_server.set("", "NOT_SERVING")
    probe = HealthProbe(
        name="grpc",
        kind=ProbeKind.GRPC,
        target=health_grpc_server.target,
        http=HttpOptions(
            timeout=2.0, headers={"X-Tenant": "team-a"}, bearer_token=Secret("s3cret-token")
        ),
        status_words={"not_serving": Status.WARN},
    )
    result = await probe_grpc(probe)
    sent = health_grpc_server.metadata[-1]
    assert sent["x-tenant"] == "team-a"
    assert sent["authorization"] == "Bearer s3cret-token"
    assert result.status is Status.WARN  # status_map turned NOT_SERVING into a warning
    assert "s3cret-token" not in repr(result)


@pytest.fixture(scope="module")
def grpc_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("grpc-tls")
    return self_signed_certificate(folder)


@pytest_asyncio.fixture
async def grpc_tls_server(grpc_certificate):
    server = GrpcHealthServer(tls=grpc_certificate)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def tls_probe(target: str, ca_file: Path | None) -> HealthProbe:
    return HealthProbe(
        name="grpc",
        kind=ProbeKind.GRPC,
        target=target,
        grpc_tls=True,
        http=HttpOptions(timeout=2.0, tls=TLSConfig(ca_file=ca_file)),
    )


async def test_grpc_probe_over_tls_trusts_the_configured_ca(grpc_tls_server, grpc_certificate):
    await grpc_tls_server.set("", "SERVING")
    result = await probe_grpc(tls_probe(grpc_tls_server.target, grpc_certificate[0]))
    assert result.status is Status.OK, result.reason
    assert result.top_word == "SERVING"


async def test_grpc_probe_over_tls_refuses_an_untrusted_certificate(grpc_tls_server):
    await grpc_tls_server.set("", "SERVING")
    result = await probe_grpc(tls_probe(grpc_tls_server.target, None))
    assert result.status is Status.CRIT
    assert result.error is not None


async def test_a_plaintext_grpc_probe_to_a_tls_server_is_crit(grpc_tls_server):
    result = await probe_grpc(grpc_probe(grpc_tls_server.target, timeout=2.0))
    assert result.status is Status.CRIT


@pytest.fixture
def full_backlog_port():
    """A loopback port whose accept queue is full: the kernel drops new SYNs, so a connect
    hangs as it would behind a firewall that drops packets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


async def test_tcp_probe_to_a_port_that_never_completes_the_handshake_times_out(
    full_backlog_port,
):
    started = time.perf_counter()
    result = await probe_tcp(tcp_probe(f"127.0.0.1:{full_backlog_port}", timeout=0.5))
    elapsed = time.perf_counter() - started
    assert result.status is Status.CRIT
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert 0.45 <= elapsed < 1.5  # the probe's own timeout, honoured


async def test_tcp_probe_with_a_bad_target_is_a_config_error():
    result = await probe_tcp(tcp_probe("no-port-here"))
    assert result.status is Status.ERROR and result.error.kind is ErrorKind.CONFIG
