"""History from the recording on start: sparklines and `for:` holds go on where the
recording left off; Prometheus is asked only for the gap; `oncall status` judges a probe's
`for:` from a recording being written."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from servers.health import HealthHttpServer
from servers.prometheus import PrometheusServer

from oncall_tui.config.loader import parse_config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.store.history import seed_from_recording
from oncall_tui.store.paths import recording_path
from oncall_tui.store.recorder import Recorder

LATENCY = CheckId("cqar", CheckKind.KPI, "latency_p99")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def config_for(tmp_path: Path, url: str = "http://127.0.0.1:9", extra: str = ""):
    text = f"""
refresh: 5s
datasources: {{default: {{url: "{url}", history: 10m}}}}
services:
  cqar:
    kpis:
      latency_p99: {{query: 'x', unit: s, warn: 0.02, crit: 0.05, for: 1m}}
{extra}
"""
    return parse_config(text, tmp_path / "oncall.yaml", environ={})[0]


def record(config, path: Path, values: list[float], end: float) -> Recorder:
    """`values` at 5 s steps ending at `end`; the recorder is left open (still writing)."""
    clock = Clock(end - 5 * (len(values) - 1))
    state = DashboardState(config, clock)
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05)
    recorder.follow(state)
    for value in values:
        state.apply([Observation(LATENCY, Reading(clock.now, value))])
        clock.now += 5
    assert recorder.flush()
    return recorder


def test_a_start_goes_on_from_the_recording_history_and_hold(tmp_path: Path):
    config = config_for(tmp_path)
    path = tmp_path / "rec.sqlite"
    now = time.time()
    # 15 min calm, then a breach for the last 40 s: pending, 20 s to go on its 1 m hold
    values = [0.01] * 180 + [0.09] * 9
    recorder = record(config, path, values, end=now - 2)
    recorder.close()
    seeded = seed_from_recording(config, path, now=now)
    assert seeded is not None
    check = seeded.state.snapshot().service("cqar").check(CheckKind.KPI, "latency_p99")
    assert check.value == 0.09
    assert check.pending is Status.CRIT
    assert check.pending_since is not None and now - check.pending_since >= 40
    assert len(check.history) > 100  # the sparkline comes from the recording
    assert min(t for t, _ in check.history) < now - 500
    assert seeded.known[LATENCY][1] == seeded.ended_at
    # the clock is the wall clock again; a live reading goes on with the recorded hold
    assert abs(seeded.clock() - time.time()) < 1
    since = check.pending_since
    seeded.state.apply([Observation(LATENCY, Reading(time.time(), 0.09))])
    check = seeded.state.snapshot().service("cqar").check(CheckKind.KPI, "latency_p99")
    assert check.pending_since == since  # not restarted by the start


def test_an_old_recording_is_not_continued(tmp_path: Path):
    config = config_for(tmp_path)
    path = tmp_path / "rec.sqlite"
    now = time.time()
    record(config, path, [0.01] * 20, end=now - 600).close()
    assert seed_from_recording(config, path, now=now) is None


def test_prometheus_is_asked_only_for_the_gap(tmp_path: Path, prometheus: PrometheusServer):
    from oncall_tui.sources.prometheus import PrometheusSource

    config = parse_config(
        f"""
refresh: 1s
datasources: {{default: {{url: "{prometheus.url}", history: 10m}}}}
services:
  cqar:
    kpis:
      request_rate: {{query: 'sum(rate(cqar_grpc_calls_total[5s]))', unit: req/s, interval: 1s}}
""",
        tmp_path / "oncall.yaml",
        environ={},
    )[0]
    # 15 s of data, so that a window before and after `last` both hold points
    prometheus.wait_for_series('count_over_time(up{job="exporter"}[15s]) >= 14', timeout=30)
    check = CheckId("cqar", CheckKind.KPI, "request_rate")

    async def two_runs(known) -> tuple[Reading, Reading]:
        source = PrometheusSource(config.datasources["default"], list(config.services.values()),
                                  time.time)  # fmt: skip
        if known is not None:
            source.known_history(known)
        job = source.jobs()[0]
        try:
            first = (await job.run())[0].outcome
            await asyncio.sleep(1.1)
            second = (await job.run())[0].outcome
        finally:
            await source.aclose()
        assert isinstance(first, Reading) and isinstance(second, Reading)
        return first, second

    now = time.time()
    last = now - 5
    _, second = asyncio.run(two_runs({check: (now - 700, last)}))
    # the recording holds up to `last`: only the seconds after it were asked for
    assert second.history and min(t for t, _ in second.history) >= last - 1
    _, second = asyncio.run(two_runs(None))
    assert second.history and min(t for t, _ in second.history) < last - 3  # all of it


def test_status_judges_a_probe_hold_from_a_recording_being_written(
    tmp_path: Path, health_http_server: HealthHttpServer
):
    from oncall_tui.commands.status import poll_once

    url = health_http_server.answer("/ready", status=503, body={"status": "down"})
    probe = f"    health:\n      - {{name: ready, url: '{url}', for: 30s}}\n"
    config = config_for(tmp_path, extra=probe)
    ready = CheckId("cqar", CheckKind.HEALTH, "ready")

    snapshot = asyncio.run(poll_once(config))
    alone = snapshot.service("cqar").check(CheckKind.HEALTH, "ready")
    assert alone.status is not Status.CRIT  # one poll, no recording: the hold has not run

    # a process writes the config's recording: the probe has been failing for 40 s
    path = recording_path(config)
    assert path is not None
    now = time.time()
    clock = Clock(now - 40)
    state = DashboardState(config, clock)
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05)
    recorder.follow(state)
    try:
        while clock.now <= now:
            state.apply([Observation(ready, Reading(clock.now, 0.001, status=Status.CRIT))])
            clock.now += 5
        assert recorder.flush()
        snapshot = asyncio.run(poll_once(config))
    finally:
        recorder.close()
    judged = snapshot.service("cqar").check(CheckKind.HEALTH, "ready")
    assert judged.status is Status.CRIT
