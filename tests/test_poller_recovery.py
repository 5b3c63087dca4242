"""While a source is down its queries back off, but a cheap readiness check runs on the base
interval, so values come back within about one interval of the source's return."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from oncall_tui.config.loader import load_config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.registry import build_sources

pytestmark = pytest.mark.integration

INTERVAL = 0.25


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""\
refresh: {INTERVAL}
datasources:
  default: {{url: "{url}", timeout: 1s}}
services:
  svc:
    kpis:
      error_rate: {{query: 'up', warn: 0.9, crit: 0.95}}
"""
    )
    return path


async def test_values_return_within_an_interval_of_the_source(
    hostile_server, tmp_path: Path
) -> None:
    config = load_config(_config(tmp_path, hostile_server.url))
    state = DashboardState(config, time.time)
    poller = Poller(build_sources(config, time.time), state)

    def error_rate():  # type: ignore[no-untyped-def]
        service = state.snapshot().service("svc")
        assert service is not None
        return service.check(CheckKind.KPI, "error_rate")

    async def until(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
        started = time.monotonic()
        while not condition():
            assert time.monotonic() - started < timeout, "condition not met in time"
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    runner = asyncio.create_task(poller.run())
    try:
        await until(lambda: error_rate().value is not None, 10)
        hostile_server.mode = "down"  # 503 from everything, /-/ready included
        await until(lambda: error_rate().error is not None, 10)
        queries_before = hostile_server.paths().count("/api/v1/query")
        await asyncio.sleep(4.0)  # long enough for the backoff to grow past 2 s
        down_paths = hostile_server.paths()
        queries = down_paths.count("/api/v1/query") - queries_before
        ready_checks = down_paths.count("/-/ready")
        # backing off: far fewer queries than intervals, while the readiness check keeps going
        assert queries <= 6, queries
        assert ready_checks >= 8, ready_checks
        hostile_server.mode = "hostile"  # back
        took = await until(lambda: error_rate().error is None, 10)
        print(f"values back {took:.2f} s after the source ({queries} queries while down)")
        assert took < 3 * INTERVAL + 0.5
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await poller.aclose()
