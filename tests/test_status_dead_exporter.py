"""A gauge whose exporter died while it was in breach, seen for the first time afterwards: a
one-shot `oncall status`, and the dashboard's first poll after a fresh start.

Neither has a previous value (no recording, no `up` check): the query answers nothing, since
Prometheus wrote a staleness marker for the dead target's series. The source then looks back
over the last minutes with a range query, and the value the data stopped at decides: over its
line, the KPI is stale "no data since CRIT", keeping that verdict and its exit code; never
plain nodata (a real Prometheus, a real prometheus_client exporter, the real CLI).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer
from ui_builders import screen_text

from oncall_tui.config.loader import load_config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import report_exit_code
from oncall_tui.sources.base import CheckKind, ErrorKind
from oncall_tui.sources.registry import build_sources
from oncall_tui.status import Status

pytestmark = pytest.mark.integration

POOL = "max(cqar_db_pool_active_connections / cqar_db_pool_max_connections)"
QUEUE = "sum(cqar_queue_depth)"


def write_config(path: Path, url: str) -> Path:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 3s}}
services:
  blind:
    up: false
    kpis:
      pool_usage: {{query: '{POOL}', unit: ratio, warn: 0.8, crit: 0.9}}
      queue_depth: {{query: '{QUEUE}', unit: count, warn: 50, crit: 100}}
      latency_p99: {{query: 'max(oncall_never_exported)', unit: s, warn: 1, crit: 2}}
"""
    )
    return path


def oncall_status(config: Path, fmt: str = "json") -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--format", fmt, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout, done.stderr
    return done.returncode, done.stdout


def wait_empty(prometheus: PrometheusServer, expr: str, timeout: float = 20.0) -> None:
    """Until the instant query answers nothing (the staleness marker is written)."""
    deadline = time.monotonic() + timeout
    while prometheus.query(expr)["data"]["result"]:
        assert time.monotonic() < deadline, f"{expr} still answers after the exporter stopped"
        time.sleep(0.1)


@pytest.fixture
def dead_pool(exporter: Exporter, prometheus: PrometheusServer) -> PrometheusServer:
    """A pool at 95 % (crit 90 %) and a queue at 20 (ok), then the exporter killed."""
    exporter.pool(95, 100)
    exporter.queue_depth(20)
    prometheus.wait_for_series(f"{POOL} > 0.9 and on() {QUEUE} == 20", timeout=20)
    exporter.stop()
    wait_empty(prometheus, POOL)
    wait_empty(prometheus, QUEUE)
    return prometheus


def test_one_shot_status_after_the_exporter_died_in_breach_is_stale_crit_exit_2(
    dead_pool, tmp_path
):
    config = write_config(tmp_path / "oncall.yaml", dead_pool.url)
    code, out = oncall_status(config)
    report = json.loads(out)
    kpis = report["services"]["blind"]["kpis"]
    pool = kpis["pool_usage"]
    assert (pool["status"], pool["last_verdict"], pool["level"]) == ("stale", "crit", "crit"), pool
    assert pool["value"] == pytest.approx(0.95)
    assert "no data since CRIT" in pool["error"]
    # an emptied gauge that was well says nothing louder than nodata, and one never exported
    # is plain nodata: the look back finds nothing
    assert kpis["queue_depth"]["status"] == "nodata", kpis["queue_depth"]
    assert kpis["latency_p99"]["status"] == "nodata", kpis["latency_p99"]
    assert (code, report["status"], report["exit_code"]) == (2, "crit", 2)
    code, table = oncall_status(config, "table")
    assert code == 2
    assert "95" in table and "STALE" in table, table


async def test_the_dashboards_first_poll_after_a_fresh_start_is_stale_crit(dead_pool, tmp_path):
    config = load_config(write_config(tmp_path / "oncall.yaml", dead_pool.url))
    state = DashboardState(config)
    poller = Poller(build_sources(config), state)
    try:
        await poller.poll_once()
        pool = state.snapshot().service("blind").check(CheckKind.KPI, "pool_usage")
        assert pool.status is Status.STALE and pool.last_verdict is Status.CRIT, pool
        assert pool.error is not None and pool.error.kind is ErrorKind.SERIES_GONE
        assert pool.value == pytest.approx(0.95)
        # its age is the data's, not the poll's: the value stopped before the poll
        assert pool.updated_at is not None and pool.updated_at < time.time() - 0.5
        assert report_exit_code(state.snapshot()) == 2
        # the next polls (history loaded as usual) keep it there
        for _ in range(2):
            await poller.poll_once()
        snapshot = state.snapshot()
        pool = snapshot.service("blind").check(CheckKind.KPI, "pool_usage")
        assert pool.status is Status.STALE and pool.last_verdict is Status.CRIT, pool
        assert snapshot.service("blind").status is Status.CRIT
    finally:
        await poller.aclose()


async def test_the_tui_started_after_the_exporter_died_shows_the_pool_crit_stale(
    dead_pool, tmp_path
):
    from oncall_tui.ui.app import OncallApp

    config = load_config(write_config(tmp_path / "oncall.yaml", dead_pool.url))
    app = OncallApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 20

        def pool():  # type: ignore[no-untyped-def]
            return app.state.snapshot().service("blind").check(CheckKind.KPI, "pool_usage")

        # judged once (its `since` is set by the first verdict, whatever it is): other jobs,
        # such as the alerts, may answer before the KPIs' batch does
        while pool().since is None:
            assert time.monotonic() < deadline, "the first poll of the KPIs never came back"
            await pilot.pause(0.1)
        check = pool()
        await pilot.pause(0.3)
        assert check.status is Status.STALE and check.last_verdict is Status.CRIT, check
        text = screen_text(app)
        assert "STALE" in text and "✖" in text, text
