"""Pilot tests: the dashboard never exits on a widget error, and survives a busy refresh."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from ui_builders import NOW, check, dashboard, hand_app, kpi, service

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.service import ServiceScreen

ROUNDS = 200


def moving(step: int) -> DashboardSnapshot:
    """A small service whose values (and now and then its set of panels) move every step."""
    checks = [
        kpi("arq", "error_rate", 0.02 + step / 1000, Status.CRIT, "ratio"),
        kpi("arq", "request_rate", 100.0 + step, Status.OK, "req/s"),
        kpi("arq", "latency_p99", 0.2, Status.WARN if step % 2 else Status.OK, "s"),
        check("arq", CheckKind.HEALTH, "ready", Status.CRIT if step % 3 else Status.OK),
    ]
    if step % 7 == 0:  # a KPI comes and goes: a panel is added, hidden, shown again
        checks.append(kpi("arq", f"custom_{step % 3}", float(step), Status.WARN))
    return replace(dashboard([service("arq", checks)]), generated_at=NOW + step)


@pytest.mark.timeout(300)
async def test_opening_and_closing_a_service_200_times_while_refreshing_every_50_ms():
    app, state = hand_app(moving(0))
    steps = iter(range(1, 1_000_000))

    def refresh() -> None:
        state.set(moving(next(steps)))
        app.tick()

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        refreshing = app.set_interval(0.05, refresh)
        for round_ in range(ROUNDS):
            app.open_service("arq")
            # close it at every stage: before it composed, mid-mount, after a refresh or two
            await asyncio.sleep((0, 0.001, 0.01, 0.06)[round_ % 4])
            app.back_to_overview()
            await asyncio.sleep(0.001 if round_ % 2 else 0)
        # the rounds are over: the refresh stops, so that the app can settle (on a loaded
        # machine a refresh every 50 ms could keep it from ever being idle)
        refreshing.stop()
        await pilot.pause(0.2)
        assert app.is_running
        assert app.display_errors.count == 0, repr(app.display_errors.last)
        assert isinstance(app.screen, OverviewScreen)
        app.open_service("arq")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ServiceScreen)
        assert app.display_errors.count == 0, repr(app.display_errors.last)


async def until_true(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)


def war_room_step(step: int) -> DashboardSnapshot:
    """Three services whose order changes every few steps, and a fourth that comes and goes
    (a tile is mounted, reordered and removed while the screen refreshes)."""
    names = ["arq", "cqar", "bazaruto"] + (["gateway"] if step % 5 < 2 else [])
    services = []
    for index, name in enumerate(names):
        bad = (index + step) % len(names) == 0
        checks = [
            kpi(name, "error_rate", 0.02 + step / 1000, Status.CRIT if bad else Status.OK, "ratio"),
            kpi(name, "latency_p99", 0.2 + step / 100, Status.WARN if step % 2 else Status.OK, "s"),
            check(name, CheckKind.HEALTH, "ready", Status.CRIT if bad and step % 3 else Status.OK),
        ]
        services.append(service(name, checks))
    return replace(dashboard(services), generated_at=NOW + step)


@pytest.mark.timeout(300)
async def test_opening_and_closing_the_war_room_200_times_at_80x24_while_refreshing():
    """The war room once stopped on NoMatches '.tile-unit': a tile was shown after it was
    mounted and before the parts inside its value row were composed. Its parts are held now,
    so a tile can be shown at any stage of mounting; nothing may reach the guard."""
    from oncall_tui.ui.screens.war_room import WarRoomScreen

    app, state = hand_app(war_room_step(0))
    steps = iter(range(1, 1_000_000))

    def refresh() -> None:
        state.set(war_room_step(next(steps)))
        app.tick()

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        timer = app.set_interval(0.05, refresh)
        for round_ in range(ROUNDS):
            app.action_war_room()
            # close it at every stage: before it composed, mid-mount, after a refresh or two
            await asyncio.sleep((0, 0.001, 0.01, 0.06)[round_ % 4])
            if isinstance(app.screen, WarRoomScreen):
                app.action_war_room()
            await asyncio.sleep(0.001 if round_ % 2 else 0)
        timer.stop()  # the storm is over: let the screens settle before looking
        refresh()
        # bounded waits on the loop (a pilot pause waits for every queue to drain, which a
        # loaded machine may not do within its own timeout after such a storm)
        await until_true(lambda: isinstance(app.screen, OverviewScreen))
        assert app.is_running
        assert app.display_errors.count == 0, repr(app.display_errors.last)
        app.action_war_room()
        await until_true(lambda: isinstance(app.screen, WarRoomScreen) and app.screen.tiles)
        screen = app.screen
        assert isinstance(screen, WarRoomScreen)
        await until_true(lambda: all(tile.service is not None for tile in screen.tiles))
        # the tiles follow the services, worst first, each drawn
        snapshot = app.snapshot
        assert snapshot is not None
        shown = [tile.service_name for tile in screen.tiles]
        assert sorted(shown) == sorted(s.name for s in snapshot.services)
        assert all(tile.service is not None for tile in screen.tiles)
        assert app.display_errors.count == 0, repr(app.display_errors.last)
