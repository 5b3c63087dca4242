"""`oncall status` with a service's workloads, through the fake Kubernetes API server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from servers.fake_kube import NOW, FakeKube

from oncall_tui.cli import main
from oncall_tui.config.model import Config, KubernetesTarget, Service
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import to_json
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.sources.demo.workloads import demo_workloads

pytestmark = pytest.mark.integration

CONFIG = """\
datasources:
  default: {type: prometheus, url: "http://127.0.0.1:9", timeout: 1s}
services:
  cqar:
    title: CQAR asset registry
    kubernetes: {context: prod, namespace: cqar, selector: app=cqar, timeout: 20s}
  arq:
    title: ARQ API
    kubernetes: {context: prod, namespace: arq, selector: app=arq, timeout: 20s}
"""


def oncall_status(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "oncall.yaml"
    config.write_text(CONFIG)
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", "status", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_status_json_has_the_workloads_of_each_service(
    fake_kube: FakeKube,
    kubeconfig: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # in process, on the fake server's clock: events within the hour count as recent
    monkeypatch.setattr("oncall_tui.commands.common.time", SimpleNamespace(time=lambda: NOW))
    config = tmp_path / "oncall.yaml"
    config.write_text(CONFIG)
    code = main(["status", "--config", str(config), "--format", "json", "--service", "cqar"])
    assert code == 2  # crit: a pod is crash-looping
    kube = json.loads(capsys.readouterr().out)["services"]["cqar"]["kubernetes"]
    assert {"status", "pods", "deployments", "events"} <= set(kube)
    assert kube["status"] == "crit" and kube["error"] is None
    assert kube["context"] == "prod" and kube["namespace"] == "cqar"
    pods = {p["name"]: p for p in kube["pods"]}
    assert pods["cqar-84b5c6d7f9-tq9zw"]["waiting"] == "CrashLoopBackOff"
    assert pods["cqar-84b5c6d7f9-tq9zw"]["ready"] == "0/1"
    assert pods["cqar-6d8f7b9c5-k8m2p"]["last_termination"] == "OOMKilled"
    assert pods["cqar-6d8f7b9c5-k8m2p"]["node"] == "node-b"
    (deployment,) = kube["deployments"]
    assert deployment["name"] == "cqar" and deployment["rolling_out"] is True
    assert (deployment["desired"], deployment["updated"], deployment["available"]) == (3, 1, 2)
    assert kube["summary"] == "2/3 r5"
    # recent Warning events only, newest first
    assert [(e["reason"], e["last_seen_seconds_ago"]) for e in kube["events"]] == [
        ("BackOff", 20),
        ("FailedCreate", 45),
        ("Unhealthy", 90),
    ]
    assert kube["events"][0]["object"] == "Pod/cqar-84b5c6d7f9-tq9zw"


def test_status_table_has_a_pods_row_with_ready_count(
    fake_kube: FakeKube, kubeconfig: Path, tmp_path: Path
) -> None:
    done = oncall_status(tmp_path)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stdout.splitlines() if "pods" in line]
    assert any("2/3" in line and "CRIT" in line.upper() for line in lines), done.stdout
    assert any("2/2" in line for line in lines), done.stdout


def test_status_json_says_why_when_rbac_forbids_listing_pods(
    fake_kube: FakeKube, kubeconfig: Path, tmp_path: Path
) -> None:
    fake_kube.mode = "forbidden"
    done = oncall_status(tmp_path, "--format", "json", "--service", "cqar")
    kube = json.loads(done.stdout)["services"]["cqar"]["kubernetes"]
    assert kube["status"] == "stale"
    assert kube["error"].startswith("auth: RBAC: cannot list pods in namespace 'cqar'")
    assert kube["pods"] == [] and kube["deployments"] == [] and kube["events"] == []
    assert done.returncode == 3


def test_workloads_gone_stale_say_stale_in_the_json_not_their_last_verdict() -> None:
    target = KubernetesTarget("cqar", "app=cqar")
    config = Config(path=None, services={"cqar": Service("cqar", "C", "d", kubernetes=target)})
    state = DashboardState(config, lambda: 1000.0)
    check = CheckId("cqar", CheckKind.KUBERNETES, "workloads")
    crashing = demo_workloads("cqar", "cqar", 20.0 + 45.0, 1000.0)  # mid-incident: crit
    state.apply([Observation(check, Reading(at=1000.0, status=crashing.status, detail=crashing))])
    assert to_json(state.snapshot())["services"]["cqar"]["kubernetes"]["status"] == "crit"
    state.apply([Observation(check, FetchError(ErrorKind.UNREACHABLE, "connection refused"))])
    kube = to_json(state.snapshot())["services"]["cqar"]["kubernetes"]
    assert kube["status"] == "stale" and kube["error"] == "unreachable: connection refused"
    assert kube["pods"]  # the last pods stay, marked stale
