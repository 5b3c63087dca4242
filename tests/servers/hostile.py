"""A loopback server that answers like Prometheus, Alertmanager and a health endpoint at once,
with hostile text in every field: OSC 52 (clipboard), OSC 2 (window title), CSI 2J (wipe the
screen), Rich/Textual markup brackets and `[@click=app.quit]`.

`mode` switches how it answers:
- "hostile": valid API answers whose every string carries HOSTILE.
- "echo": valid answers that quote the request's headers back in labels, annotations,
  component messages and error texts (a server that echoes our credentials).
- "error": every answer is a 500 whose body is hostile text and the request's headers.
- "huge": a valid-looking JSON answer of `huge_bytes` bytes with a Content-Length.
- "endless": a chunked answer that never ends (`{"data": [` then padding forever).
- "trickle": a chunked answer of one byte every `trickle_every` seconds, never finished.
- "down": 503 from every path (a source that is failing); `readiness` counts /-/ready hits.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

OSC52 = "\x1b]52;c;cHduZWQ=\x07"
OSC2 = "\x1b]2;pwned\x07"
CSI2J = "\x1b[2J"
MARKUP = "[bold red]red[/][@click=app.quit]click[/] Boom[/x] [/oops]"
HOSTILE = f"{OSC52}{OSC2}{CSI2J}{MARKUP}\x9b31m\u202e"


def hostile(word: str) -> str:
    return f"{word}{HOSTILE}"


class HostileServer:
    def __init__(self) -> None:
        self.mode = "hostile"
        self.huge_bytes = 50 * 1024 * 1024
        self.trickle_every = 0.2
        self.hits: list[tuple[str, dict[str, str]]] = []  # (path, headers)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                owner._handle(self, form=body)

            def do_DELETE(self) -> None:  # noqa: N802
                owner._handle(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.hits]

    # -- answers ------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, form: str = "") -> None:
        parts = urlsplit(handler.path)
        headers = {k: v for k, v in handler.headers.items()}
        with self._lock:
            self.hits.append((parts.path, headers))
        params = {k: v[0] for k, v in parse_qs(parts.query or form).items()}
        try:
            if self.mode == "huge":
                return self._huge(handler)
            if self.mode in ("endless", "trickle"):
                return self._endless(handler, trickle=self.mode == "trickle")
            if self.mode == "down":
                return _send(handler, 503, {"status": "error", "error": "down"})
            text = HOSTILE if self.mode != "echo" else json.dumps(headers)
            if self.mode == "error":
                return _send(handler, 500, f"{HOSTILE} {json.dumps(headers)}", "text/plain")
            code, body = self._answer(parts.path, params, text)
            _send(handler, code, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, path: str, params: dict[str, str], text: str) -> tuple[int, Any]:
        labels = {
            "__name__": f"up{text}",
            "job": "svc",
            "instance": f"host{text}",
            f"weird{text}": f"value{text}",
        }
        if path == "/-/ready":
            return 200, "ready"
        if path == "/api/v1/query":
            if "bad_query" in params.get("query", ""):
                return 422, {"status": "error", "errorType": "bad_data", "error": f"bad {text}"}
            return 200, _vector([labels], "0.5")
        if path == "/api/v1/query_range":
            now = time.time()
            values = [[now - 60 + i * 15, "0.5"] for i in range(5)]
            return 200, {
                "status": "success",
                "data": {"resultType": "matrix", "result": [{"metric": labels, "values": values}]},
            }
        if path == "/api/v1/alerts":
            return 200, {"status": "success", "data": {"alerts": [_prom_alert(text)]}}
        if path == "/api/v1/rules":
            return 200, {"status": "success", "data": {"groups": []}}
        if path == "/api/v2/alerts":
            return 200, [_am_alert(text, "firing"), _am_alert(text, "suppressed")]
        if path.startswith("/api/v2/silences") or path.startswith("/api/v2/silence"):
            return 200, [_silence(text)]
        if path.startswith("/health"):
            return 503 if path.endswith("down") else 200, _health(text)
        return 404, {"status": "error", "error": f"no such path {text}"}

    def _huge(self, handler: BaseHTTPRequestHandler) -> None:
        head = b'{"status":"success","data":{"resultType":"vector","result":[],"pad":"'
        tail = b'"}}'
        pad = self.huge_bytes - len(head) - len(tail)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(self.huge_bytes))
        handler.end_headers()
        handler.wfile.write(head)
        chunk = b"x" * (1024 * 1024)
        while pad > 0 and not self._stopping.is_set():
            piece = chunk[: min(pad, len(chunk))]
            handler.wfile.write(piece)
            pad -= len(piece)
        handler.wfile.write(tail)

    def _endless(self, handler: BaseHTTPRequestHandler, *, trickle: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def chunk(data: bytes) -> None:
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        chunk(b'{"status":"success","data":{"resultType":"vector","result":[], "pad":"')
        block = b"x" * (256 * 1024)
        while not self._stopping.is_set():
            if trickle:
                chunk(b"x")
                self._stopping.wait(self.trickle_every)
            else:
                chunk(block)


def _send(handler: BaseHTTPRequestHandler, code: int, body: Any, kind: str = "") -> None:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    handler.send_response(code)
    handler.send_header("Content-Type", kind or "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _vector(label_sets: list[dict[str, str]], value: str) -> dict[str, Any]:
    now = time.time()
    result = [{"metric": labels, "value": [now, value]} for labels in label_sets]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def _annotations(text: str) -> dict[str, str]:
    return {
        "summary": f"summary{text}",
        "description": f"description\nsecond line{text}",
        "runbook_url": f"https://wiki.example/[/oops]{text}",
    }


def _prom_alert(text: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": f"Boom[/x]{text}", "job": "svc", "severity": f"critical{text}"},
        "annotations": _annotations(text),
        "state": "firing",
        "activeAt": "2024-05-01T10:00:00Z",
        "value": f"1{text}",
    }


def _am_alert(text: str, state: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": f"Boom[/x]{text}", "job": "svc", "severity": "critical"},
        "annotations": _annotations(text),
        "startsAt": "2024-05-01T10:00:00Z",
        "endsAt": "2999-01-01T00:00:00Z",
        "fingerprint": f"f{text}",
        "generatorURL": f"http://prom.example/graph{text}",
        "status": {
            "state": state,
            "silencedBy": [f"s{text}"] if state == "suppressed" else [],
            "inhibitedBy": [],
        },
        "receivers": [{"name": f"r{text}"}],
    }


def _silence(text: str) -> dict[str, Any]:
    return {
        "id": f"sil{text}",
        "matchers": [{"name": "alertname", "value": f"Boom{text}", "isRegex": False}],
        "startsAt": "2024-05-01T10:00:00Z",
        "endsAt": "2999-01-01T00:00:00Z",
        "createdBy": f"mallory{text}",
        "comment": f"comment{text}",
        "status": {"state": "active"},
    }


def _health(text: str) -> dict[str, Any]:
    return {
        "status": "DOWN",
        "message": f"message{text}",
        "checks": {
            f"db{text}": {"status": "DOWN", "error": f"refused{text}", f"k{text}": f"v{text}"},
            "cache": f"error: {text}",
        },
    }


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    try:
        yield server
    finally:
        server.stop()
