"""A config with health probes and Kubernetes but no `datasources:` is no demo: it probes.

The demo is chosen by the command (`oncall demo`, `--demo`), never guessed from the config.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_tui.config.loader import load_config
from oncall_tui.sources.registry import build_sources
from oncall_tui.ui.app import OncallApp

pytestmark = pytest.mark.integration


def _write(tmp_path: Path, live_url: str, down_url: str, kube: bool) -> Path:
    kubernetes = (
        "    kubernetes: {context: prod, namespace: cqar, selector: app=cqar, timeout: 20s}\n"
        if kube
        else ""
    )
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""\
services:
  edge:
    title: Edge
    health:
      - {{name: live, url: "{live_url}"}}
      - {{name: ready, url: "{down_url}"}}
{kubernetes}"""
    )
    return path


def test_probes_and_pods_run_with_no_datasource(
    health_http_server, fake_kube, kubeconfig, tmp_path: Path
) -> None:
    live = health_http_server.answer("/live", body={"status": "UP"})
    down = health_http_server.answer("/ready", status=503, body={"status": "DOWN"})
    config_path = _write(tmp_path, live, down, kube=True)
    config = load_config(config_path)
    assert not config.datasources and not config.demo
    names = sorted(type(s).__name__ for s in build_sources(config))
    assert names == ["HealthSource", "KubernetesSource"]

    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--config", str(config_path)]
        + ["--format", "json"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr  # the ready probe answers 503: crit
    report = json.loads(done.stdout)
    edge = report["services"]["edge"]
    assert {name: p["status"] for name, p in edge["health"].items()} == {
        "live": "ok",
        "ready": "crit",
    }
    assert sorted(seen.path for seen in health_http_server.seen) == ["/live", "/ready"]
    assert edge["kubernetes"]["status"] in ("ok", "warn", "crit")  # the pods were read


async def test_the_dashboard_shows_probes_with_no_datasource(
    health_http_server, tmp_path: Path
) -> None:
    live = health_http_server.answer("/live", body={"status": "UP"})
    down = health_http_server.answer("/ready", status=503, body={"status": "DOWN"})
    config = load_config(_write(tmp_path, live, down, kube=False))
    app = OncallApp(config, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await pilot.pause()
        edge = app.snapshot.service("edge")
        assert edge is not None and edge.status.value == "crit"
        assert app.title != "oncall DEMO"
