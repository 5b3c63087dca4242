"""`glyphs: ascii` reaches every screen: no character outside ASCII is drawn but the data's.

The demo's data (service titles, probe answers, alert texts, runbooks) is ASCII, checked
first, so any other character on these screens is one the dashboard or Textual drew.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.renderables.digits import Digits as DigitsRenderable
from ui_builders import screen_text

import oncall_tui
from oncall_tui.glyphs import LETTERS, SPARK, TABLE, use_ascii_glyphs
from oncall_tui.sources.demo import demo_config, incident_time
from oncall_tui.ui.alerts.screen import AlertsScreen
from oncall_tui.ui.headless import WARMUP, demo_app, open_runbook_pane, replay
from oncall_tui.ui.incidents.forms import DeclareForm
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.screens.war_room import WarRoomScreen
from oncall_tui.ui.widgets.glyph_widgets import ascii_digit_rows

RUNBOOKS = Path(oncall_tui.__file__).resolve().parent.parent / "runbooks"


async def _until(
    pilot, condition: Callable[[], bool], what: str = "", timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not come in time: {pilot.app.screen}"
        await pilot.pause(0.05)
    await pilot.pause()


def _foreign(text: str) -> str:
    return "".join(sorted({ch for ch in text if not ch.isascii()}))


def test_the_demo_data_is_ascii_so_the_screens_can_be_judged() -> None:
    config = demo_config()
    for service in config.services.values():
        assert (service.name + service.title).isascii()
        for kpi in service.all_kpis:
            assert (kpi.label + kpi.unit.text).isascii()
    for runbook in RUNBOOKS.glob("*.md"):
        assert runbook.read_text().isascii(), runbook


def test_every_glyph_has_an_ascii_form_of_its_own() -> None:
    for name, glyph in {**TABLE, **LETTERS}.items():
        assert glyph.ascii.isascii() and glyph.ascii.strip(), name
        assert not glyph.unicode.isascii(), name
    assert len(SPARK.ascii) == len(SPARK.unicode) == len(set(SPARK.ascii))
    for name, letter in LETTERS.items():
        rows = letter.ascii.split("\n")
        assert len(rows) == 3 and all(len(r) == 3 for r in rows), name


def test_ascii_digits_are_as_wide_as_textual_s() -> None:
    for text in ("12.3", "0", "-4:05", "99 %", "1.1k", "3/4"):
        rows = ascii_digit_rows(text)
        assert all(r.isascii() for r in rows)
        assert {len(r) for r in rows} == {DigitsRenderable.get_width(text)}, text


async def _back_to_overview(pilot, app) -> None:  # type: ignore[no-untyped-def]
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    await _until(pilot, lambda: isinstance(app.screen, OverviewScreen))


async def _visit(pilot, app, clock, size: tuple[int, int]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}
    await replay(app, clock, WARMUP)
    await _until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.snapshot)
    seen["overview"] = screen_text(app)
    if size[0] < 100:
        return seen
    app.open_service("arq")
    await _until(pilot, lambda: isinstance(app.screen, ServiceScreen))
    await replay(app, clock, 5)
    seen["service"] = screen_text(app)
    for key, screen, name in (
        ("w", WarRoomScreen, "war room"),
        ("a", AlertsScreen, "alerts"),
        ("question_mark", HelpScreen, "help"),
        ("i", DeclareForm, "declare an incident"),
    ):
        await _back_to_overview(pilot, app)
        await pilot.press(key)
        await _until(pilot, lambda screen=screen: isinstance(app.screen, screen), what=name)
        await replay(app, clock, 5)
        seen[name] = screen_text(app)
    await _back_to_overview(pilot, app)
    assert await open_runbook_pane(app, pilot, "arq"), "the runbook pane did not open"
    seen["runbook"] = screen_text(app)
    return seen


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_glyphs_ascii_draws_every_screen_in_ascii(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setenv("TERM", "linux")  # `glyphs: auto` (the demo's) is ASCII there
    app, clock = demo_app(seed=7, at=incident_time("arq", "saturation"))
    try:
        async with app.run_test(size=size) as pilot:
            seen = await _visit(pilot, app, clock, size)
    finally:
        use_ascii_glyphs(False)
    assert seen["overview"].count("CRIT") >= 1  # a screen with something on it
    for name, text in seen.items():
        assert _foreign(text) == "", f"{name}: {_foreign(text)!r}\n{text}"
        # a glyph's name drawn instead of the glyph (a literal `{SEP}`) is a bug too
        assert not [g for g in TABLE if "{" + g + "}" in text], f"{name}:\n{text}"


async def test_unicode_glyphs_are_drawn_elsewhere() -> None:
    # the same screen without the setting: the check above could fail
    app, clock = demo_app(seed=7, at=incident_time("arq", "saturation"))
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock, WARMUP)
        await _until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.snapshot)
        text = screen_text(app)
    assert {"╭", "✖", "·"} <= set(text)
