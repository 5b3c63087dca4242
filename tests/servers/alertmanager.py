"""A real Alertmanager (the Debian /usr/bin/prometheus-alertmanager) on a free loopback port.

Clustering is off (`--cluster.listen-address=`), its storage lives in its own folder, and its
config routes everything to a receiver that sends nothing. `stop()` it, or use the fixtures:
- `alertmanager`: one server, stopped after the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .prometheus import free_port, wait_until

ALERTMANAGER_BIN = os.environ.get("ALERTMANAGER_BIN", "/usr/bin/prometheus-alertmanager")
READY_TIMEOUT = 20.0
CONFIG = """\
route:
  receiver: "null"
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
"""


class AlertmanagerServer:
    """One Alertmanager process on 127.0.0.1."""

    def __init__(self, workdir: Path | None = None) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oncall-am-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / "alertmanager.yml"
        self.config_path.write_text(CONFIG)
        self.log_path = self.workdir / "alertmanager.log"
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.running:
            return
        args = [
            ALERTMANAGER_BIN,
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
            "--log.level=info",
        ]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            wait_until(
                self._ready, READY_TIMEOUT, 0.05, description=f"Alertmanager ready at {self.url}"
            )
        except TimeoutError as exc:
            self.stop()
            raise TimeoutError(f"{exc}\n--- alertmanager.log ---\n{self.log_tail()}") from None

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(
                f"Alertmanager exited with {self._proc.returncode}\n{self.log_tail()}"
            )
        return httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def alerts(self) -> list[dict[str, Any]]:
        """Alertmanager's own answer, to compare against."""
        return httpx.get(f"{self.url}/api/v2/alerts", timeout=5.0).json()

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Push alerts as Prometheus would (labels, annotations, startsAt...)."""
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5.0)
        response.raise_for_status()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> AlertmanagerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerServer]:
    server = AlertmanagerServer(tmp_path_factory.mktemp("alertmanager"))
    yield server
    server.stop()
