"""Pilot tests of the service screen: panels, the loud breach, words for bad data, focus."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Digits, Static
from ui_builders import (
    NOW,
    dashboard,
    hand_app,
    incident,
    kpi,
    screen_text,
    service,
    standard_service,
    thresholds,
)

from oncall_tui.sources.base import ErrorKind, FetchError
from oncall_tui.status import Status
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.kpi_panel import KpiPanel


async def open_arq(pilot) -> ServiceScreen:
    await pilot.pause()
    pilot.app.open_service("arq")
    await pilot.pause()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ServiceScreen)
    return screen


async def test_one_panel_per_kpi_with_value_thresholds_and_duration():
    app, _ = hand_app(incident())
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_arq(pilot)
        panels = {p.check_id.key: p for p in screen.query(KpiPanel)}
        assert set(panels) == {
            "request_rate",
            "latency_p50",
            "latency_p99",
            "error_rate",
            "cache_hit_rate",
            "pool_usage",
            "queue_depth",
        }
        text = screen_text(app)
        assert "warn >= 0.1 % · crit >= 1 %" in text
        assert "✖ CRIT for 10 min · updated 3 s ago" in text


async def test_the_panel_in_breach_is_loudest_and_has_focus():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_arq(pilot)
        error_rate = screen.query_one("#panel-error_rate", KpiPanel)
        p50 = screen.query_one("#panel-latency_p50", KpiPanel)
        assert error_rate.has_class("-crit")
        assert app.focused is error_rate
        crit_style, ok_style = error_rate.styles, p50.styles
        assert crit_style.background != ok_style.background
        assert crit_style.border_top != ok_style.border_top
        assert error_rate.border_subtitle == "r runbook · ✖ CRIT"  # focused: its key too


async def test_panels_take_focus_with_tab_and_arrows():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_arq(pilot)
        panels = list(screen.query(KpiPanel))
        start = panels.index(app.focused)
        await pilot.press("down")
        assert app.focused is panels[(start + 1) % len(panels)]
        await pilot.press("up", "up")
        assert app.focused is panels[(start - 1) % len(panels)]
        await pilot.press("down")
        await pilot.press("tab")
        assert app.focused is panels[(start + 1) % len(panels)]


async def test_stale_error_and_nodata_are_said_in_words():
    refused = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    bad = FetchError(ErrorKind.BAD_QUERY, "parse error at char 5")
    checks = [
        kpi("arq", "error_rate", 0.002, Status.STALE, "ratio", error=refused, updated_at=None),
        kpi("arq", "latency_p99", None, Status.ERROR, "s", error=bad),
        kpi("arq", "queue_depth", None, Status.NODATA, "count"),
    ]
    app, _ = hand_app(dashboard([service("arq", checks)]))
    async with app.run_test(size=(200, 60)) as pilot:
        await open_arq(pilot)
        text = screen_text(app)
        assert "STALE: unreachable: connection refused" in text
        assert "ERROR: bad_query: parse error at char 5" in text
        assert "NODATA: the query returned no series" in text
        assert "no data yet" in text


async def test_multi_level_kpi_names_its_level_and_the_next_one():
    p99 = kpi(
        "arq",
        "latency_p99",
        2.3,
        Status.CRIT,
        "s",
        level="major",
        next_level=("critical", 5.0),
        thresholds=thresholds(1.0, 2.0),
    )
    app, _ = hand_app(dashboard([service("arq", [p99])]))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_arq(pilot)
        text = screen_text(app)
        assert "✖ CRIT major" in text
        assert "next: critical at 5 s (2.7 s away)" in text


async def test_values_update_in_place_without_new_panels():
    app, state = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_arq(pilot)
        before = {id(p) for p in screen.query(KpiPanel)}
        snap = incident()
        arq = snap.service("arq")
        checks = tuple(
            replace(c, value=0.5, status=Status.CRIT) if c.id.key == "error_rate" else c
            for c in arq.checks
        )
        services = tuple(replace(s, checks=checks) if s.name == "arq" else s for s in snap.services)
        state.set(replace(snap, services=services))
        app.tick()
        await pilot.pause()
        assert {id(p) for p in screen.query(KpiPanel)} == before
        panel = screen.query_one("#panel-error_rate", KpiPanel)
        assert panel.query_one(Digits).value == "50"
        assert "50 %" in str(panel.query_one(".small-value", Static).content)


async def test_service_timeline_lists_its_status_changes():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_arq(pilot)
        assert "error rate ● OK → ✖ CRIT" in screen_text(app)


async def test_80x24_service_screen_shows_the_focused_panel():
    app, _ = hand_app(incident())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_arq(pilot)
        await pilot.pause()
        assert "error rate" in screen_text(app)
        await pilot.press("down", "down", "down")
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, KpiPanel)
        assert focused.border_title in screen_text(app)


async def test_starting_on_a_service_opens_its_screen_and_escape_goes_to_the_overview():
    from oncall_tui.ui.screens.overview import OverviewScreen

    app, _ = hand_app(incident(), service="cqar")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ServiceScreen)
        assert app.screen.service_name == "cqar"
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_a_second_enter_brings_back_the_same_screen_with_current_values():
    """The service screen is built once: a later `enter` shows it again, with what changed
    meanwhile drawn before it is shown (a breach since reads crit, never ok) and the focus
    on the panel of the cause line."""
    app, state = hand_app(incident())
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        app.open_service("bazaruto")
        await pilot.pause()
        first = app.screen
        assert isinstance(first, ServiceScreen)
        assert not first.query_one("#panel-error_rate", KpiPanel).has_class("-crit")
        ok_look = first.query_one("#panel-error_rate", KpiPanel).styles.background
        await pilot.press("escape")
        await pilot.pause()
        worse = incident()
        bazaruto = standard_service("bazaruto", error_rate=(0.05, Status.CRIT))
        services = tuple(bazaruto if s.name == "bazaruto" else s for s in worse.services)
        state.set(replace(worse, services=services))
        app.tick()  # the overview is on top: the service screen off the stack saw nothing
        app.open_service("bazaruto")
        # drawn before its first frame back, not after it
        error_rate = first.query_one("#panel-error_rate", KpiPanel)
        assert error_rate.has_class("-crit")
        assert first.query_one("#service-cause").has_class("-crit")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is first
        assert app.focused is error_rate
        text = screen_text(app)
        assert "✖ CRIT" in text and "error rate 5 %" in text
        # and in crit's colours, not the ok look it had when it was put away
        assert error_rate.styles.background != ok_look


async def test_the_ages_each_second_lay_nothing_out(monkeypatch):
    """The refresh each second moves the ages (the cause line's "since", the panels'
    "updated 3 s ago"): no widget asks for a layout of the screen for it."""
    from textual.widget import Widget

    app, _ = hand_app(incident())
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_arq(pilot)
        await pilot.pause(0.3)
        asked: list[str] = []
        refresh = Widget.refresh

        def recording(self, *regions, layout=False, **kw):  # type: ignore[no-untyped-def]
            if layout:
                asked.append(f"{type(self).__name__}#{self.id}")
            return refresh(self, *regions, layout=layout, **kw)

        monkeypatch.setattr(Widget, "refresh", recording)
        for second in range(1, 6):
            screen.show(app.snapshot, NOW + second)
            await pilot.pause()
        assert asked == []


async def test_a_kept_screen_takes_a_theme_changed_while_it_was_away():
    """Shown again, a kept screen is not restyled whole unless the app's CSS changed; a
    theme chosen meanwhile is one: its panels come back in the new theme's colours."""
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_arq(pilot)
        before = screen.query_one("#panel-error_rate", KpiPanel).styles.background
        await pilot.press("escape")
        await pilot.pause()
        other = next(t for t in app.oncall_themes if t != app.theme)
        app.theme = other
        await pilot.pause()
        app.open_service("arq")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        after = screen.query_one("#panel-error_rate", KpiPanel).styles.background
        assert after != before
