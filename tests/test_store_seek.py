"""A seek into a recording (`oncall status --at`, `oncall replay`) never reads quieter than
the recording: a stale check keeps the verdict its last value gets, and a breach that began
before the file did is not held again from the file's first row.

The recordings are written by the real Recorder following a real DashboardState, the way
`oncall record` writes them."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

from oncall_tui.config.loader import parse_config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.store.recorder import Recorder
from oncall_tui.store.source import RecordingSource

T0 = 1_800_000_000.0
STEP = 2.0
ERRORS = CheckId("shop", CheckKind.KPI, "error_rate")
P99 = CheckId("shop", CheckKind.KPI, "latency_p99")
UP = CheckId("shop", CheckKind.KPI, "targets_up")

CONFIG = """
refresh: 2s
datasources: {default: {url: "http://127.0.0.1:9"}}
services:
  shop:
    vars: {job: shop}
    kpis:
      error_rate:
        query: 'sum(rate(errors{job="$job"}[15s])) / sum(rate(requests{job="$job"}[15s]))'
        unit: ratio
        warn: 0.01
        crit: 0.05
      latency_p99:
        query: 'histogram_quantile(0.99, sum by (le) (rate(seconds_bucket{job="$job"}[15s])))'
        unit: s
        warn: 0.5
        crit: 1.0
        for: 20s
"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(CONFIG)
    return path


def load(tmp_path: Path):
    return parse_config(CONFIG, tmp_path / "oncall.yaml", environ={})[0]


def reading(at: float, value: float | None, **kw) -> Reading:
    return Reading(at, value, empty=value is None, series_count=int(value is not None), **kw)


def record(
    tmp_path: Path, ticks: list[tuple[float, float | None, float | None]], backfill: float = 0.0
) -> Path:
    """Rows every STEP s from T0: (targets up, error rate, p99) per tick, as the poller
    hands them over. `backfill` seconds of breaching p99 history before T0 come with the
    first reading (the range query a start loads), so the recording's first p99 row is a
    breach its `for:` had counted already."""
    config = load(tmp_path)
    clock = Clock(T0)
    state = DashboardState(config, clock)
    path = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05)
    recorder.follow(state)
    for index, (up, errors, p99) in enumerate(ticks):
        clock.now = T0 + STEP * index
        history: tuple[tuple[float, float], ...] = ()
        if index == 0 and backfill:
            assert p99 is not None
            history = tuple((T0 - backfill + s, p99) for s in range(0, int(backfill), 2))
        state.apply(
            [
                Observation(UP, reading(clock.now, up)),
                Observation(ERRORS, reading(clock.now, errors)),
                Observation(P99, reading(clock.now, p99, history=history)),
            ]
        )
    assert recorder.flush()
    recorder.close()
    return path


def recorded(path: Path, key: str, at: float) -> tuple[str, str | None]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT verdict, level FROM observations o JOIN checks c ON c.id = o.check_id "
            "WHERE c.key = ? AND o.at <= ? ORDER BY o.at DESC LIMIT 1",
            (key, at),
        ).fetchone()
    finally:
        conn.close()


def seek(tmp_path: Path, path: Path, at: float):
    source = RecordingSource(load(tmp_path), path)
    try:
        return source.seek(at).snapshot()
    finally:
        source.recording.close()


def status_at(tmp_path: Path, path: Path, at: float) -> tuple[int, dict]:
    when = datetime.datetime.fromtimestamp(at, datetime.UTC).isoformat()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "status",
            "--config",
            str(write_config(tmp_path)),
            "--recording",
            str(path),
            "--at",
            when,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, json.loads(done.stdout)


# A burst (30 % errors, p99 2.35 s), its targets then die at the third tick; the rate
# queries go on answering the decaying window average for 15 s, then nothing.
BURST_THEN_DOWN = [
    (1.0, 0.306, 2.349),
    (1.0, 0.307, 2.347),
    *[(0.0, 0.307 + 0.002 * i, 2.345 - 0.002 * i) for i in range(7)],
    *[(0.0, None, None)] * 20,
]


def test_a_stale_check_keeps_the_verdict_of_its_last_value(tmp_path: Path):
    path = record(tmp_path, BURST_THEN_DOWN, backfill=60)
    at = T0 + STEP * 6  # 8 s after the targets went down
    assert recorded(path, "error_rate", at) == ("stale", "crit")
    snapshot = seek(tmp_path, path, at)
    errors = snapshot.service("shop").check(CheckKind.KPI, "error_rate")
    assert errors.status is Status.STALE
    assert errors.value == 0.307  # the last value from before, not the decaying average
    assert errors.last_verdict is Status.CRIT
    assert errors.loudest is Status.CRIT
    assert snapshot.service("shop").status is Status.CRIT


def test_a_stale_check_keeps_its_verdict_long_after_its_last_value(tmp_path: Path):
    path = record(tmp_path, BURST_THEN_DOWN, backfill=60)
    at = T0 + STEP * 28  # the queries came back empty for 40 s: only the targets rows say why
    snapshot = seek(tmp_path, path, at)
    for key in ("error_rate", "latency_p99"):
        check = snapshot.service("shop").check(CheckKind.KPI, key)
        assert check.status is Status.STALE, key
        assert check.last_verdict is Status.CRIT, key
        assert check.value == {"error_rate": 0.307, "latency_p99": 2.347}[key]


def test_a_breach_counted_before_the_file_began_is_not_held_again(tmp_path: Path):
    path = record(tmp_path, [(1.0, 0.0, 2.35)] * 30, backfill=60)
    assert recorded(path, "latency_p99", T0) == ("crit", "crit")
    for at in (T0, T0 + 1, T0 + 10, T0 + 19):
        p99 = seek(tmp_path, path, at).service("shop").check(CheckKind.KPI, "latency_p99")
        assert p99.status is Status.CRIT, at
        assert p99.pending is None, at


def test_a_stale_held_check_keeps_the_breach_the_recording_counted(tmp_path: Path):
    path = record(tmp_path, BURST_THEN_DOWN, backfill=60)
    at = T0 + STEP * 7  # the 20 s hold reaches before the file's first row
    assert recorded(path, "latency_p99", at) == ("stale", "crit")
    p99 = seek(tmp_path, path, at).service("shop").check(CheckKind.KPI, "latency_p99")
    assert p99.status is Status.STALE
    assert p99.last_verdict is Status.CRIT  # not pending: the recording had counted it
    assert p99.value == 2.347


def test_a_breach_that_began_inside_the_file_still_waits_its_hold(tmp_path: Path):
    # calm for the first ticks, then p99 over its line: 20 s of hold from inside the file
    path = record(tmp_path, [(1.0, 0.0, 0.1)] * 3 + [(1.0, 0.0, 2.35)] * 20)
    began = T0 + STEP * 3
    p99 = seek(tmp_path, path, began + 10).service("shop").check(CheckKind.KPI, "latency_p99")
    assert p99.status is Status.PENDING
    assert p99.pending is Status.CRIT
    p99 = seek(tmp_path, path, began + 22).service("shop").check(CheckKind.KPI, "latency_p99")
    assert p99.status is Status.CRIT


def test_a_dip_after_the_files_first_row_starts_the_hold_again(tmp_path: Path):
    # counted at the file's start, then a calm tick, then over the line again
    path = record(tmp_path, [(1.0, 0.0, 2.35), (1.0, 0.0, 0.1)] + [(1.0, 0.0, 2.35)] * 5, 60)
    p99 = seek(tmp_path, path, T0 + STEP * 5).service("shop").check(CheckKind.KPI, "latency_p99")
    assert p99.status is Status.PENDING  # the breach the file began with ended at the dip


def test_status_at_says_what_the_recording_held(tmp_path: Path):
    path = record(tmp_path, BURST_THEN_DOWN, backfill=60)
    code, answer = status_at(tmp_path, path, T0 + STEP * 7)
    assert code == 2
    kpis = answer["services"]["shop"]["kpis"]
    assert kpis["error_rate"]["status"] == "stale"
    assert kpis["error_rate"]["last_verdict"] == "crit"
    assert kpis["error_rate"]["value"] == 0.307
    assert kpis["latency_p99"]["last_verdict"] == "crit"
    code, answer = status_at(tmp_path, path, T0 + 1)
    assert code == 2
    assert answer["services"]["shop"]["kpis"]["latency_p99"]["status"] == "crit"


POOL = CheckId("shop", CheckKind.KPI, "pool_usage")


def test_a_gauge_recorded_without_a_line_is_judged_from_its_last_value(tmp_path: Path):
    # recorded with no thresholds on pool usage (and no up check): empty once its exporter
    # died, so `nodata` in the file
    recording_config = (
        CONFIG.replace("    vars: {job: shop}\n", "    vars: {job: shop}\n    up: false\n")
        + "      pool_usage: {query: 'max(pool{job=\"$job\"})'}\n"
    )
    config = parse_config(recording_config, tmp_path / "oncall.yaml", environ={})[0]
    clock = Clock(T0)
    state = DashboardState(config, clock)
    path = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05)
    recorder.follow(state)
    for index in range(20):
        clock.now = T0 + STEP * index
        state.apply([Observation(POOL, reading(clock.now, 0.95 if index < 3 else None))])
    assert recorder.flush()
    recorder.close()
    assert recorded(path, "pool_usage", T0 + STEP * 19)[0] == "nodata"
    # judged now with a crit line at 0.9: the 95 % before the exporter died is crit, and stays
    tuned = recording_config.replace(
        'max(pool{job="$job"})\'}', 'max(pool{job="$job"})\', warn: 0.8, crit: 0.9}'
    )
    source = RecordingSource(parse_config(tuned, tmp_path / "oncall.yaml", environ={})[0], path)
    try:
        pool = (
            source.seek(T0 + STEP * 19)
            .snapshot()
            .service("shop")
            .check(CheckKind.KPI, "pool_usage")
        )
    finally:
        source.recording.close()
    assert pool.status is Status.STALE
    assert pool.value == 0.95
    assert pool.last_verdict is Status.CRIT
