"""SLO burn rates end to end: a real Prometheus scraping an exporter whose error share we set.

Short custom windows (20s and 5s, a 1h budget window) stand for the hour-long ones: a 10 %
error share against a 90 % objective burns at 1x, past the pair's 0.5x rate, so the SLO
turns crit once both windows have seen enough errors, and ok again once the short window
has cooled. The figures in `oncall status`'s JSON must be the ones Prometheus itself gives
for the same queries at the moment they were asked.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.prometheus import PrometheusServer, wait_until
from servers.sli_exporter import SliExporter

from oncall_tui.commands.status import poll_once
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import Config
from oncall_tui.render.status_report import to_json
from oncall_tui.sources.base import CheckKind

pytestmark = pytest.mark.integration

RATIO = (
    'sum(rate(slo_requests_total{job="$job",code="500"}[$window]))'
    ' / sum(rate(slo_requests_total{job="$job"}[$window]))'
)
OBJECTIVE = 0.9


@pytest.fixture
def sli_exporter() -> Iterator[SliExporter]:
    exporter = SliExporter()
    yield exporter
    exporter.stop()


@pytest.fixture
def scraping(
    sli_exporter: SliExporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    server = PrometheusServer([sli_exporter.target], workdir=tmp_path_factory.mktemp("prom"))
    try:
        # two scrapes in the short window, so every ratio has a value
        server.wait_for_series('sum(rate(slo_requests_total{job="exporter"}[5s])) > 0')
        yield server
    finally:
        server.stop()


def write_config(path: Path, url: str) -> Config:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 2s}}
services:
  api:
    vars: {{job: exporter}}
    slos:
      - name: availability
        objective: {OBJECTIVE * 100:g}%
        window: 1h
        error_ratio: '{RATIO}'
        windows:
          - {{long: 20s, short: 5s, burn: 0.5, action: page}}
"""
    )
    return load_config(path, environ={})


def poll(config: Config) -> tuple[dict[str, Any], float]:
    """`oncall status`'s JSON entry of the SLO, and when its queries were asked."""
    snapshot = asyncio.run(poll_once(config))
    service = snapshot.service("api")
    assert service is not None
    check = service.check(CheckKind.SLO, "availability")
    assert check is not None and check.updated_at is not None
    return to_json(snapshot)["services"]["api"]["slos"]["availability"], check.updated_at


def prometheus_ratios(server: PrometheusServer, window: str, at: float) -> list[float]:
    """Prometheus's own error ratio over `window` at every 10 ms from `at` on: the source
    asked a moment after `at`, and the answer changes only when a scrape enters or leaves
    the window (every series of the ratio has the same scrape times, so `rate()`'s
    extrapolation cancels out between numerator and denominator)."""
    query = RATIO.replace("$job", "exporter").replace("$window", window)
    body = server.query_range(query, at, at + 1.0, 0.01)
    assert body["status"] == "success", body
    (series,) = body["data"]["result"]
    return [float(v) for _, v in series["values"]]


def assert_figures_are_prometheus_own(
    entry: dict[str, Any], server: PrometheusServer, at: float
) -> None:
    for window in ("5s", "20s", "1h"):
        burn = entry["burn"][window]
        candidates = [r / (1 - OBJECTIVE) for r in prometheus_ratios(server, window, at)]
        nearest = min(candidates, key=lambda c: abs(c - burn))
        assert burn == pytest.approx(nearest, rel=1e-9), (window, burn, candidates[:5])
    budget = 1 - entry["burn"]["1h"]
    assert entry["budget_left"] == pytest.approx(budget, rel=1e-9)
    assert entry["exhausted_in_s"] == pytest.approx(budget * 3600 / entry["burn"]["1h"], rel=1e-9)


def test_ten_percent_errors_turn_the_slo_crit_and_it_recovers(
    sli_exporter: SliExporter, scraping: PrometheusServer, tmp_path: Path
) -> None:
    config_path = tmp_path / "oncall.yaml"
    config = write_config(config_path, scraping.url)

    entry, _ = poll(config)
    assert entry["status"] == "ok", entry
    assert entry["firing"] == []
    assert entry["budget_left"] == pytest.approx(1.0)

    sli_exporter.set_error_share(0.10)
    started = time.monotonic()
    found: dict[str, Any] = {}

    def crit() -> bool:
        found["entry"], found["at"] = poll(config)
        return bool(found["entry"]["status"] == "crit")

    wait_until(crit, timeout=30.0, interval=0.5, description="the SLO to turn crit")
    took = time.monotonic() - started
    entry, at = found["entry"], found["at"]
    assert entry["firing"] == ["20s/5s"]
    assert entry["burn"]["5s"] >= 0.5 and entry["burn"]["20s"] >= 0.5
    assert 0 < entry["budget_left"] < 1
    assert_figures_are_prometheus_own(entry, scraping, at)
    assert took < 25.0

    # the real command says the same, and pages by its exit code
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "status",
            "--config",
            str(config_path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    cli = json.loads(done.stdout)["services"]["api"]["slos"]["availability"]
    assert cli["status"] == "crit" and cli["firing"] == ["20s/5s"]

    sli_exporter.set_error_share(0.0)

    def ok() -> bool:
        found["entry"], found["at"] = poll(config)
        return bool(found["entry"]["status"] == "ok")

    wait_until(ok, timeout=30.0, interval=0.5, description="the SLO to be ok again")
    entry = found["entry"]
    assert entry["firing"] == []
    # ok because a window of the pair is back under 0.5x: the short one, save when a
    # loaded machine's late scrapes leave rate() over its few samples a little high
    assert min(entry["burn"]["5s"], entry["burn"]["20s"]) < 0.5
    # the errors stay in the budget: spent, not forgotten
    assert entry["budget_left"] < 1.0
    assert_figures_are_prometheus_own(entry, scraping, found["at"])
