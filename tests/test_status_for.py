"""`oncall status` judges `for:` in one poll: from Prometheus's own history of the query over
the hold window (a real Prometheus, a real exporter, the real CLI); probes, which have no
history, are pending while over their line, never ok."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.health import HealthHttpServer
from servers.prometheus import PrometheusServer

pytestmark = pytest.mark.integration

QUEUE = 'sum(cqar_queue_depth{job="$job"})'


def write_config(path: Path, url: str, kpis: str, health: str = "") -> Path:
    path.write_text(
        f"""
datasources:
  default: {{url: "{url}", timeout: 3s}}
services:
  cqar:
    vars: {{job: exporter}}
    kpis:
{kpis}
{health}
"""
    )
    return path


def oncall_status(config: Path) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--format", "json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def oncall_status_table(config: Path) -> subprocess.CompletedProcess[str]:
    """`oncall status` as a table, 160 columns wide."""
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def breaching(module_exporter: Exporter, module_prometheus: PrometheusServer) -> PrometheusServer:
    """One server for the tests that only read it: a queue 150 deep (crit 100) and a cache
    hit rate of 50 % (crit under 70 %), each seen by Prometheus for at least 5 s."""
    module_exporter.queue_depth(150)
    module_exporter.gauge("cqar_cache_hit_ratio", 0.5)
    module_prometheus.wait_for_series(
        "min_over_time(cqar_queue_depth[6s]) >= 100 and count_over_time(cqar_queue_depth[6s]) >= 5"
        " and timestamp(cqar_queue_depth) - 5 > min_over_time(timestamp(cqar_queue_depth)[1m:1s])",
        timeout=30,
    )
    module_prometheus.wait_for_series(
        "max_over_time(cqar_cache_hit_ratio[6s]) <= 0.5"
        " and timestamp(cqar_cache_hit_ratio) - 4"
        " > min_over_time(timestamp(cqar_cache_hit_ratio)[1m:1s])",
        timeout=30,
    )
    return module_prometheus


def test_over_the_crit_for_longer_than_the_hold_is_crit_with_exit_2(breaching, tmp_path):
    config = write_config(
        tmp_path / "oncall.yaml",
        breaching.url,
        f"      queue_depth: {{query: '{QUEUE}', unit: count, warn: 50, crit: 100, for: 3s}}",
    )
    code, report = oncall_status(config)
    queue = report["services"]["cqar"]["kpis"]["queue_depth"]
    assert (queue["status"], queue["pending"]) == ("crit", None), queue
    assert (code, report["status"], report["exit_code"]) == (2, "crit", 2)


def test_over_the_crit_for_less_than_the_hold_is_pending_with_exit_1(breaching, tmp_path):
    config = write_config(
        tmp_path / "oncall.yaml",
        breaching.url,
        f"      queue_depth: {{query: '{QUEUE}', unit: count, crit: 100, for: 1h}}",
    )
    code, report = oncall_status(config)
    queue = report["services"]["cqar"]["kpis"]["queue_depth"]
    assert queue["status"] == "pending" and queue["value"] == 150
    pending = queue["pending"]
    assert pending["status"] == "crit" and pending["since"] and pending["counts_at"]
    assert pending["counts_at"] > pending["since"]
    assert report["services"]["cqar"]["status"] == "pending"
    assert (code, report["status"], report["exit_code"]) == (1, "pending", 1)


def test_the_table_says_pending_what_to_and_when(breaching, tmp_path):
    config = write_config(
        tmp_path / "oncall.yaml",
        breaching.url,
        f"      queue_depth: {{query: '{QUEUE}', unit: count, crit: 100, for: 1h}}",
    )
    done = oncall_status_table(config)
    assert done.returncode == 1, done.stderr
    assert "◔ PENDING CRIT in 59 min" in done.stdout or "◔ PENDING CRIT in 1 h" in done.stdout
    queue_rows = [line for line in done.stdout.splitlines() if "queue" in line]
    assert queue_rows and all("● OK" not in line for line in queue_rows)


def test_probes_with_for_over_their_line_are_pending_never_ok(
    health_http_server: HealthHttpServer, tmp_path
):
    health_http_server.answer("/api/v1/alerts", body={"status": "success", "data": {"alerts": []}})
    health_http_server.answer("/missing", status=404, body="not found")
    health_http_server.answer(
        "/ready", status=503, body={"status": "not ready", "failed": ["redis"]}
    )
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""
datasources:
  default: {{url: "{health_http_server.url("")}"}}
services:
  cqar:
    health:
      - {{name: page, url: "{health_http_server.url("/missing")}", for: 1s}}
      - {{name: ready, url: "{health_http_server.url("/ready")}", for: 30s}}
"""
    )
    code, report = oncall_status(path)
    health = report["services"]["cqar"]["health"]
    for name in ("page", "ready"):
        assert health[name]["status"] == "pending", health[name]
        assert health[name]["pending"]["status"] == "crit"
    assert health["ready"]["http_status"] == 503
    assert report["services"]["cqar"]["status"] == "pending"
    assert code == 1 and report["status"] == "pending"


def test_a_cache_hit_rate_under_its_crit_for_longer_than_the_hold_exits_2(breaching, tmp_path):
    """Lower is worse: 50 % against a 70 % crit (80 % warn), held by for:. The hold used to
    keep the KPI ok in one poll, so a warning-severity alert alone set the exit code to 1."""
    config = write_config(
        tmp_path / "oncall.yaml",
        breaching.url,
        "      cache_hit_rate: {query: 'cqar_cache_hit_ratio{job=\"$job\"}', unit: ratio,"
        " warn: 0.80, crit: 0.70, for: 2s}",
    )
    code, report = oncall_status(config)
    cache = report["services"]["cqar"]["kpis"]["cache_hit_rate"]
    assert (cache["value"], cache["status"]) == (0.5, "crit"), cache
    assert code == 2 and report["status"] == "crit"


def test_a_breach_older_than_the_points_looked_at_is_dated_before_them_never_now(
    breaching, tmp_path
):
    """Crit all through the `for:` window it loaded: `since` is the oldest point of the
    window and says the breach began before it (`> 3 s` in the table, not `now`)."""
    from datetime import datetime

    config = write_config(
        tmp_path / "oncall.yaml",
        breaching.url,
        f"      queue_depth: {{query: '{QUEUE}', unit: count, crit: 100, for: 3s}}",
    )
    code, report = oncall_status(config)
    queue = report["services"]["cqar"]["kpis"]["queue_depth"]
    assert (code, queue["status"]) == (2, "crit"), queue
    since = datetime.fromisoformat(queue["since"].replace("Z", "+00:00"))
    generated = datetime.fromisoformat(report["generated_at"].replace("Z", "+00:00"))
    assert (generated - since).total_seconds() >= 3, (queue["since"], report["generated_at"])
    assert queue["since_open"] is True
    done = oncall_status_table(config)
    assert done.returncode == 2, done.stderr
    row = next(line for line in done.stdout.splitlines() if "queue" in line)
    assert "> " in row and " now " not in row, row
