"""Health endpoints on loopback that tests tell what to answer.

`HealthHttpServer` is a threaded `http.server` with a route table: `server.answer("/ready",
status=503, body={...})`. An `Answer` can also hang (accept, read the request, never reply),
stream a huge body, or delay. `GrpcHealthServer` is a real `grpc.aio` server with the
standard health service, switched with `await server.set("", "NOT_SERVING")`.

Fixtures: `health_http_server`, `health_silent_port` (listens, never accepts or answers),
`health_closed_port` (nothing listens: refused), `health_grpc_server`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio

from .guard import check

HANG_LIMIT = 30.0  # a hanging handler gives up by itself after this, even if stop() is missed
CHUNK = 64 * 1024


@dataclass
class Answer:
    status: int = 200
    body: object = b""  # bytes, str, or anything JSON-serialisable
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # never answer
    stream_bytes: int = 0  # send this many filler bytes instead of `body`

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class HealthHttpServer:
    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.seen: list[Seen] = []
        self.streamed = 0  # bytes of the last streamed body actually written
        #: seconds each answer took here, from the request read to the last byte written
        self.handled: list[float] = []
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, **kwargs: object) -> str:
        """Set what `path` answers; returns its URL."""
        self.routes[path] = Answer(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def start(self) -> None:
        check("a health HTTP server")
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler(server: HealthHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            started = time.perf_counter()
            try:
                self._answer()
            finally:
                self.wfile.flush()
                server.handled.append(time.perf_counter() - started)

        def _answer(self) -> None:
            server.seen.append(Seen(self.path, dict(self.headers.items())))
            answer = server.routes.get(self.path, Answer(status=404, body=b"not found"))
            if answer.hang:
                server.stopping.wait(HANG_LIMIT)
                return
            if answer.delay:
                time.sleep(answer.delay)
            body = b"" if answer.stream_bytes else answer.encoded()
            size = answer.stream_bytes or len(body)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.status != 204:
                    self.send_header("Content-Length", str(size))
                self.end_headers()
                if answer.stream_bytes:
                    self._stream(answer.stream_bytes)
                elif body and answer.status != 204:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what a capped reader should do

        def _stream(self, total: int) -> None:
            server.streamed = 0
            filler = b'{"status": "ok", "pad": "' + b"x" * CHUNK
            while server.streamed < total and not server.stopping.is_set():
                piece = filler[: min(len(filler), total - server.streamed)]
                self.wfile.write(piece)
                server.streamed += len(piece)

    return Handler


@pytest.fixture
def health_http_server() -> Iterator[HealthHttpServer]:
    server = HealthHttpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def health_silent_port() -> Iterator[int]:
    """A port whose listener never accepts: connections complete in the kernel, then silence."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def health_closed_port() -> Iterator[int]:
    """A port nothing listens on, so connecting is refused; it stays bound (never listening)
    for the test, so no other test process can start a server there meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _record_metadata(seen: list[dict[str, str]]) -> object:
    """A server interceptor that keeps each call's metadata, to check what a probe sent."""
    import grpc

    class RecordMetadata(grpc.aio.ServerInterceptor):
        async def intercept_service(self, continuation, handler_call_details):  # noqa: ANN001, ANN201
            seen.append(dict(handler_call_details.invocation_metadata or ()))
            return await continuation(handler_call_details)

    return RecordMetadata()


class GrpcHealthServer:
    """A grpc.aio server with the standard health service, in the test's event loop."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """`tls`: (certificate, key) PEM files to serve TLS with; plaintext without."""
        import grpc
        from grpc_health.v1 import health, health_pb2_grpc

        self.metadata: list[dict[str, str]] = []  # the call metadata of every request seen
        self._server = grpc.aio.server(interceptors=[_record_metadata(self.metadata)])
        self.servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, self._server)
        if tls is None:
            self.port = self._server.add_insecure_port("127.0.0.1:0")
        else:
            cert, key = tls
            credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
            self.port = self._server.add_secure_port("127.0.0.1:0", credentials)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def set(self, service: str, status: str) -> None:
        """`status` by name: SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN."""
        from grpc_health.v1 import health_pb2

        await self.servicer.set(service, health_pb2.HealthCheckResponse.ServingStatus.Value(status))

    async def start(self) -> None:
        check("a gRPC health server")
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop(grace=None)


@pytest_asyncio.fixture
async def health_grpc_server() -> AsyncIterator[GrpcHealthServer]:
    server = GrpcHealthServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
