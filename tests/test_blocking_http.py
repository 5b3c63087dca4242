"""The blocking HTTP client of a one-shot `oncall status` against the dashboard's httpx one:
on a real Prometheus and real HTTP servers, the same values, the same error kinds in the same
words, the same secrets kept out, the same caps and deadlines, the same probe verdicts."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from servers.canned import CannedHttpServer, SilentServer
from servers.process import refused_port
from servers.prometheus import PrometheusServer
from servers.raw import ScriptedServer, answering

from oncall_tui.config.model import (
    BasicAuth,
    Datasource,
    HealthProbe,
    HttpOptions,
    ProbeKind,
    Secret,
    Service,
)
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed, Series
from oncall_tui.sources.blocking_http import BlockingClient, use_blocking_http
from oncall_tui.sources.health import HealthSource
from oncall_tui.sources.prometheus import PrometheusClient
from oncall_tui.sources.tasks import NeedsLoop, gather, run_blocking, wait_for

pytestmark = pytest.mark.integration

T = TypeVar("T")
TOKEN = "s3cr3t/token+with=odd&chars"
#: bcrypt of "right-Pa55" (cost 12), the form Prometheus's --web.config.file wants
RIGHT_PASSWORD_BCRYPT = "$2b$12$JC7ZFRpu84dPRRdtrgqs8ewLVA31b2VbqY/M.KoHdyU1XFFnXx3we"
#: what a probe may add to the server's handling time (as tests/test_probe_latency.py)
SLACK = 0.05


def both(make: Callable[[bool], Awaitable[T]]) -> tuple[T, T]:
    """(on asyncio and httpx, with no loop on the blocking client) of the same work."""
    return asyncio.run(make(False)), run_blocking(make(True))  # type: ignore[arg-type]


def query_both(
    url: str, expr: str, http: HttpOptions | None = None
) -> tuple[list[Series] | FetchError, list[Series] | FetchError]:
    datasource = Datasource("default", url, http=http or HttpOptions(timeout=2.0))

    async def query(blocking: bool) -> list[Series] | FetchError:
        client = PrometheusClient(datasource, blocking=blocking)
        try:
            return await client.query(expr)
        except FetchFailed as failed:
            return failed.error
        finally:
            await client.aclose()

    return both(query)


@pytest.fixture(scope="module")
def guarded_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    import httpx

    folder = tmp_path_factory.mktemp("guarded")
    web = folder / "web.yml"
    web.write_text(f"basic_auth_users:\n  ops: '{RIGHT_PASSWORD_BCRYPT}'\n")

    class GuardedPrometheus(PrometheusServer):
        def _ready(self) -> bool:
            answer = httpx.get(f"{self.url}/-/ready", auth=("ops", "right-Pa55"), timeout=1.0)
            return answer.status_code == 200

    server = GuardedPrometheus(extra_args=[f"--web.config.file={web}"], workdir=folder / "p")
    yield server
    server.stop()


def test_a_query_answers_the_same_values(module_prometheus: PrometheusServer) -> None:
    expr = (
        'label_replace(vector(2.5), "k", "v", "", "") or label_replace(vector(1), "k", "w", "", "")'
    )
    on_loop, blocking = query_both(module_prometheus.url, expr)
    assert isinstance(blocking, list) and len(blocking) == 2
    assert sorted(map(repr, on_loop)) == sorted(map(repr, blocking))  # type: ignore[arg-type]


def test_a_long_batch_goes_as_a_post_and_answers_the_same(
    module_prometheus: PrometheusServer,
) -> None:
    expr = " or ".join(f'label_replace(vector({i}), "i", "{i}", "", "")' for i in range(120))
    on_loop, blocking = query_both(module_prometheus.url, expr)
    assert isinstance(blocking, list) and len(blocking) == 120
    assert sorted(map(repr, on_loop)) == sorted(map(repr, blocking))  # type: ignore[arg-type]


def test_a_bad_query_is_a_bad_query_in_prometheus_words(
    module_prometheus: PrometheusServer,
) -> None:
    on_loop, blocking = query_both(module_prometheus.url, "sum(rate(x[1m])")
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.BAD_QUERY
    assert "parse error" in blocking.message
    assert blocking == on_loop


def test_a_wrong_password_is_auth_and_never_shown(guarded_prometheus: PrometheusServer) -> None:
    # bcrypt at cost 12 is a few hundred ms of Prometheus's CPU per request, more when loaded
    wrong = HttpOptions(timeout=10.0, basic_auth=BasicAuth("ops", Secret("wrong-Pa55")))
    on_loop, blocking = query_both(guarded_prometheus.url, "vector(1)", wrong)
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.AUTH and blocking.http_status == 401
    assert "wrong-Pa55" not in blocking.message
    assert blocking == on_loop
    right = HttpOptions(timeout=10.0, basic_auth=BasicAuth("ops", Secret("right-Pa55")))
    on_loop, blocking = query_both(guarded_prometheus.url, "vector(1)", right)
    assert blocking == on_loop == [Series({}, 1.0)]


def test_an_unreachable_server_is_unreachable_in_the_same_words() -> None:
    url = f"http://127.0.0.1:{refused_port()}"
    on_loop, blocking = query_both(url, "vector(1)")
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.UNREACHABLE
    assert blocking.message == f"cannot connect to {url}/api/v1/query: connection refused"
    assert blocking == on_loop


def test_a_hung_server_times_out_at_the_deadline() -> None:
    with SilentServer() as silent:
        http = HttpOptions(timeout=0.5)
        started = time.monotonic()
        on_loop, blocking = query_both(silent.url, "vector(1)", http)
        took = time.monotonic() - started
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.TIMEOUT
    assert blocking.message == "no complete answer within 0.5 s (the whole request, body included)"
    assert blocking == on_loop
    assert took < 2 * 0.5 + 1.0  # both, each bounded by its deadline


def test_a_body_dribbled_past_the_deadline_times_out(tmp_path: Path) -> None:
    """A server that sends a byte at a time renews every read's own timeout: the deadline
    on the whole exchange still ends it."""

    def dribble(server: ScriptedServer, conn: socket.socket, number: int) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(50):
            if server.stopping.wait(0.1):
                return
            conn.sendall(b" ")

    with ScriptedServer(dribble) as server:
        client = BlockingClient(HttpOptions(timeout=0.6), base_url=server.url)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.send("GET", "/", max_body=10_000, deadline=0.6)
        assert time.monotonic() - started < 1.5


def test_malformed_json_is_malformed_in_the_same_words() -> None:
    with CannedHttpServer(200, b"<html>not json{", content_type="text/html") as server:
        on_loop, blocking = query_both(server.url, "vector(1)")
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.MALFORMED
    assert blocking.message == "the answer is not JSON: <html>not json{"
    assert blocking == on_loop


def test_json_that_is_not_an_api_answer_is_malformed() -> None:
    with CannedHttpServer(200, b'{"hello": 1}') as server:
        on_loop, blocking = query_both(server.url, "vector(1)")
    assert isinstance(blocking, FetchError) and blocking.kind is ErrorKind.MALFORMED
    assert blocking == on_loop


def test_an_answer_past_max_body_is_too_large_and_names_the_cap() -> None:
    body = b'{"status": "success", "data": {"resultType": "vector", "result": []}}' + b" " * 5000
    with CannedHttpServer(200, body) as server:
        on_loop, blocking = query_both(server.url, "vector(1)", HttpOptions(max_body=1024))
    assert isinstance(blocking, FetchError) and blocking.kind is ErrorKind.MALFORMED
    assert blocking.message == (
        f"answer too large: more than 1 KiB from {server.url}/api/v1/query (max_body)"
    )
    assert blocking == on_loop


def test_a_token_echoed_back_in_an_error_is_scrubbed_the_same() -> None:
    body = f"denied: Bearer {TOKEN} is not valid".encode()
    with CannedHttpServer(403, body, content_type="text/plain") as server:
        http = HttpOptions(timeout=2.0, bearer_token=Secret(TOKEN))
        on_loop, blocking = query_both(server.url, "vector(1)", http)
        sent = server.requests[-1].headers["authorization"]
    assert sent == f"Bearer {TOKEN}"
    assert isinstance(blocking, FetchError)
    assert blocking.kind is ErrorKind.AUTH and blocking.http_status == 403
    assert TOKEN not in blocking.message and "s3cr3t" not in blocking.message
    assert blocking == on_loop


def test_headers_and_url_credentials_are_sent_as_httpx_sends_them() -> None:
    with CannedHttpServer(200, b"ok", content_type="text/plain") as server:
        http = HttpOptions(headers={"X-Scope-OrgID": "team-a"})
        client = BlockingClient(http)
        target = server.url.replace("://", "://ops:pa%40ss@") + "/ready"
        answer = client.send("GET", target, max_body=1024, deadline=2.0)
        sent = server.requests[-1].headers
    assert answer.status_code == 200 and answer.text == "ok"
    assert sent["x-scope-orgid"] == "team-a"
    assert sent["authorization"] == "Basic b3BzOnBhQHNz"  # ops:pa@ss


def probe_both(probe: HealthProbe) -> tuple[Any, Any]:
    service = Service("api", "API", "default", health=(probe,))

    async def run(blocking: bool) -> Any:
        source = HealthSource([service], time.time, blocking=blocking)
        try:
            return await source.run_probe(probe)
        finally:
            await source.aclose()

    return both(run)


def http_probe(url: str, **kwargs: Any) -> HealthProbe:
    return HealthProbe("ready", ProbeKind.HTTP, url, http=HttpOptions(timeout=1.0), **kwargs)


def comparable(result: Any) -> tuple[Any, ...]:
    return (
        result.status,
        result.http_status,
        result.top_word,
        result.reason,
        result.error,
        result.body_excerpt,
        result.body_truncated,
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": {"status": "UP", "components": {"db": {"status": "DOWN"}}}},
        {"status": 503, "body": {"status": "DOWN"}},
        {"status": 200, "body": "fine"},
        {"status": 302, "body": "", "headers": {"Location": "/login"}},
    ],
)
def test_an_http_probe_has_the_same_verdict(health_http_server, answer: dict[str, Any]) -> None:
    url = health_http_server.answer("/ready", **answer)
    on_loop, blocking = probe_both(http_probe(url))
    assert comparable(blocking) == comparable(on_loop)


def test_a_probe_body_past_its_cap_is_cut_not_failed(health_http_server) -> None:
    from oncall_tui.sources.health.http_probe import BODY_CAP

    url = health_http_server.answer("/ready", status=200, body="x" * (BODY_CAP + 10_000))
    on_loop, blocking = probe_both(http_probe(url))
    assert blocking.body_truncated is True
    assert comparable(blocking) == comparable(on_loop)


def test_refused_and_hung_probes_fail_the_same(health_closed_port, health_silent_port) -> None:
    for port in (health_closed_port, health_silent_port):
        on_loop, blocking = probe_both(http_probe(f"http://127.0.0.1:{port}/ready"))
        assert blocking.status.name == "CRIT"
        assert comparable(blocking) == comparable(on_loop)
    tcp = HealthProbe("tcp", ProbeKind.TCP, f"127.0.0.1:{health_closed_port}")
    on_loop, blocking = probe_both(tcp)
    assert comparable(blocking) == comparable(on_loop)


def test_a_blocking_probe_counts_the_request_alone(health_http_server) -> None:
    url = health_http_server.answer("/ready", body={"status": "ok"}, delay=0.02)
    _, blocking = probe_both(http_probe(url, latency_warn=0.5))
    handled = health_http_server.handled[-1]
    assert handled <= blocking.latency <= handled + SLACK, (blocking.latency, handled)
    assert blocking.status.name == "OK"


def test_a_slow_probe_over_latency_warn_is_warn_on_both(health_http_server) -> None:
    url = health_http_server.answer("/ready", body={"status": "ok"}, delay=0.15)
    on_loop, blocking = probe_both(http_probe(url, latency_warn=0.1))
    assert blocking.status.name == on_loop.status.name == "WARN"


def test_no_loop_gather_runs_concurrently_and_keeps_order() -> None:
    async def nap(value: int) -> int:
        time.sleep(0.2)  # noqa: ASYNC251 - blocking work, as the no-loop runner's threads do
        return value

    async def main() -> list[int]:
        return await gather(*(nap(i) for i in range(5)))

    started = time.monotonic()
    assert run_blocking(main()) == [0, 1, 2, 3, 4]
    assert time.monotonic() - started < 0.6  # together, not one after the other


def test_no_loop_wait_for_gives_up_at_its_timeout() -> None:
    async def hang() -> None:
        time.sleep(1.0)  # noqa: ASYNC251 - as above

    async def main() -> None:
        await wait_for(hang(), 0.1)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        run_blocking(main())
    assert time.monotonic() - started < 0.5


def test_a_coroutine_that_needs_a_loop_is_refused_with_no_loop() -> None:
    async def sleeps() -> None:
        await asyncio.sleep(0)  # suspends: gives the loop a turn

    with pytest.raises(NeedsLoop):
        run_blocking(sleeps())


def test_a_named_proxy_keeps_status_on_the_httpx_client() -> None:
    assert use_blocking_http({"PATH": "/bin", "no_proxy": "localhost"})
    assert not use_blocking_http({"HTTPS_PROXY": "http://proxy:3128"})
    assert not use_blocking_http({"all_proxy": "socks5://proxy:1080"})


API_ANSWER = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


def _chunked(body: bytes, size: int = 7) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(API_ANSWER),
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + API_ANSWER,  # to EOF
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
        % (len(API_ANSWER), API_ANSWER),
    ],
    ids=["chunked", "to-the-end", "after-100-continue"],
)
def test_every_framing_of_an_answer_reads_the_same(answer: bytes) -> None:
    with ScriptedServer(answering(answer)) as server:
        on_loop, blocking = query_both(server.url, "vector(1)")
    assert blocking == on_loop == []


def test_a_gzip_body_is_unpacked_and_counted_unpacked() -> None:
    import gzip

    packed = gzip.compress(API_ANSWER)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(packed)
    with ScriptedServer(answering(head + packed)) as server:
        on_loop, blocking = query_both(server.url, "vector(1)")
        assert blocking == on_loop == []
        small = HttpOptions(max_body=32)
        on_loop, blocking = query_both(server.url, "vector(1)", small)
    assert isinstance(blocking, FetchError) and "too large" in blocking.message
    assert blocking == on_loop


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # closed at once
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + API_ANSWER,  # cut short
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",  # cut short
    ],
    ids=["nothing", "not-http", "short-body", "short-chunk"],
)
def test_a_broken_answer_is_malformed_in_the_dashboards_words(answer: bytes) -> None:
    with ScriptedServer(answering(answer)) as server:
        on_loop, blocking = query_both(server.url, "vector(1)")
    assert isinstance(blocking, FetchError) and blocking.kind is ErrorKind.MALFORMED
    assert isinstance(on_loop, FetchError) and on_loop.kind is ErrorKind.MALFORMED
    assert blocking.message.startswith(f"no valid HTTP answer from {server.url}/api/v1/query")
    if answer != b"SMTP ready\r\n\r\n":  # h11 quotes the whole line; the words differ there
        assert blocking == on_loop


def test_a_header_with_a_line_break_is_refused_not_sent() -> None:
    with ScriptedServer(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as server:
        client = BlockingClient(HttpOptions(headers={"X-Org": "a\r\nX-Evil: 1"}))
        with pytest.raises(FetchFailed) as failed:
            client.send("GET", server.url, max_body=1024, deadline=1.0)
    assert failed.value.error.kind is ErrorKind.CONFIG
