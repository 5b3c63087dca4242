"""The flight recorder's file: schema and migrations, what is written, secrets, retention."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from oncall_tui.config.loader import ConfigErrors, parse_config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.store import schema
from oncall_tui.store.paths import default_path, recording_path
from oncall_tui.store.recorder import Recorder
from oncall_tui.store.schema import RecordingError, RecordingTooNew, connect

TOKEN = "tok-9f8e7d6c5b4a"
PASSWORD = "pw-correct-horse-battery"
HEADER_TOKEN = "hdr-1a2b3c4d5e6f"

CONFIG = f"""
datasources:
  default:
    url: http://127.0.0.1:1
    bearer_token: {TOKEN}
    headers: {{X-Api-Key: {HEADER_TOKEN}}}
alertmanager:
  url: http://127.0.0.1:2
  basic_auth: {{username: ops, password: {PASSWORD}}}
services:
  cqar:
    kpis:
      error_rate: {{query: 'sum(rate(x[5m]))', unit: ratio, warn: 0.001, crit: 0.01}}
      latency_p99:
        {{query: 'histogram_quantile(0.99, y)', unit: s, warn: 0.02, crit: 0.05, for: 1m}}
"""

ERROR_RATE = CheckId("cqar", CheckKind.KPI, "error_rate")
LATENCY = CheckId("cqar", CheckKind.KPI, "latency_p99")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def config_for(tmp_path: Path, text: str = CONFIG):
    return parse_config(text, tmp_path / "oncall.yaml", environ={})[0]


def recorded(tmp_path: Path, clock: Clock, text: str = CONFIG):
    config = config_for(tmp_path, text)
    state = DashboardState(config, clock)
    recorder = Recorder.start(config, tmp_path / "rec.sqlite", clock=clock, flush_every=0.05)
    recorder.follow(state)
    return config, state, recorder


def rows(path: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_observations_are_written_raw_with_labels_errors_and_the_verdict(tmp_path: Path):
    clock = Clock()
    _, state, recorder = recorded(tmp_path, clock)
    labels = {"instance": "cqar-1:8080", "code": "500"}
    state.apply(
        [Observation(ERROR_RATE, Reading(clock.now, 0.0005, labels=labels, series_count=3))]
    )
    clock.now += 5
    state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.05, labels=labels, series_count=3))])
    clock.now += 5
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.TIMEOUT, "no answer within 3 s"))])
    assert recorder.flush()
    recorder.close()
    path = tmp_path / "rec.sqlite"
    got = rows(
        path,
        "SELECT o.at, value, labels, series_count, error_kind, error_message, verdict, level "
        "FROM observations o JOIN checks c ON c.id = o.check_id WHERE c.key = 'error_rate' "
        "ORDER BY o.at",
    )
    t0 = 1_800_000_000.0
    assert got[0] == (
        t0,
        0.0005,
        '{"code": "500", "instance": "cqar-1:8080"}',
        3,
        None,
        None,
        "ok",
        None,
    )
    # labels unchanged since the row before: not written again
    assert got[1] == (t0 + 5, 0.05, None, 3, None, None, "crit", "crit")
    assert got[2][:7] == (t0 + 10, None, None, 0, "timeout", "no answer within 3 s", "stale")
    changes = rows(
        path, "SELECT at, service, check_id IS NULL, before, after FROM status_changes ORDER BY id"
    )
    assert (t0 + 5, "cqar", 0, "ok", "crit") in changes
    assert (t0 + 10, "cqar", 0, "crit", "stale") in changes
    assert (t0 + 5, "cqar", 1, "nodata", "crit") in changes  # the roll-up (p99 has no data)


def test_a_held_breach_is_recorded_as_pending(tmp_path: Path):
    clock = Clock()
    _, state, recorder = recorded(tmp_path, clock)
    state.apply([Observation(LATENCY, Reading(clock.now, 0.01))])
    clock.now += 5
    state.apply([Observation(LATENCY, Reading(clock.now, 0.09))])
    assert recorder.flush()
    recorder.close()
    got = rows(
        tmp_path / "rec.sqlite", "SELECT value, verdict, pending FROM observations ORDER BY at"
    )
    assert got == [(0.01, "ok", None), (0.09, "pending", "crit")]  # never "ok" while held


def test_actions_and_source_changes_are_written(tmp_path: Path):
    clock = Clock()
    _, state, recorder = recorded(tmp_path, clock)
    state.record_source("prometheus default", False, FetchError(ErrorKind.UNREACHABLE, "refused"))
    state.record_source("prometheus default", False, FetchError(ErrorKind.UNREACHABLE, "refused"))
    state.record_source("prometheus default", True)
    recorder.action("runbook.opened", service="cqar", subject="cqar.md#high-error-rate")
    recorder.action("command.copied", service="cqar", subject="kubectl -n cqar get pods")
    assert recorder.flush()
    recorder.close()
    path = tmp_path / "rec.sqlite"
    assert rows(path, "SELECT source, ok, error_kind FROM source_changes ORDER BY id") == [
        ("prometheus default", 0, "unreachable"),
        ("prometheus default", 1, None),
    ]
    assert rows(path, "SELECT kind, service, subject FROM actions ORDER BY id") == [
        ("runbook.opened", "cqar", "cqar.md#high-error-rate"),
        ("command.copied", "cqar", "kubectl -n cqar get pods"),
    ]


def test_no_secret_reaches_the_file(tmp_path: Path):
    """A source that echoes a credential (in an error, a label, a detail) and an action that
    names one: the raw bytes of the file and its WAL hold none of them."""
    clock = Clock()
    config, state, recorder = recorded(tmp_path, clock)
    assert {TOKEN, PASSWORD, HEADER_TOKEN} <= set(config.secrets()) | {HEADER_TOKEN}
    leak = f"Bearer {TOKEN} user ops:{PASSWORD} X-Api-Key={HEADER_TOKEN}"
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.AUTH, f"401: {leak}"))])
    clock.now += 5
    state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.0, labels={"auth": leak}))])
    state.record_source("alertmanager", False, FetchError(ErrorKind.AUTH, leak))
    recorder.action("command.copied", subject=f"curl -H 'Authorization: Bearer {TOKEN}'")
    assert recorder.flush()
    # read the file and WAL before the close merges them: both must be clean
    blobs = [p.read_bytes() for p in tmp_path.glob("rec.sqlite*")]
    recorder.close()
    blobs += [p.read_bytes() for p in tmp_path.glob("rec.sqlite*")]
    assert any(b"401: Bearer ***" in blob for blob in blobs)  # the row is there, scrubbed
    for secret in (TOKEN, PASSWORD, HEADER_TOKEN):
        for blob in blobs:
            assert secret.encode() not in blob


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path):
    path = tmp_path / "rec.sqlite"
    connect(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RecordingTooNew, match="newer than the .* this oncall reads; upgrade"):
        connect(path)
    config = config_for(tmp_path)
    with pytest.raises(RecordingTooNew, match=str(path)):
        Recorder.start(config, path)


def test_a_file_that_is_not_a_recording_is_refused(tmp_path: Path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(RecordingError, match="not an oncall recording"):
        connect(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(RecordingError, match="junk.sqlite"):
        connect(junk)


def test_migrations_run_forward_from_an_older_version(tmp_path: Path, monkeypatch):
    path = tmp_path / "rec.sqlite"
    connect(path).close()
    later = "CREATE TABLE later_feature (id INTEGER PRIMARY KEY, at REAL NOT NULL, title TEXT)"
    shipped = len(schema.MIGRATIONS)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, later))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", shipped + 1)
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == shipped + 1
    conn.execute("INSERT INTO later_feature (at, title) VALUES (1, 'x')")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_retention_prunes_old_rows_in_the_background(tmp_path: Path):
    clock = Clock()
    text = CONFIG + "record: {retention: 1h}\n"
    config = config_for(tmp_path, text)
    assert config.record.retention == 3600
    state = DashboardState(config, clock)
    recorder = Recorder.start(
        config, tmp_path / "rec.sqlite", clock=clock, flush_every=0.05, prune_every=0.05
    )
    recorder.follow(state)
    for _ in range(120):  # 2 h at one a minute
        state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.0))])
        clock.now += 60
    assert recorder.flush()
    # the pruner runs between batches: wait (bounded) for it to catch up
    path = tmp_path / "rec.sqlite"
    for _ in range(100):
        oldest = rows(path, "SELECT min(at) FROM observations")[0][0]
        if oldest >= clock.now - 3600 - 60:
            break
        state.apply([])
        recorder.action("tick")
        recorder.flush()
    recorder.close()
    oldest, count = rows(path, "SELECT min(at), count(*) FROM observations")[0]
    assert oldest >= clock.now - 3600 - 60
    assert 55 <= count <= 62


def test_the_size_cap_drops_the_oldest_rows(tmp_path: Path):
    clock = Clock()
    config = config_for(tmp_path, CONFIG + "record: {max_size: 1MiB}\n")
    state = DashboardState(config, clock)
    path = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05, prune_every=0.05)
    recorder.follow(state)
    big = {f"label_{i}": "x" * 40 + str(i) for i in range(20)}
    first = clock.now
    for i in range(4000):
        labels = dict(big, n=str(i))  # changes every time: written in full
        state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.0, labels=labels))])
        clock.now += 5
    assert recorder.flush(timeout=30)
    for _ in range(100):
        recorder.action("tick")
        recorder.flush()
        # a pass prunes in steps and the writer merges its WAL between batches: wait (bounded)
        # until the oldest went and the file is back under its cap
        if rows(path, "SELECT min(at) FROM observations")[0][0] > first and under_cap(path):
            break
    recorder.close()
    oldest, newest = rows(path, "SELECT min(at), max(at) FROM observations")[0]
    assert oldest > first  # the oldest went
    assert newest == clock.now - 5  # the newest stayed
    assert under_cap(path)


def under_cap(path: Path) -> bool:
    """The recording's used bytes within 10 % of its 1 MiB cap."""
    from oncall_tui.store.retention import used_bytes

    conn = connect(path)
    try:
        return used_bytes(conn) <= 1024 * 1024 * 1.1
    finally:
        conn.close()


def test_record_config_forms(tmp_path: Path):
    off = config_for(tmp_path, CONFIG + "record: false\n")
    assert not off.record.enabled
    assert recording_path(off) is None
    assert recording_path(off, tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    on = config_for(tmp_path, CONFIG + "record: {path: rec/here.sqlite, max_size: 2GiB}\n")
    assert on.record.path == tmp_path / "rec" / "here.sqlite"
    assert on.record.max_size == 2 * 1024**3
    assert on.record.retention == 7 * 86400
    default = config_for(tmp_path)
    assert recording_path(default) == default_path(default)
    with pytest.raises(ConfigErrors, match=r"oncall.yaml:\d+: record.max_size: expected a size"):
        config_for(tmp_path, CONFIG + "record: {max_size: lots}\n")
    with pytest.raises(ConfigErrors, match="record.keep: unknown key"):
        config_for(tmp_path, CONFIG + "record: {keep: 1d}\n")


def test_default_path_is_one_file_per_config_under_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    a = config_for(tmp_path / "a")
    b = config_for(tmp_path / "b")
    assert default_path(a).parent == tmp_path / "state" / "oncall"
    assert default_path(a).name.startswith("oncall-")
    assert default_path(a) != default_path(b)
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_path(a).parent == Path.home() / ".local" / "state" / "oncall"


def test_alert_state_changes_are_written(tmp_path: Path):
    from oncall_tui.sources.alerts.records import Alert, AlertList
    from oncall_tui.sources.base import DashboardRecord

    clock = Clock()
    _, state, recorder = recorded(tmp_path, clock)

    def alerts(*found: Alert) -> Observation:
        return Observation(
            DashboardRecord.ALERT_LIST,
            Reading(clock.now, detail=AlertList(found, "alertmanager", clock.now)),
        )

    firing = Alert("HighErrorRate", "firing", "critical", {"job": "cqar"}, service="cqar")
    state.apply([alerts(Alert("HighErrorRate", "pending", "critical", {"job": "cqar"}))])
    clock.now += 10
    state.apply([alerts(firing)])
    clock.now += 10
    state.apply([alerts(firing)])
    clock.now += 10
    state.apply([alerts()])
    assert recorder.flush()
    recorder.close()
    got = rows(tmp_path / "rec.sqlite", "SELECT name, before, after FROM alert_changes ORDER BY id")
    assert got == [
        ("HighErrorRate", None, "pending"),
        ("HighErrorRate", "pending", "firing"),
        ("HighErrorRate", "firing", "resolved"),
    ]


async def test_a_recording_source_follows_a_file_through_the_poller(tmp_path: Path):
    """As a Source: its job hands the poller what was written since its last run."""
    import time as wall

    from oncall_tui.engine.poller import Poller
    from oncall_tui.status import Status
    from oncall_tui.store.source import RecordingSource

    clock = Clock(wall.time())
    config, state, recorder = recorded(tmp_path, clock)
    state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.05))])
    assert recorder.flush()
    follower_state = DashboardState(config)
    source = RecordingSource(config, tmp_path / "rec.sqlite")
    poller = Poller([source], follower_state)
    await poller.poll_once()
    check = follower_state.snapshot().service("cqar").check(CheckKind.KPI, "error_rate")
    assert check.status is Status.CRIT and check.value == 0.05
    clock.now += 1
    state.apply([Observation(ERROR_RATE, Reading(clock.now, 0.0))])
    assert recorder.flush()
    await poller.poll_once()
    check = follower_state.snapshot().service("cqar").check(CheckKind.KPI, "error_rate")
    assert check.status is Status.OK
    await poller.aclose()
    recorder.close()
