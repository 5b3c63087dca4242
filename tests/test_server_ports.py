"""The test servers in parallel test processes: a port lost to another process is not used.

`free_port()` finds a port free a moment ago; another test process may take it before the
server binds it. The server then starts on another port, and an answer from another process's
server on the lost port is never taken for its own.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from servers import process
from servers.alertmanager import AlertmanagerServer
from servers.process import refused_port


class _Ready(BaseHTTPRequestHandler):
    """Another process's server: ready, and not an Alertmanager."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ready (someone else)")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another server already listens on, answering 200 to every GET."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.integration
def test_a_server_whose_port_was_taken_starts_on_another(
    taken_port: int, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    ports = iter([taken_port])
    real_free_port = process.free_port
    monkeypatch.setattr(process, "free_port", lambda: next(ports, None) or real_free_port())

    server = AlertmanagerServer(tmp_path)
    try:
        assert server.port != taken_port
        assert server.running
        status = httpx.get(f"{server.url}/api/v2/status", timeout=5.0).json()
        assert "cluster" in status  # Alertmanager's own answer, not the other server's
        assert "address already in use" in server.log_path.read_text()  # it did try the first
    finally:
        server.stop()


def test_a_refused_port_refuses_and_stays_reserved() -> None:
    port = refused_port()
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))
    with socket.socket() as other, pytest.raises(OSError):
        other.bind(("127.0.0.1", port))  # no other process can start a server there
