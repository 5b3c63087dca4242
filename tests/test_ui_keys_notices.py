"""Keys of the design (`q` back one level, `ctrl+c` quit from anywhere) and new-alert notices
(never over the runbook pane; `m` and `alert_notices: false` mute them)."""

from __future__ import annotations

from dataclasses import replace

from test_ui_alerts import PENDING, RUNBOOKS, with_alerts
from ui_builders import config_for, hand_app, incident, screen_text

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import resolve_link
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.runbook.pane import RunbookPane
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.service import ServiceScreen


async def settle(pilot, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_q_goes_back_one_level_and_quits_only_on_the_overview():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_service("arq")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen) and app.is_running
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0 and not app.is_running


async def test_q_in_the_runbook_pane_closes_the_pane_not_the_app():
    app, _ = hand_app(incident())
    index = RunbookIndex.load([RUNBOOKS])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_service("arq")
        await settle(pilot)
        link = resolve_link(index, "arq.md", None, RUNBOOKS)
        app.open_runbook(link, service="arq")
        await settle(pilot, 6)
        assert open_pane(app) is not None
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen) and app.is_running
        assert open_pane(app) is None


async def test_ctrl_c_quits_from_any_screen():
    app, _ = hand_app(incident())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_service("arq")
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
    assert not app.is_running


async def fire(app, state, pilot) -> None:
    state.set(with_alerts((replace(PENDING, state="firing"),)))
    app.tick()
    await settle(pilot)


async def test_a_new_alert_while_the_runbook_pane_is_open_is_said_in_the_pane_not_over_it():
    first = with_alerts((PENDING,))
    app, state = hand_app(first)
    index = RunbookIndex.load([RUNBOOKS])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.open_runbook(resolve_link(index, "cqar.md", None, RUNBOOKS), service="cqar")
        await settle(pilot, 6)
        pane = open_pane(app)
        assert isinstance(pane, RunbookPane)
        await fire(app, state, pilot)
        assert not any("CQARCacheHitRateLow" in t for t in toasts(app)), toasts(app)
        line = pane.query_one("#rb-alert")
        assert line.display and "CQARCacheHitRateLow firing on cqar" in screen_text(app)
        # the line sits at the top of the pane, above the runbook text
        assert line.region.y <= pane.query_one("#rb-scroll").region.y


async def test_m_mutes_new_alert_notices_and_unmutes_them():
    first = with_alerts((PENDING,))
    app, state = hand_app(first)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        assert not app.alert_notices
        app.clear_notifications()
        await fire(app, state, pilot)
        assert not any("CQARCacheHitRateLow" in t for t in toasts(app)), toasts(app)
        await pilot.press("m")
        assert app.alert_notices


async def test_alert_notices_false_in_the_config_mutes_them_from_the_start():
    first = with_alerts((PENDING,))
    config = config_for(first, alert_notices=False, bell=True)
    app, state = hand_app(first, config=config)
    bells = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await fire(app, state, pilot)
        assert not any("CQARCacheHitRateLow" in t for t in toasts(app)) and not bells


def test_alert_notices_is_read_from_the_config(tmp_path):
    from oncall_tui.config.loader import load_config

    path = tmp_path / "oncall.yaml"
    path.write_text(
        "alert_notices: false\ndatasources: {default: {url: 'http://127.0.0.1:9'}}\n"
        "services: {a: {kpis: {request_rate: {query: up}}}}\n"
    )
    assert load_config(path).alert_notices is False
