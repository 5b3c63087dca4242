"""Pilot tests of the overview on hand-made snapshots: values, statuses, keys, sizes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ui_builders import (
    check,
    dashboard,
    failing_source,
    hand_app,
    incident,
    screen_text,
    standard_service,
)

from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import incident_time
from oncall_tui.status import Status
from oncall_tui.ui.headless import WARMUP, demo_app, replay
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.matrix import ServiceMatrix


def rows(app) -> list[list[str]]:
    table = app.query_one(ServiceMatrix)
    return [[cell.plain for cell in table.get_row(row.key)] for row in table.ordered_rows]


async def test_overview_shows_every_service_with_formatted_values():
    app, _ = hand_app(incident())
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for name in ("arq", "cqar", "bazaruto"):
            assert name in text
        assert "● 120 req/s" in text
        assert "● 4 ms" in text
        assert "● 93 %" in text


async def test_crit_cell_shows_glyph_and_word_and_the_worst_service_is_on_top():
    app, _ = hand_app(incident())
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        table = rows(app)
        assert table[0][:2] == ["✖ CRIT", "arq"]
        assert "✖ 2.3 % CRIT" in table[0]
        assert table[-1][:2] == ["● OK", "bazaruto"]
        assert "✖ 2.3 % CRIT" in screen_text(app)


async def test_s_toggles_between_worst_first_and_config_order():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert [r[1] for r in rows(app)] == ["arq", "cqar", "bazaruto"]
        await pilot.press("s")
        assert [r[1] for r in rows(app)] == ["bazaruto", "cqar", "arq"]
        assert "config order" in screen_text(app)
        await pilot.press("s")
        assert [r[1] for r in rows(app)] == ["arq", "cqar", "bazaruto"]


async def test_a_new_snapshot_updates_cells_in_place_without_rebuilding_the_table():
    app, state = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        cleared = []
        original_rebuild = table._rebuild
        table._rebuild = lambda *a, **k: (cleared.append(1), original_rebuild(*a, **k))[1]
        healed = incident()
        services = tuple(standard_service("arq") if s.name == "arq" else s for s in healed.services)
        state.set(replace(healed, services=services))
        app.tick()
        await pilot.pause()
        assert cleared == []
        arq = next(r for r in rows(app) if r[1] == "arq")
        assert arq[0] == "● OK" and "● 0.04" in arq  # the heading says `error %`


async def test_enter_opens_the_service_screen_and_escape_returns():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen)
        assert app.screen.service_name == "arq"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)


async def test_arrow_down_then_enter_opens_the_second_service():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.service_name == "cqar"


async def test_a_click_selects_a_row_and_a_click_on_the_selected_row_opens_it():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        # line 0 is the border, line 1 the column headings, then arq, cqar, bazaruto
        assert await pilot.click(ServiceMatrix, offset=(12, 4))
        await pilot.pause()
        assert table.cursor_coordinate.row == 2
        assert isinstance(app.screen, OverviewScreen)
        assert await pilot.click(ServiceMatrix, offset=(12, 4))
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen)
        assert app.screen.service_name == "bazaruto"


async def test_p_pauses_and_the_header_says_paused():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "PAUSED" not in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert app.poller.paused
        assert "PAUSED" in screen_text(app).splitlines()[0]
        await pilot.press("p")
        await pilot.pause()
        assert not app.poller.paused
        assert "PAUSED" not in screen_text(app)


async def test_failing_source_shows_a_banner_with_the_age_of_the_data():
    app, _ = hand_app(dashboard(incident().services, sources=[failing_source(42)]))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "prometheus default unreachable: showing data from 42 s ago" in text
        assert "◌ prometheus default STALE 42 s ago" in text.splitlines()[0]


async def test_banner_goes_away_when_the_source_recovers():
    app, state = hand_app(dashboard(incident().services, sources=[failing_source(42)]))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        state.set(incident())
        app.tick()
        await pilot.pause()
        assert "showing data from" not in screen_text(app)


async def test_health_column_appears_when_a_service_has_probes():
    svc = standard_service("cqar")
    probes = (
        check("cqar", CheckKind.HEALTH, "live"),
        check("cqar", CheckKind.HEALTH, "ready", Status.CRIT),
    )
    svc = replace(svc, checks=svc.checks + probes, status=Status.CRIT)
    app, _ = hand_app(dashboard([svc, standard_service("arq")]))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "health" in text
        assert "live ● ready ✖ CRIT" in text


async def test_question_mark_lists_the_keys_and_what_each_status_glyph_means():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for words in ("Quit", "Pause", "Theme", "Search", "Sort", "Open"):
            assert words in text
        for status in Status:  # the legend of the six glyphs, each with its word
            assert f"{status.glyph} {status.word}" in text
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_slash_finds_a_service_by_name_and_opens_it():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "b", "a", "z", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen)
        assert app.screen.service_name == "bazaruto"


async def test_keymap_from_config_rebinds_keys():
    snapshot = incident()
    from ui_builders import config_for

    app, _ = hand_app(snapshot, config=config_for(snapshot, keymap={"pause": "space"}))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        assert app.poller.paused
        await pilot.press("p")
        assert app.poller.paused  # p is no longer the pause key


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_small_and_large_terminals_render_and_keep_the_focused_row_visible(size):
    many = [standard_service(f"svc{i:02d}") for i in range(30)]
    app, _ = hand_app(dashboard([*incident().services, *many]))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*["down"] * 25)
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        name = table.selected_service()
        assert name is not None
        assert name in screen_text(app)
        await pilot.resize_terminal(*reversed_size(size))
        await pilot.pause()
        assert table.selected_service() == name
        assert name in screen_text(app)


def reversed_size(size: tuple[int, int]) -> tuple[int, int]:
    return (200, 60) if size == (80, 24) else (80, 24)


async def test_at_80_columns_hidden_columns_are_announced():
    app, _ = hand_app(incident())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        table = app.query_one(ServiceMatrix)
        if table.virtual_size.width > table.scrollable_content_region.width:
            assert "more columns" in text
        assert "✖ CRIT" in text  # the rolled-up status keeps its word when narrow


async def test_at_120_columns_the_demo_incident_shows_every_column_without_sideways_scroll():
    app, clock = demo_app(seed=7, at=incident_time("arq", "saturation"))
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock, WARMUP)
        for _ in range(40):
            await pilot.pause(0.05)
            table = app.query_one(ServiceMatrix)
            if table.row_count == 4 and "alerts" in screen_text(app):
                break
        text = screen_text(app)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "more columns" not in text and not table.border_subtitle
        headings = text.splitlines()[2]
        for heading in ("status", "req/s", "p99", "error %", "health", "pods", "alerts"):
            assert heading in headings
        arq = next(line for line in text.splitlines() if " arq " in line)
        assert "✖ CRIT" in arq  # the row says the word once
        assert "✖crit" in arq.split("│")[1]  # the alerts cell, on screen, inside the border
        assert table.get_cell("arq", "alerts").plain in arq
        assert arq.count("CRIT") == 1  # KPI cells show glyph and value only


async def test_a_column_kept_wide_by_an_old_text_shrinks_when_that_lets_every_column_fit():
    def with_probe(title: str):
        svc = standard_service("cqar")
        probe = replace(check("cqar", CheckKind.HEALTH, "ready", Status.CRIT), title=title)
        return dashboard([replace(svc, checks=(*svc.checks, probe), status=Status.CRIT)])

    app, state = hand_app(with_probe("ready " + "x" * 60))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.pause()
        table = app.query_one(ServiceMatrix)
        assert table.virtual_size.width > table.scrollable_content_region.width
        assert "more columns" in screen_text(app)
        state.set(with_probe("ready"))
        app.tick()
        for _ in range(40):
            await pilot.pause(0.05)
            if "more columns" not in screen_text(app):
                break
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "ready ✖ CRIT" in screen_text(app)
