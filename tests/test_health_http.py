"""The HTTP probe against a real server on loopback: body shapes, codes, hangs, huge bodies."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Secret
from oncall_tui.sources.base import ErrorKind
from oncall_tui.sources.health.http_probe import BODY_CAP, display_url, probe_http
from oncall_tui.sources.http_client import make_async_client
from oncall_tui.status import Status

pytestmark = pytest.mark.integration

READY = {"status": "ready", "components": {"database": "ok", "cache": "ok", "eventbus": "ok"}}
NOT_READY = {
    "status": "not_ready",
    "components": {"database": "ok", "cache": "error: connection refused", "eventbus": "ok"},
}


def http_probe(url: str, timeout: float = 2.0, **kwargs: object) -> HealthProbe:
    http = kwargs.pop("http", None) or HttpOptions(timeout=timeout)
    return HealthProbe(name="ready", kind=ProbeKind.HTTP, target=url, http=http, **kwargs)  # type: ignore[arg-type]


async def run(probe: HealthProbe):
    async with make_async_client(probe.http) as client:
        return await probe_http(client, probe)


async def test_ready_body_with_all_components_ok_is_ok(health_http_server):
    result = await run(http_probe(health_http_server.answer("/health/ready", body=READY)))
    assert result.status is Status.OK
    assert result.http_status == 200 and result.top_word == "ready"
    assert [c.name for c in result.components] == ["database", "cache", "eventbus"]
    assert result.latency is not None and 0 < result.latency < 1.0
    assert result.error is None


async def test_a_503_with_json_still_has_its_components_read(health_http_server):
    url = health_http_server.answer("/health/ready", status=503, body=NOT_READY)
    result = await run(http_probe(url))
    assert result.status is Status.CRIT
    assert result.http_status == 503 and result.top_word == "not_ready"
    assert result.components[0].name == "cache"
    assert result.components[0].message == "error: connection refused"
    assert "cache: error: connection refused" in result.reason
    assert result.as_json()["components"]["cache"] == {
        "status": "crit",
        "message": "error: connection refused",
    }


async def test_a_failing_component_under_a_200_ok_is_warn(health_http_server):
    body = {"status": "ok", "components": {"database": "ok", "cache": "error: timeout"}}
    result = await run(http_probe(health_http_server.answer("/ready", body=body)))
    assert result.status is Status.WARN and result.reason == "cache: error: timeout"


async def test_bazaruto_checks_keep_their_fields(health_http_server):
    body = {
        "status": "healthy",
        "checks": {
            "database": {"status": "healthy", "response_time": "2ms"},
            "jobs": {"status": "degraded", "pending_jobs": 950, "failed_jobs": 12},
        },
    }
    result = await run(http_probe(health_http_server.answer("/healthz/detailed", body=body)))
    assert result.status is Status.WARN
    jobs = result.components[0]
    assert jobs.name == "jobs" and jobs.fields == {"pending_jobs": 950, "failed_jobs": 12}


async def test_spring_and_ietf_shapes_are_understood(health_http_server):
    spring = {"status": "DOWN", "components": {"db": {"status": "DOWN", "details": {"e": "x"}}}}
    ietf = {"status": "pass", "checks": {"db:conn": [{"status": "fail", "output": "no route"}]}}
    spring_result = await run(
        http_probe(health_http_server.answer("/actuator/health", body=spring))
    )
    ietf_result = await run(http_probe(health_http_server.answer("/health", body=ietf)))
    assert spring_result.status is Status.CRIT and spring_result.components[0].name == "db"
    assert ietf_result.status is Status.WARN
    assert ietf_result.components[0].message == "no route"


async def test_boolean_healthy_false_is_crit(health_http_server):
    result = await run(http_probe(health_http_server.answer("/h", body={"healthy": False})))
    assert result.status is Status.CRIT and result.top_word == "healthy: false"


async def test_status_words_from_the_config_override_the_defaults(health_http_server):
    url = health_http_server.answer("/h", body={"status": "yellow-ish"})
    plain = await run(http_probe(url))
    custom = await run(http_probe(url, status_words={"YELLOW-ISH": Status.WARN}))
    assert plain.status is Status.OK and plain.top_word == "yellow-ish"
    assert custom.status is Status.WARN


async def test_plain_text_and_empty_bodies_are_judged_by_status_code(health_http_server):
    text_ok = await run(
        http_probe(health_http_server.answer("/live", body="OK", content_type="text/plain"))
    )
    empty = await run(http_probe(health_http_server.answer("/empty", status=204)))
    text_500 = await run(http_probe(health_http_server.answer("/bad", status=500, body="boom")))
    assert text_ok.status is Status.OK and text_ok.body_excerpt == "OK" and text_ok.top_word is None
    assert empty.status is Status.OK and empty.http_status == 204
    assert text_500.status is Status.CRIT and text_500.reason == "HTTP 500 (expected 2xx)"
    assert text_500.body_excerpt == "boom"


async def test_a_body_that_is_not_json_despite_its_content_type_is_read_as_text(health_http_server):
    result = await run(http_probe(health_http_server.answer("/h", body=b'{"status": "ok"')))
    assert result.status is Status.OK and result.top_word is None
    assert result.body_excerpt == '{"status": "ok"'


async def test_404_is_crit_and_a_redirect_is_not_followed(health_http_server):
    missing = await run(http_probe(health_http_server.url("/nowhere")))
    moved = await run(
        http_probe(health_http_server.answer("/old", status=301, headers={"Location": "/new"}))
    )
    assert missing.status is Status.CRIT and missing.http_status == 404
    assert moved.status is Status.CRIT and moved.reason == "HTTP 301 to /new (expected 2xx)"
    assert [s.path for s in health_http_server.seen].count("/new") == 0


async def test_expect_status_accepts_listed_codes_only(health_http_server):
    url = health_http_server.answer("/h", status=503, body="draining")
    assert (await run(http_probe(url, expect_status=(200, 503)))).status is Status.OK
    url_200 = health_http_server.answer("/ok", body="fine")
    assert (await run(http_probe(url_200, expect_status=(204,)))).status is Status.CRIT


async def test_latency_over_latency_warn_is_warn(health_http_server):
    url = health_http_server.answer("/slow", body={"status": "ok"}, delay=0.15)
    result = await run(http_probe(url, latency_warn=0.05))
    assert result.status is Status.WARN and result.reason.startswith("slow: ")
    assert result.latency is not None and result.latency >= 0.15


async def test_a_huge_body_is_capped_fast_and_in_bounded_memory(health_http_server):
    total = 50 * 1024 * 1024
    url = health_http_server.answer("/huge", stream_bytes=total)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = await run(http_probe(url, timeout=5.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert result.body_truncated and result.status is Status.OK and result.http_status == 200
    assert result.top_word is None  # a cut-off body is not parsed
    assert elapsed < 2.0
    assert peak < 8 * BODY_CAP
    assert health_http_server.streamed < total // 4  # the server was cut off, not drained


async def test_a_server_that_accepts_and_never_answers_times_out_on_time(health_http_server):
    url = health_http_server.answer("/hang", hang=True)
    started = time.perf_counter()
    result = await run(http_probe(url, timeout=1.0))
    elapsed = time.perf_counter() - started
    assert result.status is Status.CRIT
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert result.latency is None and result.http_status is None
    # on time: at the probe's own timeout, not the poller's or none (slack for a busy machine)
    assert 0.9 <= elapsed < 3.0


async def test_a_listener_that_never_accepts_times_out_on_time(health_silent_port):
    started = time.perf_counter()
    result = await run(http_probe(f"http://127.0.0.1:{health_silent_port}/h", timeout=0.5))
    assert result.status is Status.CRIT and result.error.kind is ErrorKind.TIMEOUT
    # on time: near the probe's 0.5 s, not the poller's timeout or none (slack for a busy
    # machine: a loaded whole-suite run took 1.05 s once)
    assert time.perf_counter() - started < 2.5


async def test_a_refused_port_is_crit_with_the_error_kept(health_closed_port):
    result = await run(http_probe(f"http://127.0.0.1:{health_closed_port}/health"))
    assert result.status is Status.CRIT
    assert result.error is not None and result.error.kind is ErrorKind.UNREACHABLE
    assert "refused" in result.error.message and result.reason == result.error.message


async def test_bearer_token_is_sent_and_never_appears_in_any_text(
    health_http_server, health_closed_port
):
    token = "s3cr3t-T0KEN-value"
    http = HttpOptions(timeout=1.0, bearer_token=Secret(token))
    echo = {"status": "error", "message": f"bad token {token}", "components": {"a": f"x {token}"}}
    url = health_http_server.answer("/h", status=401, body=echo)
    result = await run(http_probe(url, http=http))
    assert health_http_server.seen[-1].headers["Authorization"] == f"Bearer {token}"
    hung = health_http_server.answer("/hang", hang=True)
    timed_out = await run(
        http_probe(hung, http=HttpOptions(timeout=0.3, bearer_token=Secret(token)))
    )
    refused = await run(http_probe(f"http://u:{token}@127.0.0.1:{health_closed_port}/h", http=http))
    for res in (result, timed_out, refused):
        texts = (
            res.reason,
            res.body_excerpt,
            res.target,
            str(res.error),
            repr(res),
            str(res.as_json()),
        )
        assert all(token not in text for text in texts), res
    assert result.status is Status.CRIT and "***" in result.reason


def test_display_url_drops_user_and_password():
    assert display_url("http://u:p@host:8080/x?y=1") == "http://host:8080/x?y=1"
    assert display_url("http://host/x") == "http://host/x"
