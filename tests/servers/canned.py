"""Tiny real servers on loopback for the failures a real Prometheus will not produce on demand.

- `CannedHttpServer`: answers every GET with a fixed status and body, and records each
  request's path, query and headers (to check what a client sent).
- `SilentServer`: accepts TCP connections and never answers (a hung server or proxy).
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .guard import check
from .raw import ScriptedServer, holding_silently


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased


class CannedHttpServer:
    """An HTTP server on 127.0.0.1:<free port> that always gives the same answer."""

    def __init__(
        self,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str = "application/json",
        *,
        tls: tuple[Path, Path] | None = None,  # (certificate, key): serve HTTPS
    ) -> None:
        check("an HTTP server")
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = content_type
        self.requests: list[RecordedRequest] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches on
                parts = urlsplit(self.path)
                owner.requests.append(
                    RecordedRequest(
                        parts.path,
                        parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()},
                    )
                )
                self.send_response(owner.status)
                self.send_header("Content-Type", owner.content_type)
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean; requests are recorded above

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CannedHttpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SilentServer(ScriptedServer):
    """Accepts connections on 127.0.0.1:<free port>, reads nothing, never answers."""

    def __init__(self) -> None:
        super().__init__(holding_silently, what="a silent TCP server")
