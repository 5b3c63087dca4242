"""The TCP probe: connect, time it, close. For dependencies that speak no HTTP."""

from __future__ import annotations

import contextlib
import errno
import socket
import time

from oncall_tui.config.model import HealthProbe, ProbeKind
from oncall_tui.sources.base import ErrorKind, FetchError
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.health.verdict import failed_result, judge_probe
from oncall_tui.sources.tasks import on_loop

CLOSE_WAIT = 0.5


def split_host_port(target: str) -> tuple[str, int]:
    """`host:port`, `[::1]:port`; raises ValueError for anything else."""
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected host:port, got {target!r}")
    return host.strip("[]"), int(port)


async def probe_tcp(probe: HealthProbe) -> ProbeResult:
    timeout = probe.http.timeout
    try:
        host, port = split_host_port(probe.target)
    except ValueError as exc:
        return failed_result(probe, FetchError(ErrorKind.CONFIG, str(exc)))
    started = time.perf_counter()
    try:
        if on_loop():
            latency = await _connect_async(host, port, timeout, started)
        else:  # a one-shot command, on a thread of its own (`sources.tasks`)
            latency = _connect_blocking(host, port, timeout, started)
    except TimeoutError:
        return failed_result(
            probe, FetchError(ErrorKind.TIMEOUT, f"no connection within {timeout:g} s")
        )
    except OSError as exc:
        return failed_result(probe, _os_error(exc))
    verdict = judge_probe(latency=latency, latency_warn=probe.latency_warn)
    return ProbeResult(
        probe=probe.name,
        kind=ProbeKind.TCP,
        status=verdict.status,
        latency=latency,
        reason=verdict.reason,
        target=probe.target,
    )


async def _connect_async(host: str, port: int, timeout: float, started: float) -> float:
    """Seconds from `started` to the connection, which is then closed."""
    import asyncio

    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except asyncio.TimeoutError:  # the builtin TimeoutError from 3.11 on
        raise TimeoutError from None
    latency = time.perf_counter() - started
    writer.close()
    # A peer that never acknowledges the close must not hold the probe.
    with contextlib.suppress(OSError, asyncio.TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), CLOSE_WAIT)
    return latency


def _connect_blocking(host: str, port: int, timeout: float, started: float) -> float:
    connection = socket.create_connection((host, port), timeout=timeout)
    latency = time.perf_counter() - started
    connection.close()  # a blocking close does not wait for the peer
    return latency


def _os_error(exc: OSError) -> FetchError:
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return FetchError(ErrorKind.UNREACHABLE, "connection refused")
    return FetchError(ErrorKind.UNREACHABLE, exc.strerror or str(exc))
