"""A real Alertmanager (the Debian /usr/bin/prometheus-alertmanager) on a free loopback port.

Clustering is off (`--cluster.listen-address=`), its storage lives in its own folder, and its
config routes everything to a receiver that sends nothing. `stop()` it, or use the fixtures:
- `alertmanager`: one server, stopped after the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .process import ServerProcess

ALERTMANAGER_BIN = os.environ.get("ALERTMANAGER_BIN", "/usr/bin/prometheus-alertmanager")
CONFIG = """\
route:
  receiver: "null"
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
"""


class AlertmanagerServer(ServerProcess):
    """One Alertmanager process on 127.0.0.1."""

    name = "Alertmanager"

    def __init__(self, workdir: Path | None = None) -> None:
        super().__init__(workdir, prefix="oncall-am-")
        self.config_path = self.workdir / "alertmanager.yml"
        self.config_path.write_text(CONFIG)
        self.start()

    def command(self) -> list[str]:
        return [
            ALERTMANAGER_BIN,
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
            "--log.level=info",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Alertmanager's own answer, to compare against."""
        return httpx.get(f"{self.url}/api/v2/alerts", timeout=5.0).json()

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Push alerts as Prometheus would (labels, annotations, startsAt...)."""
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5.0)
        response.raise_for_status()


@pytest.fixture
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerServer]:
    server = AlertmanagerServer(tmp_path_factory.mktemp("alertmanager"))
    yield server
    server.stop()
