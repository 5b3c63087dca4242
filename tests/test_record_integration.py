"""`oncall record` end to end: a real Prometheus and exporter, an error burst, the answer of
`oncall status --recording --at` inside and before it; kill -9 mid-write; a reader process
following while a writer appends and retention prunes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer, wait_until

from oncall_tui.store.schema import connect

pytestmark = pytest.mark.integration

ERROR_RATIO = (
    'sum(rate(cqar_grpc_calls_total{job="exporter",status_code!="OK"}[5s]))'
    ' / sum(rate(cqar_grpc_calls_total{job="exporter"}[5s]))'
)


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def oncall(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args], capture_output=True, text=True, timeout=timeout
    )


def recorded_value(path: Path, key: str, near: float) -> tuple[float, float | None]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT o.at, o.value FROM observations o JOIN checks c ON c.id = o.check_id "
            "WHERE c.key = ? AND o.at <= ? ORDER BY o.at DESC LIMIT 1",
            (key, near),
        ).fetchone()
    finally:
        conn.close()


def test_round_trip_through_a_real_prometheus_with_an_error_burst(
    tmp_path: Path, exporter: Exporter, prometheus: PrometheusServer
):
    config = tmp_path / "oncall.yaml"
    config.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{prometheus.url}", timeout: 2s, history: 0s}}
services:
  cqar:
    kpis:
      request_rate: {{query: 'sum(rate(cqar_grpc_calls_total{{job="exporter"}}[5s]))', unit: req/s}}
      error_rate: {{query: '{ERROR_RATIO}', unit: ratio, warn: 0.001, crit: 0.01, nodata: 0}}
"""
    )
    recording = tmp_path / "rec.sqlite"
    burst: dict[str, float] = {}
    stop = threading.Event()

    def traffic() -> None:
        # calm until the recording holds rows (however long `oncall record` takes to start),
        # calm 6 s more so that there is a calm moment to ask about, then a 12 s burst
        started = None
        while not stop.is_set():
            if started is None and _count(recording) > 0:
                started = time.time()
            elapsed = time.time() - started if started is not None else -1.0
            in_burst = 6 <= elapsed < 18
            if in_burst and "start" not in burst:
                burst["start"] = time.time()
            if not in_burst and "start" in burst and "end" not in burst:
                burst["end"] = time.time()
            exporter.traffic(ok=20, errors=10 if in_burst else 0)
            stop.wait(0.2)

    feeder = threading.Thread(target=traffic, daemon=True)
    feeder.start()
    try:
        done = oncall(
            "record", "--config", str(config), "--record", str(recording), "--for", "26s",
            "--log-every", "10s", timeout=90,
        )  # fmt: skip
    finally:
        stop.set()
        feeder.join(5)
    assert done.returncode == 0, done.stderr
    log = done.stderr.splitlines()
    assert any("rows written" in line and "MiB" in line for line in log[1:-1]), log
    assert "stopped" in log[-1]

    inside = burst["start"] + 9  # the 5 s rate window is all burst by then
    before = burst["start"] - 2
    status = oncall(
        "status", "--config", str(config), "--recording", str(recording), "--at",
        rfc3339(inside), "--format", "json",
    )  # fmt: skip
    assert status.returncode == 2, status.stderr
    answer = json.loads(status.stdout)
    assert answer["services"]["cqar"]["kpis"]["error_rate"]["status"] == "crit"
    at, value = recorded_value(recording, "error_rate", inside)
    assert answer["services"]["cqar"]["kpis"]["error_rate"]["value"] == value
    # the recorded value is what Prometheus answered when it was asked (just after `at`)
    body = prometheus.query_range(ERROR_RATIO, at - 0.05, at + 0.5, 0.005)
    answered = {float(v) for _, v in body["data"]["result"][0]["values"]}
    assert any(abs(v - value) <= 1e-12 for v in answered), (value, sorted(answered)[:5])
    assert value > 0.01

    calm = oncall(
        "status", "--config", str(config), "--recording", str(recording), "--at",
        rfc3339(before), "--format", "json",
    )  # fmt: skip
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert json.loads(calm.stdout)["services"]["cqar"]["kpis"]["error_rate"]["status"] == "ok"


def test_kill_9_mid_write_never_corrupts_the_file(tmp_path: Path, health_http_server):
    # probes every 0.1 s, so data arrives all the time and "the last second" can be measured
    url = health_http_server.answer("/ready", body={"status": "ready"})
    probes = "\n".join(f"      - {{name: p{i}, url: '{url}', interval: 100ms}}" for i in range(4))
    config = tmp_path / "oncall.yaml"
    config.write_text(
        # a datasource, so the probes are not taken for the demo's (nothing listens on it)
        "datasources: {default: {url: 'http://127.0.0.1:9'}}\n"
        f"services:\n  cqar:\n    health:\n{probes}\n"
    )
    recording = tmp_path / "rec.sqlite"
    gaps = []
    for _ in range(20):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oncall_tui",
                "record",
                "--config",
                str(config),
                "--record",
                str(recording),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            before = _count(recording)
            wait_until(lambda b=before: _count(recording) > b, 30, 0.05, description="rows")
            time.sleep(random.uniform(0.2, 1.2))  # somewhere inside the writing
            killed_at = time.time()
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        conn = sqlite3.connect(recording)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        newest = conn.execute("SELECT max(at) FROM observations").fetchone()[0]
        conn.close()
        connect(recording, readonly=True).close()  # our own checks pass too
        gaps.append(killed_at - newest)
    # at most the last second is missing (a commit every half second, data every 0.1 s)
    assert max(gaps) <= 1.0, sorted(gaps)


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(path, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0  # not created yet


FOLLOWER = """
import sys, time, json
from pathlib import Path
from oncall_tui.store.reader import open_recording
rec = open_recording(Path(sys.argv[1]))
cursor = 0.0
seen = 0
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    rows = list(rec.rows_between(cursor, time.time() + 1))
    if rows:
        cursor = rows[-1].at
        seen += len(rows)
    span = rec.span()
    print(json.dumps({"seen": seen, "oldest": span and span[0]}), flush=True)
    time.sleep(0.2)
"""


def test_a_reader_process_follows_while_the_writer_appends_and_prunes(tmp_path: Path):
    from oncall_tui.config.loader import parse_config
    from oncall_tui.engine.state import DashboardState
    from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading

    config = parse_config(
        "record: {retention: 2s}\nservices:\n  cqar:\n    datasource: d\n"
        "    kpis: {error_rate: {query: x, warn: 0.1, crit: 0.2}}\n"
        "datasources: {d: {url: 'http://127.0.0.1:1'}}\n",
        tmp_path / "oncall.yaml",
        environ={},
    )[0]
    # the retention key takes a duration; 2 s keeps the test short
    assert config.record.retention == 2
    from oncall_tui.store.recorder import Recorder

    path = tmp_path / "rec.sqlite"
    state = DashboardState(config)
    recorder = Recorder.start(config, path, flush_every=0.1, prune_every=0.3)
    recorder.follow(state)
    follower = subprocess.Popen(
        [sys.executable, "-c", FOLLOWER, str(path), "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    check = CheckId("cqar", CheckKind.KPI, "error_rate")
    started = time.time()
    written = 0
    while time.time() - started < 6.5:
        state.apply([Observation(check, Reading(time.time(), random.random() * 0.3))])
        written += 1
        time.sleep(0.02)
    out, err = follower.communicate(timeout=30)
    recorder.close()
    assert follower.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    seen = [line["seen"] for line in lines]
    assert seen == sorted(seen) and seen[-1] > 0.8 * written  # it followed every append
    oldest = [line["oldest"] for line in lines if line["oldest"] is not None]
    assert oldest[-1] - oldest[0] > 2  # and old rows went while it read
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT min(at) FROM observations").fetchone()[0] > started + 2
    conn.close()


def test_sigterm_stops_oncall_record_cleanly(tmp_path: Path):
    recording = tmp_path / "rec.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "record", "--demo", "--record", str(recording)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: _count(recording) > 0, 30, 0.05, description="rows")
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == 0, err
    assert "stopped;" in err.splitlines()[-1] and "rows written" in err.splitlines()[-1]
    conn = sqlite3.connect(recording)
    try:
        assert conn.execute("SELECT count(*) FROM writer").fetchone()[0] == 0  # let go
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_a_dashboard_beside_oncall_record_adds_only_its_actions(tmp_path: Path):
    from oncall_tui.commands.common import start_recorder
    from oncall_tui.sources.demo import demo_config

    recording = tmp_path / "rec.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "record", "--demo", "--record", str(recording)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _count(recording) > 0, 30, 0.05, description="rows")
        recorder, note = start_recorder(demo_config(), str(recording))
        assert recorder is not None and not recorder.observes
        assert note is not None and f"pid {child.pid}" in note
        recorder.action("runbook.opened", service="cqar", subject="cqar.md#high-latency")
        assert recorder.flush()
        recorder.close()
        conn = sqlite3.connect(recording)
        try:
            assert conn.execute("SELECT pid FROM writer").fetchone()[0] == child.pid
            assert conn.execute("SELECT subject FROM actions").fetchall() == [
                ("cqar.md#high-latency",)
            ]
        finally:
            conn.close()
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(20)


def test_oncall_record_beside_a_dashboard_writing_the_file_is_refused(tmp_path: Path):
    from oncall_tui.commands.common import start_recorder
    from oncall_tui.sources.demo import demo_config

    recording = tmp_path / "rec.sqlite"
    # the dashboard (this process) writes the file first
    recorder, note = start_recorder(demo_config(), str(recording))
    assert recorder is not None and recorder.observes and note is None
    try:
        done = oncall("record", "--demo", "--record", str(recording), "--for", "5s", timeout=60)
        assert done.returncode == 3, done.stderr
        assert f"oncall (pid {os.getpid()} on" in done.stderr
        assert str(recording) in done.stderr and "one process writes a recording" in done.stderr
        conn = sqlite3.connect(recording)
        try:
            # still this process's file: the refused one neither wrote rows nor took the claim
            assert conn.execute("SELECT pid FROM writer").fetchall() == [(os.getpid(),)]
            assert conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 0
        finally:
            conn.close()
    finally:
        recorder.close()
