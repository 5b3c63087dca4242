"""The lean plain-http transport of datasource clients: what it sends, keeps and reports.

Each server here is a real socket on loopback that answers as scripted, one script per
connection, so that a test can close a kept-alive connection, cut an answer short or say
`Connection: close`, and count the connections the client opened.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from servers.canned import SilentServer
from servers.process import refused_port
from servers.raw import Handler, ScriptedServer, http_answer, read_request

from oncall_tui.config.model import HttpOptions, Secret
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_client import classify_exception, make_async_client, send_capped
from oncall_tui.sources.http_transport import PlainHttpTransport

pytestmark = pytest.mark.integration

BODY = b'{"status": "success", "data": {"resultType": "vector", "result": []}}'


def answer(body: bytes = BODY, *, extra: bytes = b"") -> bytes:
    return http_answer(body, extra=extra)


@pytest.fixture
def scripted() -> Iterator[Callable[[Handler], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(handler: Handler) -> ScriptedServer:
        server = ScriptedServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def lean_client(url: str, **options: object) -> httpx.AsyncClient:
    client = make_async_client(HttpOptions(**options), base_url=url, lean=True)  # type: ignore[arg-type]
    assert isinstance(client._transport, PlainHttpTransport)  # type: ignore[attr-defined]
    return client


async def error_of(client: httpx.AsyncClient, path: str = "/api/v1/query") -> FetchError:
    try:
        await send_capped(client, "GET", path, max_body=1 << 20, deadline=5.0)
    except FetchFailed as failed:
        return failed.error
    raise AssertionError("the request did not fail")


async def test_headers_are_sent_and_one_connection_serves_every_request(scripted) -> None:
    server = scripted(lambda server, conn, _: server.serve_requests(conn, [answer()] * 3))
    async with lean_client(server.url, bearer_token=Secret("tok"), headers={"X-A": "b"}) as c:
        for _ in range(3):
            response = await c.post("/api/v1/query", content=b"query=up", headers={"X-B": "c"})
            assert response.status_code == 200
            assert response.json()["status"] == "success"
    assert server.connections == 1
    head = server.requests[0].lower()
    assert b"post /api/v1/query http/1.1" in head
    assert b"authorization: bearer tok" in head and b"x-a: b" in head and b"x-b: c" in head
    assert server.requests[0].endswith(b"\r\n\r\nquery=up")


@pytest.mark.parametrize("seen", [True, False], ids=["close-seen", "close-races-the-request"])
async def test_a_connection_closed_by_the_server_while_idle_is_not_an_error(
    scripted, seen: bool
) -> None:
    # each connection answers once and closes (as a server timing out idle connections does)
    server = scripted(lambda server, conn, _: server.serve_requests(conn, [answer()]))
    async with lean_client(server.url) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/query")).status_code == 200
            if seen:
                await asyncio.sleep(0.1)  # the loop reads the close before the next request
            else:
                # the loop reads the close only after the next request went out
                time.sleep(0.1)  # noqa: ASYNC251 - blocking the loop is the point
    assert server.connections == 3
    assert len(server.requests) == 3


async def test_connection_close_is_honoured(scripted) -> None:
    server = scripted(
        lambda server, conn, _: server.serve_requests(
            conn, [answer(extra=b"Connection: close\r\n")] * 2
        )
    )
    async with lean_client(server.url) as client:
        for _ in range(2):
            assert (await client.get("/")).status_code == 200
    assert server.connections == 2


async def test_an_answer_cut_short_is_malformed_and_its_connection_dropped(scripted) -> None:
    def handler(server: ScriptedServer, conn: socket.socket, number: int) -> None:
        if number == 0:
            read_request(conn)
            conn.sendall(answer()[:-10])  # the body is ten bytes short, then the close
        else:
            server.serve_requests(conn, [answer()])

    server = scripted(handler)
    async with lean_client(server.url) as client:
        error = await error_of(client)
        assert error.kind is ErrorKind.MALFORMED
        assert "no valid HTTP answer" in error.message
        assert (await client.get("/")).status_code == 200  # on a new connection
    assert server.connections == 2


async def test_garbage_instead_of_http_is_malformed(scripted) -> None:
    def handler(server: ScriptedServer, conn: socket.socket, _: int) -> None:
        read_request(conn)
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    server = scripted(handler)
    async with lean_client(server.url) as client:
        error = await error_of(client)
    assert error.kind is ErrorKind.MALFORMED


async def test_chunked_gzip_answers_are_decoded(scripted) -> None:
    packed = gzip.compress(BODY)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (packed[:10], packed[10:]))
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked
        + b"0\r\n\r\n"
    )
    server = scripted(lambda server, conn, _: server.serve_requests(conn, [reply] * 2))
    async with lean_client(server.url) as client:
        for _ in range(2):
            response = await send_capped(client, "GET", "/", max_body=1 << 20, deadline=5.0)
            assert response.content == BODY
    assert server.connections == 1


async def test_an_answer_past_max_body_stops_reading_and_is_not_reused(scripted) -> None:
    def handler(server: ScriptedServer, conn: socket.socket, number: int) -> None:
        if number == 0:
            read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:  # endless
                conn.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")
        server.serve_requests(conn, [answer()])

    server = scripted(handler)
    async with lean_client(server.url) as client:
        with pytest.raises(FetchFailed) as failed:
            await send_capped(client, "GET", "/", max_body=100_000, deadline=5.0)
        assert failed.value.error.kind is ErrorKind.MALFORMED
        assert "too large" in failed.value.error.message
        assert (await client.get("/")).status_code == 200
    assert server.connections == 2


async def test_refused_connection_is_unreachable() -> None:
    async with lean_client(f"http://127.0.0.1:{refused_port()}", timeout=1.0) as client:
        error = await error_of(client)
    assert error.kind is ErrorKind.UNREACHABLE
    assert "connection refused" in error.message


async def test_server_that_never_answers_times_out_within_the_timeout() -> None:
    with SilentServer() as silent:
        async with lean_client(silent.url, timeout=0.5) as client:
            started = time.monotonic()
            try:
                await client.get("/api/v1/query")
            except httpx.HTTPError as exc:
                error = classify_exception(exc, ())
            elapsed = time.monotonic() - started
    assert error.kind is ErrorKind.TIMEOUT
    assert "0.5 s" in error.message and "waiting for an answer" in error.message
    assert 0.4 < elapsed < 1.5


async def test_a_deadline_mid_answer_drops_the_connection(scripted) -> None:
    def handler(server: ScriptedServer, conn: socket.socket, number: int) -> None:
        if number == 0:
            read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(3)
            return
        server.serve_requests(conn, [answer()])

    server = scripted(handler)
    async with lean_client(server.url) as client:
        with pytest.raises(FetchFailed) as failed:
            await send_capped(client, "GET", "/", max_body=1 << 20, deadline=0.3)
        assert failed.value.error.kind is ErrorKind.TIMEOUT
        assert (await client.get("/")).status_code == 200
    assert server.connections == 2


def test_an_environment_proxy_keeps_httpx_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    client = make_async_client(HttpOptions(), base_url="http://127.0.0.1:9", lean=True)
    assert not isinstance(client._transport, PlainHttpTransport)  # type: ignore[attr-defined]
    https = make_async_client(HttpOptions(), base_url="https://127.0.0.1:9", lean=True)
    assert not isinstance(https._transport, PlainHttpTransport)  # type: ignore[attr-defined]
