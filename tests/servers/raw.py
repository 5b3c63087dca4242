"""Raw TCP servers on loopback that answer byte for byte as a test scripts them.

For what an HTTP server library will not send: an answer cut short, a framing of its own, a
kept-alive connection closed at a chosen moment, a body dribbled a byte at a time, silence.
A handler runs on each accepted connection in its own thread and is given the server, the
connection and the connection's number (0, 1, ...); the connection is closed when it returns.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from .guard import check

Handler = Callable[["ScriptedServer", socket.socket, int], None]


def read_request(conn: socket.socket) -> bytes:
    """One request's head and its Content-Length body; b"" when the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def http_answer(body: bytes, *, extra: bytes = b"") -> bytes:
    """A 200 answer with a JSON body and its Content-Length; `extra` holds more header lines."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def answering(reply: bytes) -> Handler:
    """A handler that reads whatever the client sends first, writes `reply` as given and
    closes the connection."""

    def handle(server: ScriptedServer, conn: socket.socket, number: int) -> None:
        conn.settimeout(5)
        conn.recv(65536)
        conn.sendall(reply)

    return handle


def holding_silently(server: ScriptedServer, conn: socket.socket, number: int) -> None:
    """A handler that reads nothing and never answers, holding the connection open until
    the server stops, so that the client waits for an answer."""
    server.stopping.wait()


class ScriptedServer:
    """Accepts connections on 127.0.0.1:<free port> and runs `handler` on each."""

    def __init__(self, handler: Handler, *, what: str = "a scripted TCP server") -> None:
        check(what)
        self.handler = handler
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listening socket was closed by stop()
                return
            number, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        with conn:
            try:
                self.handler(self, conn, number)
            except OSError:  # the client went away mid-script
                pass

    def serve_requests(self, conn: socket.socket, answers: list[bytes]) -> None:
        """Answers each request on `conn` with the next of `answers`, then returns (and so
        closes it); requests are kept in `requests` as they came."""
        for reply in answers:
            request = read_request(conn)
            if not request:
                return
            self.requests.append(request)
            conn.sendall(reply)

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()  # handlers see `stopping` set; held connections close

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
