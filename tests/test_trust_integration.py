"""Losing data never turns a page green or grey, against real servers: a killed exporter (its
target down) makes its rates stale "targets down" instead of decaying; a killed Prometheus
keeps crit cells crit beside STALE."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer

from oncall_tui.config.loader import load_config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckKind, ErrorKind
from oncall_tui.sources.registry import build_sources
from oncall_tui.status import Status

pytestmark = pytest.mark.integration

SCRAPE = 1.0  # the test Prometheus scrapes every second


def write_config(path: Path, url: str) -> Path:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 1s}}
services:
  cqar:
    vars: {{job: exporter}}
    kpis:
      request_rate: {{query: 'sum(rate(cqar_grpc_calls_total{{job="$job"}}[30s]))', unit: req/s}}
      queue_depth:
        query: 'sum(cqar_queue_depth{{job="$job"}})'
        unit: count
        warn: 50
        crit: 100
"""
    )
    return path


@pytest.fixture
def busy(exporter: Exporter) -> Iterator[Exporter]:
    stop = threading.Event()

    def drive() -> None:
        while not stop.wait(0.1):
            exporter.traffic(ok=20)

    exporter.queue_depth(150)  # crit
    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    yield exporter
    stop.set()
    thread.join(timeout=2)


async def until(predicate, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting; last: {what()}"
        await asyncio.sleep(0.05)


async def test_a_killed_exporter_turns_its_rates_stale_targets_down_within_two_scrapes(
    busy, prometheus: PrometheusServer, tmp_path
):
    prometheus.wait_for_series("sum(rate(cqar_grpc_calls_total[30s])) > 0", timeout=20)
    config = load_config(write_config(tmp_path / "oncall.yaml", prometheus.url))
    state = DashboardState(config)
    poller = Poller(build_sources(config), state)
    task = asyncio.create_task(poller.run())

    def service():
        return state.snapshot().service("cqar")

    def rate():
        return service().check(CheckKind.KPI, "request_rate")

    def targets():
        return service().check(CheckKind.KPI, "targets_up")

    try:
        await until(lambda: rate().status is Status.OK and rate().value, 15, rate)
        assert targets().status is Status.OK and targets().value == 1
        await asyncio.to_thread(busy.stop)
        killed = time.monotonic()
        await until(lambda: rate().status is Status.STALE, 30, rate)
        # two scrapes to see the target down, one poll to read it, one to judge the rate
        assert time.monotonic() - killed <= 2 * SCRAPE + 2 * 1.0 + 1.5
        stale = rate()
        assert stale.error is not None and stale.error.kind is ErrorKind.TARGETS_DOWN
        assert "targets down" in str(stale.error)
        assert targets().status is Status.CRIT
        assert service().status is Status.CRIT
        await asyncio.sleep(2.5)
        # still stale, the value held: rate() goes on answering a decaying average, not shown
        assert rate().status is Status.STALE and rate().value == stale.value
        assert rate().updated_at == stale.updated_at
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()


async def test_a_killed_prometheus_keeps_crit_cells_crit_beside_stale(
    busy, prometheus: PrometheusServer, tmp_path
):
    prometheus.wait_for_series("cqar_queue_depth >= 100", timeout=20)
    config = load_config(write_config(tmp_path / "oncall.yaml", prometheus.url))
    state = DashboardState(config)
    poller = Poller(build_sources(config), state)
    task = asyncio.create_task(poller.run())

    def queue():
        return state.snapshot().service("cqar").check(CheckKind.KPI, "queue_depth")

    try:
        await until(lambda: queue().status is Status.CRIT, 15, queue)
        await asyncio.to_thread(prometheus.kill)
        await until(lambda: queue().status is Status.STALE, 15, queue)
        stale = queue()
        assert stale.last_verdict is Status.CRIT and stale.loudest is Status.CRIT
        assert stale.value == 150
        assert state.snapshot().service("cqar").status is Status.CRIT
        from oncall_tui.render.cells import kpi_cell

        assert kpi_cell(stale, now=time.time()).text.startswith("✖ 150 ◌ STALE")
        from oncall_tui.render.status_report import report_exit_code

        assert report_exit_code(state.snapshot()) == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()
