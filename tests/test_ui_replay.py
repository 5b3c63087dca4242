"""`oncall replay` through Textual's pilot: the cursor keys, re-judging with the current
thresholds, and `--as-recorded`."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config.loader import parse_config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.store.recorder import Recorder
from oncall_tui.store.source import RecordingSource
from oncall_tui.ui.replay import ReplayApp
from oncall_tui.ui.widgets.header import DashboardHeader

T0 = 1_800_000_000.0
ERROR_RATE = CheckId("cqar", CheckKind.KPI, "error_rate")


def config_text(crit: float) -> str:
    return f"""
refresh: 5s
datasources: {{default: {{url: "http://127.0.0.1:9"}}}}
services:
  cqar:
    kpis:
      error_rate: {{query: 'x', unit: ratio, warn: 0.001, crit: {crit}}}
"""


def make_config(tmp_path: Path, crit: float):
    return parse_config(config_text(crit), tmp_path / "oncall.yaml", environ={})[0]


class Clock:
    now = T0

    def __call__(self) -> float:
        return self.now


def record_burst(tmp_path: Path) -> Path:
    """100 s at 5 s: calm, a burst of 5 % errors from +50 s to +70 s, calm again."""
    config = make_config(tmp_path, 0.01)
    clock = Clock()
    state = DashboardState(config, clock)
    path = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, path, clock=clock, flush_every=0.05)
    recorder.follow(state)
    for step in range(21):
        clock.now = T0 + 5 * step
        value = 0.05 if 50 <= 5 * step < 70 else 0.0
        state.apply([Observation(ERROR_RATE, Reading(clock.now, value))])
    assert recorder.flush()
    recorder.close()
    return path


def error_rate(app: ReplayApp):
    assert app.snapshot is not None
    return app.snapshot.service("cqar").check(CheckKind.KPI, "error_rate")


def replay(tmp_path: Path, path: Path, crit: float, *, as_recorded: bool = False) -> ReplayApp:
    config = make_config(tmp_path, crit)
    source = RecordingSource(config, path, as_recorded=as_recorded)
    return ReplayApp(config, source, start=T0, end=T0 + 100)


async def test_next_change_jumps_to_the_burst_and_the_header_says_replay(tmp_path: Path):
    app = replay(tmp_path, record_burst(tmp_path), 0.01)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert error_rate(app).status is Status.OK
        header = app.screen.query_one(DashboardHeader)
        assert "REPLAY" in header._plain and "⏸" in header._plain
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.cursor == T0 + 50
        assert error_rate(app).status is Status.CRIT
        assert error_rate(app).value == 0.05
        # the recorded time, in the header
        assert "REPLAY" in app.screen.query_one(DashboardHeader)._plain
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.cursor == T0 + 70
        assert error_rate(app).status is Status.OK
        await pilot.press("left_square_bracket")  # back to the burst: built afresh
        await pilot.pause()
        assert app.cursor == T0 + 50
        assert error_rate(app).status is Status.CRIT
        # history up to the cursor only
        assert max(t for t, _ in error_rate(app).history) == T0 + 50
        await pilot.press("left")  # one tick back
        await pilot.pause()
        assert app.cursor == T0 + 45
        assert error_rate(app).status is Status.OK
        await pilot.press("plus", "plus")
        assert app.speed == 5
        await pilot.press("minus")
        assert app.speed == 2


async def test_a_threshold_changed_in_the_config_changes_the_replayed_verdict(tmp_path: Path):
    path = record_burst(tmp_path)
    app = replay(tmp_path, path, 0.1)  # crit raised above the burst: only warn now
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.cursor == T0 + 50
        assert error_rate(app).status is Status.WARN


async def test_as_recorded_keeps_the_verdict_the_recording_gave(tmp_path: Path):
    path = record_burst(tmp_path)
    app = replay(tmp_path, path, 0.1, as_recorded=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.cursor == T0 + 50
        assert error_rate(app).status is Status.CRIT
        assert "as recorded" in app.screen.query_one(DashboardHeader)._plain


async def test_space_plays_forward_at_the_chosen_speed(tmp_path: Path):
    app = replay(tmp_path, record_burst(tmp_path), 0.01)
    app.speed = 60
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        assert app.playing
        # 60x: the 100 s recording plays in under two seconds (bounded wait)
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.playing:
                break
        assert not app.playing
        assert app.cursor == T0 + 100
        assert error_rate(app).status is Status.OK
