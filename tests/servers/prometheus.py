"""A real Prometheus (the Debian /usr/bin/prometheus) on a free loopback port, for tests.

`PrometheusServer` writes a prometheus.yml (1 s scrape and evaluation interval) into its own
folder, starts the binary with its TSDB in that folder and waits for `/-/ready`. `restart()`
reuses the port and the data folder, so history survives a restart. The process log goes to
`prometheus.log` in the folder and is quoted in every failure message.

Fixtures (function scope unless said otherwise):
- `exporter`: an `Exporter` with the `cqar` metrics, stopped after the test.
- `prometheus_factory`: `prometheus_factory(targets=[...], rule_files=[...],
  alertmanager_url=...)` starts servers that are all stopped after the test.
- `prometheus`: a server scraping `exporter`, already holding its first samples.
- `module_exporter` / `module_prometheus`: the same pair shared by one test module, for
  tests that only read (they must not kill, restart or depend on counts of other tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .exporter import Exporter
from .process import READY_TIMEOUT, ServerProcess, free_port, wait_until

__all__ = ["READY_TIMEOUT", "PrometheusServer", "free_port", "wait_until"]

PROMETHEUS_BIN = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")


class PrometheusServer(ServerProcess):
    """One Prometheus process; `stop()` it (fixtures do) or use it as a context manager."""

    name = "Prometheus"

    def __init__(
        self,
        targets: Sequence[str] = (),
        *,
        rule_files: Sequence[Path] = (),
        alertmanager_url: str | None = None,
        workdir: Path | None = None,
        port: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        super().__init__(workdir, prefix="oncall-prom-", port=port)
        self.data_dir = self.workdir / "data"
        self.config_path = self.workdir / "prometheus.yml"
        self.targets = tuple(targets)
        self.extra_args = tuple(extra_args)
        self._write_config(rule_files, alertmanager_url)
        self.start()

    def _write_config(self, rule_files: Sequence[Path], alertmanager_url: str | None) -> None:
        config: dict[str, Any] = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [
                {
                    "job_name": "exporter",
                    "scrape_interval": "1s",
                    "static_configs": [{"targets": list(self.targets)}],
                }
            ],
        }
        if rule_files:
            config["rule_files"] = [str(Path(p).resolve()) for p in rule_files]
        if alertmanager_url:
            target = alertmanager_url.split("://", 1)[-1].rstrip("/")
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [target]}]}]}
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def command(self) -> list[str]:
        return [
            PROMETHEUS_BIN,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
            "--log.level=info",
            *self.extra_args,
        ]

    def flush(self) -> None:
        """Nothing to do: Prometheus's samples are searchable as they are scraped."""

    def query(self, expr: str, at: float | None = None) -> dict[str, Any]:
        """Prometheus's own JSON answer to an instant query, to compare values against."""
        params: dict[str, str] = {"query": expr}
        if at is not None:
            params["time"] = repr(at)
        response = httpx.get(f"{self.url}/api/v1/query", params=params, timeout=5.0)
        return response.json()

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        params = {"query": expr, "start": repr(start), "end": repr(end), "step": repr(step)}
        response = httpx.get(f"{self.url}/api/v1/query_range", params=params, timeout=5.0)
        return response.json()

    def wait_for_series(self, expr: str, timeout: float = 15.0, *, count: int = 1) -> None:
        """Wait until `expr` returns at least `count` series (e.g. after the first scrapes)."""

        def has_series() -> bool:
            body = self.query(expr)
            result = body.get("data", {}).get("result", [])
            if body.get("data", {}).get("resultType") == "scalar":
                return True
            return len(result) >= count

        try:
            wait_until(has_series, timeout, 0.1, description=f"series for {expr!r}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_excerpt()}") from None


PrometheusFactory = Callable[..., PrometheusServer]


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    exp = Exporter()
    yield exp
    exp.stop()


@pytest.fixture
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusFactory]:
    started: list[PrometheusServer] = []

    def start(targets: Sequence[str] = (), **kwargs: Any) -> PrometheusServer:
        kwargs.setdefault("workdir", tmp_path_factory.mktemp("prometheus"))
        server = PrometheusServer(targets, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _scraping(exp: Exporter, workdir: Path) -> PrometheusServer:
    exp.traffic(ok=10)
    server = PrometheusServer([exp.target], workdir=workdir)
    server.wait_for_series('up{job="exporter"} == 1')
    return server


@pytest.fixture
def prometheus(
    exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    server = _scraping(exporter, tmp_path_factory.mktemp("prometheus"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_exporter() -> Iterator[Exporter]:
    exp = Exporter()
    yield exp
    exp.stop()


@pytest.fixture(scope="module")
def module_prometheus(
    module_exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    server = _scraping(module_exporter, tmp_path_factory.mktemp("prometheus"))
    yield server
    server.stop()
