"""`oncall status` end to end: the real CLI, a real exporter, and a real Prometheus or a real
VictoriaMetrics (every test with a server runs on both: see `servers.backends`)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from servers import backends
from servers.exporter import Exporter
from servers.process import refused_port
from servers.prometheus import PrometheusServer

from oncall_tui.config.loader import load_config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.registry import build_sources
from oncall_tui.status import Status

pytestmark = pytest.mark.integration

backend = backends.backend
module_prometheus = backends.module_prometheus
prometheus = backends.prometheus

ERROR_RATIO = (
    'sum(rate(cqar_grpc_calls_total{job="$job",status_code!="OK"}[10s]))'
    ' / sum(rate(cqar_grpc_calls_total{job="$job"}[10s]))'
)


def write_config(path: Path, url: str, *, timeout: str = "2s", extra_kpis: str = "") -> Path:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: {timeout}}}
services:
  cqar:
    title: CQAR asset registry
    vars: {{job: exporter}}
    kpis:
      request_rate: {{query: 'sum(rate(cqar_grpc_calls_total{{job="$job"}}[10s]))', unit: req/s}}
      error_rate:
        query: '{ERROR_RATIO}'
        unit: ratio
        warn: 0.001
        crit: 0.01
        nodata: ok
      pool_usage:
        query: 'cqar_db_pool_active_connections{{job="$job"}} / cqar_db_pool_max_connections'
        unit: ratio
        warn: 0.8
        crit: 0.9
      queue_depth:
        query: 'sum(cqar_queue_depth{{job="$job"}})'
        unit: count
        warn: 50
        crit: 100
{extra_kpis}
"""
    )
    return path


def oncall_status(config: Path, timeout: float = 30) -> tuple[int, dict, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--format", "json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), elapsed


@contextmanager
def steady(exporter: Exporter) -> Iterator[Exporter]:
    """Successful calls every 100 ms, so rates never fall to 0/0."""
    stop = threading.Event()

    def drive() -> None:
        while not stop.wait(0.1):
            exporter.traffic(ok=20)

    exporter.pool(5, 20)
    exporter.queue_depth(7)
    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    try:
        yield exporter
    finally:
        stop.set()
        thread.join(timeout=2)


@pytest.fixture
def steady_traffic(exporter: Exporter) -> Iterator[Exporter]:
    """A test's own exporter with steady traffic (for tests that change it or kill the server)."""
    with steady(exporter) as driven:
        yield driven


@pytest.fixture(scope="module")
def shared(
    module_exporter: Exporter, module_prometheus: PrometheusServer
) -> Iterator[PrometheusServer]:
    """One server with steady traffic for the tests that only read (they change nothing)."""
    with steady(module_exporter):
        wait_for_rates(module_prometheus)
        yield module_prometheus


def wait_for_rates(prometheus: PrometheusServer) -> None:
    prometheus.wait_for_series("sum(rate(cqar_grpc_calls_total[10s])) > 0", timeout=20)
    prometheus.wait_for_series("cqar_queue_depth == 7", timeout=20)
    # a whole 10 s window of samples: a rate over a window still filling climbs from one
    # query to the next (VictoriaMetrics read 4 req/s, then 24, a moment apart)
    prometheus.wait_for_series("count_over_time(cqar_grpc_calls_total[12s]) >= 10", timeout=30)


def test_status_values_match_what_prometheus_answers(shared, tmp_path):
    prometheus = shared
    code, report, _ = oncall_status(write_config(tmp_path / "oncall.yaml", prometheus.url))
    kpis = report["services"]["cqar"]["kpis"]
    pool = prometheus.query("cqar_db_pool_active_connections / cqar_db_pool_max_connections")
    assert kpis["pool_usage"]["value"] == pytest.approx(
        float(pool["data"]["result"][0]["value"][1])
    )
    assert kpis["queue_depth"]["value"] == 7
    rate = float(
        prometheus.query("sum(rate(cqar_grpc_calls_total[10s]))")["data"]["result"][0]["value"][1]
    )
    assert kpis["request_rate"]["value"] == pytest.approx(rate, rel=0.5)
    assert kpis["error_rate"]["status"] == "ok"  # no error series yet: nodata: ok
    assert report["services"]["cqar"]["status"] == "ok"
    assert code == 0, report


def test_an_error_burst_turns_error_rate_crit_with_exit_code_2(
    steady_traffic, prometheus, tmp_path
):
    wait_for_rates(prometheus)
    stop = threading.Event()

    def burst() -> None:
        while not stop.wait(0.1):
            steady_traffic.traffic(ok=0, errors=5)

    thread = threading.Thread(target=burst, daemon=True)
    thread.start()
    try:
        prometheus.wait_for_series(
            f"({ERROR_RATIO.replace('$job', 'exporter')}) > 0.01", timeout=20
        )
        code, report, _ = oncall_status(write_config(tmp_path / "oncall.yaml", prometheus.url))
    finally:
        stop.set()
        thread.join(timeout=2)
    error_rate = report["services"]["cqar"]["kpis"]["error_rate"]
    assert error_rate["status"] == "crit"
    assert error_rate["value"] > 0.01
    assert report["services"]["cqar"]["status"] == "crit"
    assert code == 2


def test_prometheus_down_at_start_exits_3_naming_unreachable_in_bounded_time(tmp_path):
    url = f"http://127.0.0.1:{refused_port()}"
    code, report, elapsed = oncall_status(write_config(tmp_path / "oncall.yaml", url))
    assert code == 3
    error_rate = report["services"]["cqar"]["kpis"]["error_rate"]
    assert error_rate["status"] == "stale"
    assert error_rate["error"].startswith("unreachable")
    assert report["sources"]["prometheus default"]["ok"] is False
    assert elapsed < 10


def test_an_endpoint_that_never_answers_is_cut_at_its_timeout(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # accepts connections (the kernel does), never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        code, report, elapsed = oncall_status(
            write_config(tmp_path / "oncall.yaml", url, timeout="1s")
        )
    finally:
        listener.close()
    assert code == 3
    assert report["services"]["cqar"]["kpis"]["queue_depth"]["error"].startswith("timeout")
    assert elapsed < 8


def test_a_bad_query_shows_prometheus_own_message(shared, backend, tmp_path):
    prometheus = shared
    extra = (
        "    panels:\n"
        "      - {title: broken, key: broken, query: 'sum(rate(cqar_grpc_calls_total[5m]'}\n"
    )
    code, report, _ = oncall_status(
        write_config(tmp_path / "oncall.yaml", prometheus.url, extra_kpis=extra)
    )
    broken = report["services"]["cqar"]["kpis"]["broken"]
    assert broken["status"] == "error"
    assert broken["error"].startswith("bad_query")
    words = {backends.PROMETHEUS: "parse error", backends.VICTORIA_METRICS: "unparsed data"}
    assert words[backend] in broken["error"]  # in the server's own words
    assert report["sources"]["prometheus default"]["ok"] is True  # one bad query, not a dead source
    assert code == 3


def test_an_empty_result_is_nodata(shared, tmp_path):
    prometheus = shared
    extra = "    panels:\n      - {title: missing, key: missing, query: 'no_such_metric_total'}\n"
    code, report, _ = oncall_status(
        write_config(tmp_path / "oncall.yaml", prometheus.url, extra_kpis=extra)
    )
    assert report["services"]["cqar"]["kpis"]["missing"]["status"] == "nodata"
    assert code == 3


async def test_values_go_stale_with_age_when_prometheus_dies_then_recover(
    steady_traffic, prometheus, backend, tmp_path
):
    wait_for_rates(prometheus)
    config = load_config(write_config(tmp_path / "oncall.yaml", prometheus.url, timeout="1s"))
    state = DashboardState(config)
    poller = Poller(build_sources(config), state)
    task = asyncio.create_task(poller.run())

    def queue() -> object:
        return state.snapshot().service("cqar").check(CheckKind.KPI, "queue_depth")

    async def until(predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"gave up waiting; last: {queue()}"
            await asyncio.sleep(0.1)

    try:
        await until(lambda: queue().status is Status.OK, 10)
        await asyncio.to_thread(prometheus.kill)
        await until(lambda: queue().status is Status.STALE, 10)
        stale = queue()
        assert stale.value == 7  # the last value stays, marked with its age
        await asyncio.sleep(1.5)
        assert queue().age(time.time()) >= 1.5
        await asyncio.to_thread(prometheus.restart)
        await until(lambda: queue().status is Status.OK, 30)
        assert queue().age(time.time()) < 5
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()
    changes = [
        (e.before, e.after) for e in state.snapshot().timeline if e.check.key == "queue_depth"
    ]
    assert (Status.OK, Status.STALE) in changes
    # back to ok; VictoriaMetrics loses the samples it had not flushed when it was killed,
    # so there it answers "nothing" (nodata) until its first scrape after the restart
    back = changes[changes.index((Status.OK, Status.STALE)) + 1 :]
    assert back[-1][1] is Status.OK
    assert back[0] == (Status.STALE, Status.OK) or (
        backend == backends.VICTORIA_METRICS and back[0] == (Status.STALE, Status.NODATA)
    )
