"""Probe latency is the request's own time: compared with what the server measured itself."""

from __future__ import annotations

import asyncio
import time

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Service
from oncall_tui.sources.health import HealthSource

#: what a probe may add to the server's handling time: the loopback round trip, the
#: request and the parsing of the answer on a 2-core machine shared with other work
SLACK = 0.05


def http(name: str, url: str) -> HealthProbe:
    return HealthProbe(name, ProbeKind.HTTP, url, http=HttpOptions(timeout=5.0))


def source(*probes: HealthProbe) -> HealthSource:
    return HealthSource([Service("api", "API", "default", health=probes)], time.time)


async def test_the_first_probe_counts_the_request_not_the_start_up(health_http_server):
    url = health_http_server.answer("/ready", body={"status": "ok"}, delay=0.02)
    probes = source(http("ready", url))
    try:
        result = await probes.run_probe(http("ready", url))
    finally:
        await probes.aclose()
    (handled,) = health_http_server.handled
    assert result.latency is not None
    assert handled <= result.latency <= handled + SLACK, (result.latency, handled)


async def test_a_busy_app_loop_is_not_counted_in_the_latency(health_http_server):
    url = health_http_server.answer("/ready", body={"status": "ok"}, delay=0.03)
    probe = http("ready", url)
    probes = source(probe)
    try:
        await probes.run_probe(probe)  # the connection is open and kept alive now
        loop = asyncio.get_running_loop()
        # the app's loop is stuck for 0.4 s (a screen being built) while the answer comes
        loop.call_later(0.005, time.sleep, 0.4)
        started = time.perf_counter()
        result = await probes.run_probe(probe)
        waited = time.perf_counter() - started
    finally:
        await probes.aclose()
    handled = health_http_server.handled[-1]
    assert waited >= 0.4  # the caller did wait for its loop
    assert result.latency is not None
    assert handled <= result.latency <= handled + SLACK, (result.latency, handled, waited)


async def test_latency_warn_is_judged_on_the_request_time(health_http_server):
    url = health_http_server.answer("/ready", body={"status": "ok"})
    probe = HealthProbe(
        "ready", ProbeKind.HTTP, url, http=HttpOptions(timeout=5.0), latency_warn=0.2
    )
    probes = source(probe)
    try:
        loop = asyncio.get_running_loop()
        loop.call_later(0.002, time.sleep, 0.3)  # longer than latency_warn
        result = await probes.run_probe(probe)
    finally:
        await probes.aclose()
    assert result.latency is not None and result.latency < 0.2
    assert result.status.name == "OK", result.reason
