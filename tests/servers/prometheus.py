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
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .exporter import Exporter

PROMETHEUS_BIN = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")
READY_TIMEOUT = 20.0


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    interval: float = 0.1,
    *,
    description: str = "condition",
) -> None:
    """Poll `predicate` until it is truthy; TimeoutError naming `description` past `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if predicate():
                return
            last_error = None
        except Exception as exc:  # a server still starting refuses connections: keep polling
            last_error = exc
        if time.monotonic() >= deadline:
            why = f" (last error: {last_error!r})" if last_error is not None else ""
            raise TimeoutError(f"{description} not met within {timeout:.1f} s{why}")
        time.sleep(interval)


class PrometheusServer:
    """One Prometheus process; `stop()` it (fixtures do) or use it as a context manager."""

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
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oncall-prom-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "prometheus.log"
        self.config_path = self.workdir / "prometheus.yml"
        self.port = port or free_port()
        self.targets = tuple(targets)
        self.extra_args = tuple(extra_args)
        self._write_config(rule_files, alertmanager_url)
        self._proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

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

    def start(self) -> None:
        """Start the process (again) on the same port and data folder; wait until ready."""
        if self.running:
            return
        args = [
            PROMETHEUS_BIN,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
            "--log.level=info",
            *self.extra_args,
        ]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            wait_until(
                self._ready, READY_TIMEOUT, 0.05, description=f"Prometheus ready at {self.url}"
            )
        except TimeoutError as exc:
            self.stop()
            raise TimeoutError(f"{exc}\n--- prometheus.log ---\n{self.log_tail()}") from None

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(f"Prometheus exited with {self._proc.returncode}\n{self.log_tail()}")
        return httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

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

    def kill(self) -> None:
        """SIGKILL at once: an outage without a clean shutdown."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and remove the folder (when this server created it)."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

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
            raise TimeoutError(f"{exc}\n--- prometheus.log ---\n{self.log_tail()}") from None

    def __enter__(self) -> PrometheusServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
