"""`oncall status` polls with no event loop (blocking HTTP on threads) when it can: on a real
Prometheus the answer is the one the asyncio poll gives, verdict for verdict, and a value
over its line never reads as ok; gRPC probes, Kubernetes and a named proxy keep the asyncio
poll."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from servers.process import refused_port
from servers.prometheus import PrometheusServer

from oncall_tui.commands.status import poll_once
from oncall_tui.config.loader import load_config
from oncall_tui.render.status_report import to_json
from oncall_tui.sources.registry import supports_blocking
from oncall_tui.sources.tasks import run_blocking

pytestmark = pytest.mark.integration

#: the fields of an answer that are times of the run itself, not verdicts
TIMES = ("generated_at", "last_success", "latency_ms", "since", "counts_at")


def timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def config_for(tmp_path: Path, url: str, probe_url: str) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""
record: false
datasources:
  default: {{url: "{url}", timeout: 2s}}
services:
  api:
    kpis:
      request_rate: {{query: "vector(3)", warn: 2, crit: 5}}
      error_rate: {{query: "vector(0.2)", unit: ratio, warn: 0.01, crit: 0.05}}
      latency_p99: {{query: "vector(0.01)", unit: s, warn: 0.5, crit: 1}}
      queue_depth: {{query: "vector(1) > 5", warn: 5, crit: 10}}
      pool_usage: {{query: "vector(9)", warn: 5, crit: 8, for: 30s}}
    panels:
      - {{title: broken, query: "sum(rate(x[1m])", warn: 1}}
      - {{title: scalar, query: "1 + 1", warn: 1}}
      - {{title: below, query: "vector(0.3)", warn: 0.9, crit: 0.5, direction: below}}
    health:
      - {{name: ready, url: "{probe_url}", timeout: 1s}}
  quiet:
    kpis:
      request_rate: {{query: 'sum(up{{job="exporter"}})'}}
"""
    )
    return path


def answers(config_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    config = load_config(config_path)
    assert supports_blocking(config)
    on_loop = to_json(asyncio.run(poll_once(config)))
    blocking = to_json(run_blocking(poll_once(config, blocking=True)))
    return on_loop, blocking


def test_the_blocking_poll_answers_as_the_asyncio_poll(
    tmp_path: Path, module_prometheus: PrometheusServer, health_http_server
) -> None:
    probe_url = health_http_server.answer("/ready", status=503, body={"status": "DOWN"})
    on_loop, blocking = answers(config_for(tmp_path, module_prometheus.url, probe_url))
    assert timeless(blocking) == timeless(on_loop)
    kpis = blocking["services"]["api"]["kpis"]
    assert kpis["request_rate"]["status"] == "warn"
    assert kpis["error_rate"]["status"] == "crit"
    assert kpis["latency_p99"]["status"] == "ok"
    assert kpis["pool_usage"]["status"] == "crit"  # over its line for longer than its for:
    assert kpis["broken"]["status"] == "error" and "parse error" in kpis["broken"]["error"]
    assert kpis["below"]["status"] == "crit"
    assert blocking["services"]["api"]["health"]["ready"]["status"] == "crit"
    assert blocking["exit_code"] == 2 and blocking["status"] == "crit"


def test_a_dead_datasource_is_unknown_never_ok_on_both(tmp_path: Path, health_http_server) -> None:
    probe_url = health_http_server.answer("/ready", status=200, body={"status": "UP"})
    url = f"http://127.0.0.1:{refused_port()}"
    on_loop, blocking = answers(config_for(tmp_path, url, probe_url))
    assert timeless(blocking) == timeless(on_loop)
    for kpi in blocking["services"]["api"]["kpis"].values():
        assert kpi["status"] == "stale" or kpi["status"] == "error", kpi
        assert "connection refused" in kpi["error"]
    assert blocking["sources"]["prometheus default"]["ok"] is False
    assert blocking["exit_code"] == 3


def test_grpc_probes_and_kubernetes_keep_the_asyncio_poll(tmp_path: Path) -> None:
    grpc = tmp_path / "grpc.yaml"
    grpc.write_text(
        "record: false\nservices:\n  api:\n    health:\n"
        "      - {name: g, grpc: '127.0.0.1:1', timeout: 1s}\n"
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        "record: false\nservices:\n  api:\n    health:\n"
        "      - {name: h, url: 'http://127.0.0.1:1/', timeout: 1s}\n"
    )
    assert not supports_blocking(load_config(grpc))
    assert supports_blocking(load_config(plain))
