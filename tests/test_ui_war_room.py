"""The war-room view: `w` opens a tile per service, worst first, readable without colour."""

from __future__ import annotations

import time
from pathlib import Path

from ui_builders import (
    NOW,
    dashboard,
    failing_source,
    hand_app,
    incident,
    kpi,
    screen_text,
    service,
    standard_service,
)

from oncall_tui.render.tiles import (
    big_word,
    data_line,
    grid_shape,
    headline_check,
    war_room_order,
)
from oncall_tui.sources.demo import incident_time
from oncall_tui.status import Status
from oncall_tui.ui.headless import demo_app, replay
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.screens.war_room import ServiceTile, WarRoomScreen

WARMUP = 60.0
REPO_THEMES = Path(__file__).resolve().parents[1] / "themes"


async def until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def tiles(app) -> list[ServiceTile]:
    assert isinstance(app.screen, WarRoomScreen)
    return app.screen.tiles


async def open_war_room(pilot, app) -> None:
    await pilot.press("w")
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, WarRoomScreen)
            and bool(app.screen.tiles)
            and all(t.service is not None for t in app.screen.tiles)
        ),
    )
    await pilot.pause()


# -- pure parts ----------------------------------------------------------------------------


def test_services_are_ordered_worst_first_and_ties_keep_config_order():
    order = war_room_order(incident().services)  # bazaruto ok, cqar warn, arq crit
    assert [s.name for s in order] == ["arq", "cqar", "bazaruto"]
    calm = [standard_service("b"), standard_service("a")]
    assert [s.name for s in war_room_order(calm)] == ["b", "a"]


def test_headline_is_the_worst_kpi_longest_in_its_status():
    older = kpi("x", "pool_usage", 0.95, Status.CRIT, "ratio", since=NOW - 300)
    newer = kpi("x", "error_rate", 0.05, Status.CRIT, "ratio", since=NOW - 30)
    warn = kpi("x", "latency_p99", 0.03, Status.WARN, "s")
    assert headline_check(service("x", [warn, newer, older])) is older


def test_headline_of_a_healthy_service_is_its_request_rate():
    calm = standard_service("calm")
    headline = headline_check(calm)
    assert headline is not None and headline.id.key == "request_rate"


def test_stale_data_is_said_in_words_with_its_age():
    stale = kpi("x", "error_rate", 0.01, Status.STALE, "ratio", updated_at=NOW - 42)
    text, is_stale = data_line(service("x", [stale]), NOW)
    assert is_stale and text == "◌ STALE: data from 42 s ago"
    fresh, is_stale = data_line(standard_service("y"), NOW)
    assert not is_stale and fresh == "data 3 s ago"


def test_big_word_draws_the_status_word_three_lines_high_with_its_glyph():
    rows = big_word(Status.CRIT).splitlines()
    assert len(rows) == 3
    assert rows[1].startswith("✖")
    assert all(letter not in "".join(rows) for letter in "CRIT")  # drawn, not typed


def test_grid_has_one_or_two_columns_at_80x24_and_three_or_four_at_200x60():
    assert grid_shape(4, 80, 19).columns in (1, 2)
    assert grid_shape(4, 200, 55).columns in (3, 4)
    assert grid_shape(8, 200, 55).columns in (3, 4)
    assert grid_shape(1, 200, 55).columns == 1
    many = grid_shape(20, 80, 19)  # more than fit: as many columns as allowed, then scroll
    assert many.columns == 2 and many.tile_height >= 6


# -- hand-made snapshots -------------------------------------------------------------------


async def test_w_opens_a_tile_per_service_with_the_crit_one_first():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        shown = tiles(app)
        assert [t.service_name for t in shown] == ["arq", "cqar", "bazaruto"]
        assert shown[0].has_class("-crit") and app.focused is shown[0]
        text = screen_text(app)
        assert "✖ CRIT" in text and "error rate 2.3 % · ✖ CRIT for 10 min" in text
        assert "▲ WARN" in text and "● OK" in text


async def test_a_stale_service_says_stale_with_the_age_of_its_data():
    stale = service(
        "cqar",
        [kpi("cqar", "error_rate", 0.0004, Status.STALE, "ratio", updated_at=NOW - 42)],
    )
    snapshot = dashboard([standard_service("arq"), stale], sources=[failing_source(42)])
    app, _ = hand_app(snapshot)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        assert tiles(app)[0].service_name == "cqar"
        assert "◌ STALE: data from 42 s ago" in screen_text(app)


async def test_tiles_reorder_when_a_service_turns_crit():
    app, state = hand_app(dashboard([standard_service("arq"), standard_service("cqar")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        assert [t.service_name for t in tiles(app)] == ["arq", "cqar"]
        hurt = standard_service("cqar", pool_usage=(0.97, Status.CRIT))
        state.set(dashboard([standard_service("arq"), hurt]))
        app.tick()  # what the app's refresh timer does every second: no key pressed
        await until(pilot, lambda: tiles(app)[0].service_name == "cqar")
        assert tiles(app)[0].has_class("-crit")
        assert "pool usage 97 % · ✖ CRIT" in screen_text(app)


async def test_no_color_reads_every_status_by_glyph_and_word(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        text = screen_text(app)
        assert "✖ CRIT" in text and "▲ WARN" in text and "● OK" in text


async def test_enter_opens_the_focused_service_and_escape_comes_back():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        await pilot.press("down")
        await until(pilot, lambda: getattr(app.focused, "service_name", None) == "cqar")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen))
        assert app.screen.service_name == "cqar"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))


# -- the demo ------------------------------------------------------------------------------


async def test_demo_incident_puts_cqar_first_in_crit_at_every_size():
    app, clock = demo_app(seed=7, at=incident_time("cqar", "saturation"), warmup=WARMUP)
    async with app.run_test(size=(200, 60)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        await open_war_room(pilot, app)
        names = {s.name for s in app.snapshot.services}
        assert {t.service_name for t in tiles(app)} == names
        first = tiles(app)[0]
        assert first.service_name == "cqar" and first.has_class("-crit")
        assert first.border_subtitle == "✖ CRIT"
        assert "◉ 3 alerts firing" in screen_text(app)
        columns = app.screen.query_one("#war-tiles").styles.grid_size_columns
        assert columns in (3, 4)
        for size in ((80, 24), (160, 45), (200, 60)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            text = screen_text(app)
            assert "✖ CRIT" in text and "cqar" in text
        columns = app.screen.query_one("#war-tiles").styles.grid_size_columns
        assert columns in (3, 4)
        await pilot.resize_terminal(80, 24)
        await until(
            pilot, lambda: app.screen.query_one("#war-tiles").styles.grid_size_columns in (1, 2)
        )
        await pilot.press("w")  # w again goes back
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))


async def test_demo_war_room_follows_the_ticks_without_a_key():
    app, clock = demo_app(seed=7, at=incident_time("cqar", "saturation"), warmup=WARMUP)
    async with app.run_test(size=(160, 45)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        await open_war_room(pilot, app)
        before = tiles(app)[0].service
        await replay(app, clock, 30)
        await until(pilot, lambda: tiles(app)[0].service is not before)
        assert "sources: ● demo just now" in screen_text(app)


async def test_high_contrast_theme_paints_the_crit_tile_in_its_crit_colour():
    app, _ = hand_app(incident(), theme="oncall-high-contrast", theme_folders=[REPO_THEMES])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        crit = tiles(app)[0]
        colour = crit.styles.border_top[1].hex.lower()
        assert colour == app.theme_variables["status-crit"].lower() == "#ff8c00"
        assert "✖ CRIT" in screen_text(app)


async def test_a_tile_shown_before_it_is_composed_draws_what_it_was_given_once_it_is():
    """The race behind NoMatches '.tile-unit': a tile shown between its mount and the compose
    of its value row. Its parts are held, so showing it at any stage is safe and kept."""
    from textual.app import App

    from oncall_tui.ui.screens.war_room import ServiceTile

    snapshot = incident()
    arq = next(s for s in snapshot.services if s.name == "arq")
    tile = ServiceTile(arq)
    tile.show(arq, NOW)  # nothing is composed yet: no query can find anything

    class Host(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield tile

    host = Host()
    async with host.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = screen_text(host)
        assert "CRIT" in text and "%" in text, text  # the status and the headline's unit


async def test_the_war_room_is_built_once_and_shows_what_changed_away_before_its_first_frame():
    app, state = hand_app(dashboard([standard_service("arq"), standard_service("cqar")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_war_room(pilot, app)
        first, first_tiles = app.screen, tiles(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        hurt = standard_service("cqar", pool_usage=(0.97, Status.CRIT))
        state.set(dashboard([standard_service("arq"), hurt]))
        app.tick()  # the overview draws it; the war room, off the stack, is not drawn
        pushed = app.push_screen
        seen = []

        def push(screen, *args, **kwargs):
            if isinstance(screen, WarRoomScreen):  # what its first frame back would draw
                seen.append([(t.service_name, t.has_class("-crit")) for t in screen.tiles])
            return pushed(screen, *args, **kwargs)

        app.push_screen = push
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen))
        assert app.screen is first and tiles(app)[0] in first_tiles  # the same tiles again
        assert seen == [[("cqar", True), ("arq", False)]]
        assert "pool usage 97 % · ✖ CRIT" in screen_text(app)
