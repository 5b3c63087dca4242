"""The gRPC probe: the standard `grpc.health.v1.Health/Check`, grpc imported only when used.

A fresh channel each run: a long-lived channel backs off reconnecting (up to minutes) after
the server went away, which would hide a recovery; a health probe wants the truth each time.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from oncall_tui.config.model import HealthProbe, ProbeKind
from oncall_tui.sources.base import ErrorKind, FetchError
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.health.verdict import GRPC_WORDS, failed_result, judge_probe
from oncall_tui.sources.http_client import scrub


def grpc_missing_error(probe_name: str) -> FetchError:
    return FetchError(
        ErrorKind.CONFIG,
        f"gRPC probe '{probe_name}' needs the grpc extra: pip install 'oncall[grpc]'",
    )


def load_grpc() -> tuple[ModuleType, ModuleType, ModuleType] | None:
    """grpc, health_pb2 and health_pb2_grpc, or None when the extra is not installed."""
    try:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc
    except ImportError:
        return None
    return grpc, health_pb2, health_pb2_grpc


async def probe_grpc(probe: HealthProbe) -> ProbeResult:
    """Ask the server at `probe.target` about `probe.grpc_service` ("" = the whole server)."""
    modules = load_grpc()
    if modules is None:
        return _failed(probe, grpc_missing_error(probe.name))
    grpc, health_pb2, health_pb2_grpc = modules
    timeout = probe.http.timeout
    try:
        channel = _channel(grpc, probe)
    except OSError as exc:
        return _failed(probe, FetchError(ErrorKind.CONFIG, f"cannot read TLS files: {exc}"))
    started = time.perf_counter()
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service=probe.grpc_service)
        # The deadline travels to the server; wait_for also bounds a stuck local handshake.
        call = stub.Check(request, timeout=timeout, metadata=call_metadata(probe) or None)
        response = await asyncio.wait_for(call, timeout + 0.25)
        word = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    except asyncio.TimeoutError:
        return _failed(probe, FetchError(ErrorKind.TIMEOUT, f"no answer within {timeout:g} s"))
    except grpc.RpcError as exc:
        code = exc.code()
        if code == grpc.StatusCode.NOT_FOUND:
            # The server answered: it does not know this service name. Shown as the word.
            word = "SERVICE_UNKNOWN"
        else:
            details = scrub(exc.details() or "", probe.http.secrets())
            return _failed(probe, _rpc_error(grpc, code, details, timeout))
    finally:
        await channel.close()
    latency = time.perf_counter() - started
    verdict = judge_probe(
        top_word=word,
        top_status=probe.status_words.get(word.lower(), GRPC_WORDS.get(word.lower())),
        latency=latency,
        latency_warn=probe.latency_warn,
    )
    return ProbeResult(
        probe=probe.name,
        kind=ProbeKind.GRPC,
        status=verdict.status,
        latency=latency,
        top_word=word,
        reason=verdict.reason,
        target=_display_target(probe),
    )


def call_metadata(probe: HealthProbe) -> list[tuple[str, str]]:
    """The probe's headers and credentials as gRPC call metadata (keys in lower case)."""
    http = probe.http
    metadata = [(name.lower(), value) for name, value in http.headers.items()]
    if http.bearer_token is not None:
        metadata.append(("authorization", f"Bearer {http.bearer_token.reveal()}"))
    elif http.basic_auth is not None:
        pair = f"{http.basic_auth.username}:{http.basic_auth.password.reveal()}"
        metadata.append(("authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
    return metadata


@functools.lru_cache(maxsize=64)
def _read(path: Path | None) -> bytes | None:
    """A TLS file's bytes, read once (they are small and do not change while we run)."""
    return path.read_bytes() if path is not None else None


def _channel(grpc: ModuleType, probe: HealthProbe) -> Any:  # grpc.aio.Channel (lazy import)
    options = [("grpc.enable_retries", 0)]
    if not probe.grpc_tls:
        return grpc.aio.insecure_channel(probe.target, options=options)
    tls = probe.http.tls
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(tls.ca_file),
        private_key=_read(tls.key_file),
        certificate_chain=_read(tls.cert_file),
    )
    return grpc.aio.secure_channel(probe.target, credentials, options=options)


def _rpc_error(grpc: ModuleType, code: Any, details: str, timeout: float) -> FetchError:
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return FetchError(ErrorKind.TIMEOUT, f"no answer within {timeout:g} s")
    if code == grpc.StatusCode.UNAVAILABLE:
        return FetchError(ErrorKind.UNREACHABLE, f"unavailable: {_short(details)}")
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return FetchError(ErrorKind.HTTP, "the server does not implement grpc.health.v1.Health")
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return FetchError(ErrorKind.AUTH, f"{code.name.lower()}: {_short(details)}")
    name = getattr(code, "name", str(code))
    return FetchError(ErrorKind.HTTP, f"gRPC {name}: {_short(details)}")


def _short(details: str, limit: int = 200) -> str:
    return details if len(details) <= limit else details[: limit - 1] + "…"


def _display_target(probe: HealthProbe) -> str:
    return f"{probe.target} {probe.grpc_service}".strip()


def _failed(probe: HealthProbe, error: FetchError) -> ProbeResult:
    return failed_result(probe, error, _display_target(probe))
