"""An incident end to end against a real Prometheus: an exporter whose error share the test
sets, a rule file whose alert really fires, `oncall record` writing the recording, the
incident CLI acting on the same file from other processes, and the postmortem naming the KPI
that breached, its first crossing and the alert that fired.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusFactory, wait_until

from oncall_tui.render.incident_text import local_time

pytestmark = pytest.mark.integration

ERROR_RATIO = (
    'sum(rate(cqar_grpc_calls_total{job="exporter",status_code!="OK"}[5s]))'
    ' / sum(rate(cqar_grpc_calls_total{job="exporter"}[5s]))'
)
REQUEST_RATE = 'sum(rate(cqar_grpc_calls_total{job="exporter"}[5s]))'
ALERT = "CQARHighErrorRate"
RULES = f"""\
groups:
  - name: cqar
    interval: 1s
    rules:
      - alert: {ALERT}
        expr: ({ERROR_RATIO}) > 0.05
        for: 2s
        labels:
          severity: critical
          service: cqar
        annotations:
          summary: "error ratio {{{{ $value }}}}"
"""


class Traffic:
    """Calls on the exporter every 0.2 s; `errors` is how many of every 30 fail."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.exporter.traffic(ok=30 - self.errors, errors=self.errors)
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def traffic(exporter: Exporter) -> Iterator[Traffic]:
    feeder = Traffic(exporter)
    yield feeder
    feeder.stop()


def oncall(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args], capture_output=True, text=True, timeout=timeout
    )


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # the recorder has not created its tables yet
    finally:
        conn.close()


def error_rate_status(path: Path) -> str | None:
    rows = query(
        path,
        "SELECT s.after FROM status_changes s JOIN checks c ON c.id = s.check_id "
        "WHERE c.service = 'cqar' AND c.kind = 'kpi' AND c.key = 'error_rate' "
        "ORDER BY s.at DESC, s.id DESC LIMIT 1",
    )
    return rows[0][0] if rows else None


def alert_state(path: Path) -> str | None:
    rows = query(
        path,
        "SELECT after FROM alert_changes WHERE name = ? ORDER BY at DESC, id DESC LIMIT 1",
        ALERT,
    )
    return rows[0][0] if rows else None


def test_postmortem_names_the_breached_kpi_its_first_crossing_and_the_fired_alert(
    tmp_path: Path, exporter: Exporter, traffic: Traffic, prometheus_factory: PrometheusFactory
):
    rules = tmp_path / "cqar-rules.yml"
    rules.write_text(RULES)
    prometheus = prometheus_factory([exporter.target], rule_files=[rules])
    prometheus.wait_for_series(f"{REQUEST_RATE} > 0")
    config = tmp_path / "oncall.yaml"
    config.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{prometheus.url}", timeout: 2s, history: 0s}}
services:
  cqar:
    kpis:
      request_rate: {{query: '{REQUEST_RATE}', unit: req/s}}
      error_rate:
        query: '{ERROR_RATIO}'
        title: Error rate
        unit: ratio
        warn: 0.01
        crit: 0.05
        nodata: 0
"""
    )
    recording = tmp_path / "rec.sqlite"
    log = tmp_path / "record.log"
    common = ("--config", str(config), "--record", str(recording))
    with log.open("w") as err:
        recorder = subprocess.Popen(
            [sys.executable, "-m", "oncall_tui", "record", *common, "--log-every", "5s"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        # calm first: the error rate is recorded ok before anything goes wrong
        wait_until(
            lambda: error_rate_status(recording) == "ok", 30, 0.2, description="error rate ok"
        )
        traffic.errors = 6  # 20 % of calls fail: over crit (5 %), and the alert's line
        wait_until(
            lambda: error_rate_status(recording) == "crit", 30, 0.2, description="error rate crit"
        )
        wait_until(lambda: alert_state(recording) == "firing", 30, 0.2, description="alert fires")

        started = oncall(
            "incident", "start", *common, "--severity", "P2", "--service", "cqar",
            "--title", "CQAR failing calls",
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        assert "INC-1 declared" in started.stdout

        traffic.errors = 0  # the fix: calls succeed again
        mitigated = oncall("incident", "milestone", *common, "mitigated")
        assert mitigated.returncode == 0, mitigated.stderr
        wait_until(
            lambda: error_rate_status(recording) == "ok", 30, 0.2, description="error rate back"
        )
        wait_until(lambda: alert_state(recording) != "firing", 30, 0.2, description="alert ends")
        resolved = oncall(
            "incident", "resolve", *common, "--root-cause", "a bad deploy",
            "--resolution", "rolled back",
        )  # fmt: skip
        assert resolved.returncode == 0, resolved.stderr
        assert "CQAR failing calls" in resolved.stdout
    finally:
        recorder.send_signal(signal.SIGTERM)
        try:
            recorder.wait(15)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait(5)
    assert recorder.returncode == 0, log.read_text()

    out = tmp_path / "postmortem.md"
    written = oncall("postmortem", *common, "--out", str(out))
    assert written.returncode == 0, written.stderr
    text = out.read_text()

    # what the recording holds: the first status change of the error rate to warn or crit
    ((first, after),) = query(
        recording,
        "SELECT s.at, s.after FROM status_changes s JOIN checks c ON c.id = s.check_id "
        "WHERE c.service = 'cqar' AND c.kind = 'kpi' AND c.key = 'error_rate' "
        "AND s.after IN ('warn', 'crit') ORDER BY s.at LIMIT 1",
    )
    assert after in ("warn", "crit")
    crossing = time.strftime("%H:%M:%S", time.localtime(first))
    assert crossing == local_time(first)
    breached = text.split("## What breached", 1)[1].split("##", 1)[0]
    rows = [line for line in breached.splitlines() if line.startswith("| cqar |")]
    assert rows == [f"| cqar | Error rate | {crossing} | CRIT |"], breached

    # the alert that fired, at the time the recording saw it fire
    ((fired_at,),) = query(
        recording,
        "SELECT min(at) FROM alert_changes WHERE name = ? AND after = 'firing'",
        ALERT,
    )
    alerts = text.split("## Alerts", 1)[1].split("##", 1)[0]
    assert f"- {local_time(fired_at)} {ALERT} (critical) on cqar" in alerts, alerts
    assert fired_at >= first  # the KPI crossed before the alert's `for:` let it fire

    # the rest of the story is there too: detection before the declaration, both milestones
    table = text.split("## Timeline", 1)[1].split("##", 1)[0]
    assert f"| {crossing} | breach | cqar | Error rate OK → {after.upper()} |" in table, table
    assert "| milestone | — | mitigated |" in table, table
    cells = [line.split(" | ") for line in table.splitlines() if line.startswith("| ")][2:]
    # a recovery is leaving a breach (never a first verdict or data coming back), and the
    # error rate's is there
    recoveries = [what for _, kind, _, what in cells if kind == "recovery"]
    assert all(w.split(" → ")[0].endswith(("WARN", "CRIT", "PENDING")) for w in recoveries), table
    assert any(w.startswith("Error rate ") and w.endswith("→ OK |") for w in recoveries), table
    assert "a bad deploy" in text
