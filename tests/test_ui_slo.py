"""SLOs on screen: the service screen's panel, the overview's budget column, the war-room tile.

Driven through the demo on a frozen clock at the moment cqar's incident fires its fast page
(its 1m and 10s windows both past 14.4x).
"""

from __future__ import annotations

import time

from ui_builders import screen_text

from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import incident_time
from oncall_tui.status import Status
from oncall_tui.ui.headless import WARMUP, demo_app, replay
from oncall_tui.ui.screens.war_room import WarRoomScreen
from oncall_tui.ui.widgets.matrix import ServiceMatrix
from oncall_tui.ui.widgets.slo_panel import SloPanel

SEED = 7
#: cqar's error spike has filled both windows of the fast page pair by now
PAGING = incident_time("cqar", "saturation") + 14.0
#: long after the incident: the page has stopped, the spent budget stays spent
AFTER = incident_time("cqar", "saturation") + 120.0


async def until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def test_service_screen_shows_the_firing_page_pair_budget_and_exhaustion():
    app, clock = demo_app(seed=SEED, at=PAGING, service="cqar")
    async with app.run_test(size=(120, 50)) as pilot:
        await replay(app, clock, WARMUP)
        await until(pilot, lambda: any(p.snapshot for p in app.screen.query(SloPanel)))
        await pilot.pause()
        (panel,) = app.screen.query(SloPanel)
        assert panel.has_class("-crit")
        assert panel.border_subtitle == "✖ CRIT"
        assert panel.border_title == "availability SLO"
        text = screen_text(app)
        assert "objective 99.95 % over 6h · budget" in text
        assert "FIRING" in text
        firing = next(line for line in text.splitlines() if "FIRING" in line)
        assert "page" in firing and "1m/10s" in firing and "≥ 14.4x" in firing
        assert "at the 1h burn" in text
        assert "█" in text and "░" in text  # the budget bar


async def test_overview_budget_column_shows_the_worst_slo_with_its_status():
    app, clock = demo_app(seed=SEED, at=PAGING)
    async with app.run_test(size=(200, 60)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        assert "slo" in table.columns
        assert table.columns["slo"].label.plain == "budget"
        cqar = table.get_cell("cqar", "slo").plain
        assert cqar.startswith("✖ ") and cqar.endswith(" CRIT") and "%" in cqar
        assert table.get_cell("gateway", "slo").plain == "·"  # no SLO declared


async def test_budget_spent_in_the_incident_stays_spent_after_it():
    app, clock = demo_app(seed=SEED, at=PAGING)
    async with app.run_test(size=(200, 60)):
        await replay(app, clock, WARMUP)
        during = app.snapshot.service("cqar").check(CheckKind.SLO, "availability")
        await replay(app, clock, AFTER - PAGING)
        after = app.snapshot.service("cqar").check(CheckKind.SLO, "availability")
        assert during.status is Status.CRIT
        assert after.status is not Status.CRIT
        assert after.value < during.value  # the budget left went down and stayed down


async def test_war_room_tile_shows_the_firing_burn():
    app, clock = demo_app(seed=SEED, at=PAGING)
    async with app.run_test(size=(200, 60)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        await pilot.press("w")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, WarRoomScreen)
                and all(t.service is not None for t in app.screen.tiles)
            ),
        )
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "availability SLO burn" in text
        assert "over 1m/10s" in text  # the tile wraps the rest of the line


async def test_r_on_the_slo_panel_opens_its_runbook_section():
    from oncall_tui.ui.runbook.opened import open_pane

    app, clock = demo_app(seed=SEED, at=PAGING, service="cqar")
    async with app.run_test(size=(160, 50)) as pilot:
        await replay(app, clock, WARMUP)
        await until(pilot, lambda: any(p.snapshot for p in app.screen.query(SloPanel)))
        (panel,) = app.screen.query(SloPanel)
        panel.focus()
        await pilot.pause()
        await pilot.press("r")
        await until(pilot, lambda: open_pane(app) is not None)
        await until(pilot, lambda: "High Error Rate" in screen_text(app))
