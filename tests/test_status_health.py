"""`oncall status` on health probes: the real CLI against real HTTP health endpoints.

The datasource's alert API is answered by the same loopback server (no alerts), so the
probes alone decide the exit code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from servers.health import HealthHttpServer

NOT_READY = {
    "status": "not_ready",
    "components": {"database": "ok", "cache": "error: connection refused", "eventbus": "ok"},
}
NO_ALERTS = {"status": "success", "data": {"alerts": []}}


def write_config(tmp_path: Path, server: HealthHttpServer) -> Path:
    server.answer("/api/v1/alerts", body=NO_ALERTS)
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""
datasources:
  default: {{url: "{server.url("")}"}}
services:
  cqar:
    health:
      - {{name: live, url: "{server.url("/health/live")}", timeout: 2s}}
      - {{name: ready, url: "{server.url("/health/ready")}", timeout: 2s}}
"""
    )
    return path


def run_status(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_status_json_has_each_probe_with_code_latency_components_and_exit_code_2(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    health_http_server.answer("/health/live", body={"status": "ok"})
    health_http_server.answer("/health/ready", status=503, body=NOT_READY)
    done = run_status(write_config(tmp_path, health_http_server), "--format", "json")
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "crit"
    health = report["services"]["cqar"]["health"]
    assert set(health) == {"live", "ready"}
    ready = health["ready"]
    for key in ("status", "http_status", "latency_ms", "components", "error"):
        assert key in ready
    assert ready["status"] == "crit"
    assert ready["http_status"] == 503
    assert isinstance(ready["latency_ms"], float) and 0 < ready["latency_ms"] < 2000
    assert ready["error"] is None
    assert ready["components"]["cache"] == {
        "status": "crit",
        "message": "error: connection refused",
    }
    assert ready["components"]["database"]["status"] == "ok"
    assert list(ready["components"])[0] == "cache"  # failing first
    live = health["live"]
    assert (live["status"], live["http_status"], live["components"]) == ("ok", 200, {})


def test_status_exit_code_follows_the_probes(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, health_http_server)
    health_http_server.answer("/health/live", body={"status": "ok"})
    health_http_server.answer("/health/ready", body={"status": "ready", "components": {}})
    assert run_status(config, "--format", "json").returncode == 0
    degraded = {"status": "ready", "components": {"cache": "degraded: l2 down"}}
    health_http_server.answer("/health/ready", body=degraded)
    done = run_status(config, "--format", "json")
    assert done.returncode == 1, done.stdout
    assert json.loads(done.stdout)["services"]["cqar"]["health"]["ready"]["status"] == "warn"


def test_status_json_says_why_a_refused_probe_is_crit(
    health_http_server: HealthHttpServer, health_closed_port: int, tmp_path: Path
) -> None:
    config = write_config(tmp_path, health_http_server)
    text = config.read_text().replace(
        health_http_server.url("/health/live"), f"http://127.0.0.1:{health_closed_port}/live"
    )
    config.write_text(text)
    health_http_server.answer("/health/ready", body={"status": "ready"})
    done = run_status(config, "--format", "json")
    assert done.returncode == 2
    live = json.loads(done.stdout)["services"]["cqar"]["health"]["live"]
    assert live["status"] == "crit"
    assert live["http_status"] is None and live["latency_ms"] is None
    assert "refused" in live["error"]
