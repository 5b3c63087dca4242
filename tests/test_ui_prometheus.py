"""The dashboard against a real Prometheus scraping a real exporter (pilot tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer
from ui_builders import screen_text

from oncall_tui.config.loader import load_config
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.matrix import ServiceMatrix

pytestmark = pytest.mark.integration

ERROR_RATIO = (
    'sum(rate(cqar_grpc_calls_total{job="$job",status_code!="OK"}[10s]))'
    ' / sum(rate(cqar_grpc_calls_total{job="$job"}[10s]))'
)


def write_config(path: Path, url: str) -> Path:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 1s}}
services:
  cqar:
    title: CQAR asset registry
    vars: {{job: exporter}}
    kpis:
      request_rate: {{query: 'sum(rate(cqar_grpc_calls_total{{job="$job"}}[10s]))', unit: req/s}}
      error_rate: {{query: '{ERROR_RATIO}', unit: ratio, warn: 0.001, crit: 0.01, nodata: ok}}
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
"""
    )
    return path


@pytest.fixture
def traffic(exporter: Exporter) -> Iterator[Callable[[int, int], None]]:
    """Calls every 100 ms; the returned setter changes the ok/error mix."""
    mix = {"ok": 20, "errors": 0}
    stop = threading.Event()

    def drive() -> None:
        while not stop.wait(0.1):
            exporter.traffic(ok=mix["ok"], errors=mix["errors"])

    def set_mix(ok: int, errors: int) -> None:
        mix.update(ok=ok, errors=errors)

    exporter.pool(5, 20)
    exporter.queue_depth(7)
    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    yield set_mix
    stop.set()
    thread.join(timeout=2)


@pytest.fixture
def app(traffic, prometheus: PrometheusServer, tmp_path: Path) -> OncallApp:
    prometheus.wait_for_series("sum(rate(cqar_grpc_calls_total[10s])) > 0", timeout=20)
    prometheus.wait_for_series("cqar_queue_depth == 7", timeout=20)
    config = load_config(write_config(tmp_path / "oncall.yaml", prometheus.url))
    return OncallApp(config)


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.2)


def cqar_row(app: OncallApp) -> list[str]:
    table = app.query_one(ServiceMatrix)
    return [cell.plain for cell in table.get_row("cqar")]


def cqar_cell(app: OncallApp, column: str) -> str:
    return app.query_one(ServiceMatrix).get_cell("cqar", column).plain


def kpi_status(app: OncallApp, key: str) -> Status | None:
    snapshot = app.snapshot
    service = snapshot.service("cqar") if snapshot else None
    check = service.check(CheckKind.KPI, key) if service else None
    return check.status if check else None


async def test_overview_shows_the_values_prometheus_answers(app):
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "● 7" in cqar_row(app))
        row = cqar_row(app)
        assert row[:2] == ["● OK", "cqar"]
        assert "● 25" in row  # pool 5 of 20, under the heading `pool %`
        assert "req/s" in screen_text(app).splitlines()[2]  # the rate's unit, in its heading
        header = screen_text(app).splitlines()[0]
        assert "● prometheus default" in header


async def test_an_error_burst_turns_the_error_rate_cell_crit_with_glyph_and_word(app, traffic):
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: kpi_status(app, "error_rate") is Status.OK)
        traffic(0, 5)
        await wait_for(pilot, lambda: kpi_status(app, "error_rate") is Status.CRIT, timeout=30)
        app.tick()
        await pilot.pause()
        row = cqar_row(app)
        assert row[0] == "✖ CRIT"
        error_cell = cqar_cell(app, "error_rate")
        assert error_cell.startswith("✖ ") and error_cell.endswith(" % CRIT")
        assert error_cell in screen_text(app)


async def test_killing_prometheus_shows_the_stale_banner_with_an_age_and_restart_clears_it(
    app, prometheus
):
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "● 7" in cqar_row(app))
        prometheus.kill()
        banner = "prometheus default unreachable: showing data from"
        await wait_for(pilot, lambda: banner in screen_text(app))
        line = next(ln for ln in screen_text(app).splitlines() if banner in ln)
        assert " ago" in line and "STALE" in line
        # the last value stays, marked stale in glyph and word
        assert cqar_cell(app, "queue_depth") == "◌ 7 STALE"
        assert kpi_status(app, "queue_depth") is Status.STALE
        prometheus.start()
        await wait_for(pilot, lambda: banner not in screen_text(app), timeout=40)
        await wait_for(pilot, lambda: kpi_status(app, "queue_depth") is Status.OK)
        assert "● 7" in cqar_row(app)
