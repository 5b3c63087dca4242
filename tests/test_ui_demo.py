"""`oncall demo` and `oncall screenshot` end to end, and snapshots of the main screens."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from ui_builders import screen_text

from oncall_tui.commands.demo import build_demo_app
from oncall_tui.sources.demo import demo_config, incident_time
from oncall_tui.status import Status
from oncall_tui.ui.headless import WARMUP, demo_app, replay
from oncall_tui.ui.widgets.matrix import ServiceMatrix

SEED = 7


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    """Timeline clocks print local time; pin it so snapshots match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_demo_shows_every_simulated_service_within_a_few_seconds():
    app = build_demo_app(seed=SEED)
    names = list(demo_config().services)
    started = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        while time.monotonic() - started < 5:
            await pilot.pause(0.1)
            snapshot = app.snapshot
            if snapshot and all(s.status is not Status.NODATA for s in snapshot.services):
                break
        elapsed = time.monotonic() - started
        text = screen_text(app)
        assert "DEMO" in text.splitlines()[0]
        for name in names:
            assert name in text
        assert all(s.status is not Status.NODATA for s in app.snapshot.services)
        assert elapsed < 5
        worker = next(w for w in app.workers if w.group == "poller")
        assert worker.is_running  # one long-lived poller worker, not one per tick


async def test_demo_at_an_incident_shows_crit_cells_with_glyph_and_word():
    app, clock = demo_app(seed=SEED, at=incident_time("arq", "saturation"))
    async with app.run_test(size=(200, 60)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        top = [c.plain for c in table.get_row(table.ordered_rows[0].key)]
        assert top[:2] == ["✖ CRIT", "arq"]
        assert any(cell.startswith("✖ ") and cell.endswith(" CRIT") for cell in top[2:])


def test_snapshot_overview_during_an_incident(snap_compare, utc):
    app, clock = demo_app(seed=SEED, at=incident_time("arq", "saturation"))

    async def run_before(pilot) -> None:
        await replay(app, clock, WARMUP)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_snapshot_service_screen_during_an_incident(snap_compare, utc):
    app, clock = demo_app(seed=SEED, at=incident_time("arq", "saturation"), service="arq")

    async def run_before(pilot) -> None:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_snapshot_overview_at_80x24(snap_compare, utc):
    app, clock = demo_app(seed=SEED, at=incident_time("cqar", "latency"))

    async def run_before(pilot) -> None:
        await replay(app, clock, WARMUP)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_screenshot_command_writes_an_svg_of_the_service_screen(tmp_path: Path):
    out = tmp_path / "shot.svg"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "screenshot",
            "--demo",
            "--screen",
            "service",
            "--service",
            "arq",
            "--size",
            "100x30",
            "--at",
            str(incident_time("arq", "saturation")),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    svg = out.read_text()
    assert svg.startswith("<svg")
    assert "DEMO" in svg and "arq" in svg


def test_screenshot_rejects_a_bad_size(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "screenshot", "--demo", "--size", "huge"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "--size" in done.stderr


async def test_at_80x24_arrows_scroll_to_hidden_columns_keeping_status_and_name():
    app, clock = demo_app(seed=SEED, at=incident_time("arq", "saturation"))
    async with app.run_test(size=(80, 24)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        await pilot.pause()
        headings = screen_text(app).splitlines()[2]
        assert "queue" not in headings
        assert "more columns" in screen_text(app)
        await pilot.press(*["right"] * 8)
        await pilot.pause()
        headings = screen_text(app).splitlines()[2]
        assert "queue" in headings
        assert "status" in headings and "service" in headings
