"""A breach inside its `for:` hold, and a crit whose data went stale, on every screen and at
every width: never drawn as ok, never grey; glyph and word, what it is pending to and when."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from ui_builders import NOW, dashboard, hand_app, screen_text, service, standard_service

from oncall_tui.render.tiles import what_line
from oncall_tui.sources.base import CheckKind, ErrorKind, FetchError
from oncall_tui.status import Status
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.screens.war_room import WarRoomScreen
from oncall_tui.ui.widgets.kpi_panel import KpiPanel

SIZES = [(80, 24), (120, 40), (200, 60)]


def pending_p99():
    """p99 at 95 ms over its 50 ms crit for 35 s of a 60 s hold: CRIT in 25 s."""
    base = standard_service("cqar")
    checks = [
        replace(
            c,
            value=0.095,
            status=Status.PENDING,
            pending=Status.CRIT,
            pending_level="crit",
            pending_since=NOW - 35,
            hold=60.0,
            since=NOW - 35,
        )
        if c.id.key == "latency_p99"
        else c
        for c in base.checks
    ]
    return service("cqar", checks)


def stale_crit_p99():
    """p99 last seen at 95 ms (crit) 40 s ago; Prometheus has been failing since."""
    base = standard_service("arq")
    checks = [
        replace(
            c,
            value=0.095,
            status=Status.STALE,
            last_verdict=Status.CRIT,
            updated_at=NOW - 40,
            error=FetchError(ErrorKind.UNREACHABLE, "connection refused"),
        )
        if c.id.key == "latency_p99"
        else c
        for c in base.checks
    ]
    snap = service("arq", checks)
    return replace(snap, status=Status.CRIT)  # the engine rolls up with the last verdict


def panel(app, key: str) -> KpiPanel | None:
    found = [p for p in app.screen.query(KpiPanel) if p.check_id.key == key]
    return found[0] if found and found[0].snapshot is not None else None


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_pending_breach_shows_its_glyph_and_word_at_every_width(size):
    app, _ = hand_app(dashboard([standard_service("bazaruto"), pending_p99()]))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "◔ PENDING" in text  # the pinned status column, at any width
        if size[0] >= 120:
            assert "◔ 95 ms CRIT in 25 s" in text
        app.open_service("cqar")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen))
        await until(pilot, lambda: panel(app, "latency_p99") is not None)
        await pilot.pause()
        p99 = panel(app, "latency_p99")
        assert p99.has_class("-pending") and not p99.has_class("-ok")
        assert str(p99.border_subtitle).endswith("◔ PENDING CRIT")  # after any key hint
        text = screen_text(app)
        assert "◔ PENDING CRIT in 25 s" in text
        assert "● 95" not in text


async def test_the_war_room_tile_of_a_pending_service_says_pending_and_when():
    app, _ = hand_app(dashboard([standard_service("bazaruto"), pending_p99()]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen) and app.screen.tiles)
        await pilot.pause()
        tile = app.screen.tiles[0]
        assert tile.service is not None and tile.service.name == "cqar"  # louder than ok
        assert tile.has_class("-pending")
        assert "CRIT in 25 s" in screen_text(app)


def test_the_war_room_line_of_a_stale_crit_keeps_the_crit():
    check = stale_crit_p99().check(CheckKind.KPI, "latency_p99")
    assert check is not None
    assert what_line(check, NOW).startswith("latency p99 95 ms · ✖ CRIT ◌ STALE 40 s")


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_stale_crit_stays_red_beside_stale(size):
    app, _ = hand_app(dashboard([standard_service("bazaruto"), stale_crit_p99()]))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "✖ 95 ms ◌ STALE 40 s" in text
        assert "✖ CRIT" in text
        app.open_service("arq")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen))
        await until(pilot, lambda: panel(app, "latency_p99") is not None)
        await pilot.pause()
        p99 = panel(app, "latency_p99")
        assert p99.has_class("-was-crit")
        assert str(p99.border_subtitle).endswith("✖ CRIT ◌ STALE")
        assert "✖ CRIT ◌ STALE 40 s" in screen_text(app)


def test_a_pending_kpi_row_reads_pending_in_the_status_table():
    from rich.console import Console

    from oncall_tui.render.status_report import to_table

    console = Console(width=160, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(to_table(dashboard([pending_p99(), stale_crit_p99()])))
    text = console.export_text()
    assert "◔ PENDING CRIT in 25 s" in text
    assert "✖ CRIT ◌ STALE 40 s" in text
