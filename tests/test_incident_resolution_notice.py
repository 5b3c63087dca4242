"""Resolving in the TUI shows the resolution notice for copying: `R` on the incident screen,
root cause and resolution typed, the notice composed from the recording and the template,
edited in place, and ctrl+s copies it (OSC 52 and the fallback file). An escalation while
the runbook pane is open is said in the pane, not in a toast over it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea
from ui_builders import screen_text

from oncall_tui.config.incidents import DEFAULT_POLICY
from oncall_tui.runbooks.clipboard import FALLBACK_NAME
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import resolve_link
from oncall_tui.sources.demo import DemoSource, demo_config
from oncall_tui.store.incidents import IncidentStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.headless import FrozenClock
from oncall_tui.ui.incidents.forms import UpdateForm
from oncall_tui.ui.incidents.screen import IncidentScreen
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.runbook.pane import RunbookPane

RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"


async def until(pilot, condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pilot.app.tick()
        await pilot.pause(0.02)
        if condition():
            return True
    return condition()


async def test_resolving_shows_the_resolution_notice_and_ctrl_s_copies_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)
    config = demo_config()
    clock = FrozenClock()
    path = tmp_path / "rec.sqlite"
    with IncidentStore(path, clock=clock) as store:
        store.start(
            title="checkout failing",
            severity="P2",
            services=("cqar",),
            commander="dana",
            at=clock.now - 754,  # 12:34 before the resolve
        )
    app = OncallApp(
        config,
        sources=[DemoSource(config, clock, 7)],
        clock=clock,
        live=False,
        demo=True,
        incident_path=path,
    )
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert await until(pilot, lambda: app.incident_view is not None)
        await pilot.press("i")
        assert await until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("R")
        await pilot.pause()
        await pilot.press(*"cache nodes out of memory")
        await pilot.press("enter")
        await pilot.press(*"raised the limit")
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, UpdateForm))
        form = app.screen
        assert app.incident_view is None  # resolved in the store before the notice shows
        title = form.query_one(".dialog-title", Static)
        assert str(title.render()) == "resolution notice"
        text = form.query_one(TextArea).text
        assert text.startswith("**INC-1 resolved (P2): checkout failing**")
        assert "duration 12:34" in text
        assert "Root cause: cache nodes out of memory" in text
        assert "Resolution: raised the limit" in text
        assert "Commander: dana" in text

        await pilot.press("end", *" (thanks all)")  # the notice is editable before copying
        before = len(app._notifications)
        await pilot.press("ctrl+s")
        fallback = tmp_path / FALLBACK_NAME
        assert await until(pilot, lambda: len(app._notifications) > before and fallback.exists())
        assert not isinstance(app.screen, UpdateForm)
        copied = app.clipboard
        assert copied.startswith("**INC-1 resolved (P2): checkout failing** (thanks all)")
        assert "Resolution: raised the limit" in copied
        assert fallback.read_text() == copied
    with IncidentStore(path) as store:
        (incident,) = store.all()
        assert incident.state == "resolved"
        assert incident.root_cause == "cache nodes out of memory"


async def test_an_escalation_while_the_runbook_pane_is_open_is_said_in_the_pane_not_over_it(
    tmp_path: Path,
) -> None:
    """At 80x24 a toast would cover the last lines of the pane, the commands being read."""
    runbooks = RUNBOOKS
    config = replace(demo_config(), incidents=DEFAULT_POLICY)
    clock = FrozenClock()
    path = tmp_path / "rec.sqlite"
    with IncidentStore(path, clock=clock) as store:
        store.start(
            title="cache",
            severity="P2",
            services=("cqar",),
            commander="dana",
            at=clock.now - (15 * 60 - 10),  # L3 Engineering lead is 10 s away
        )
    app = OncallApp(
        config,
        sources=[DemoSource(config, clock, 7)],
        clock=clock,
        live=False,
        demo=True,
        incident_path=path,
    )
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert await until(pilot, lambda: app.incident_view is not None)
        index = RunbookIndex.load([runbooks])
        app.open_runbook(resolve_link(index, "cqar.md", None, runbooks), service="cqar")
        assert await until(pilot, lambda: isinstance(open_pane(app), RunbookPane))
        pane = open_pane(app)
        assert pane is not None
        clock.advance(20)
        assert await until(pilot, lambda: "escalated to L3" in screen_text(app))
        assert not any("escalated" in str(n.message) for n in app._notifications)
        line = pane.query_one("#rb-alert", Static)
        assert line.display and "INC-1 escalated to L3 Engineering lead" in str(line.render())
        assert line.region.y <= pane.query_one("#rb-scroll").region.y  # above the text
        assert app.incident_header()[0].startswith("⚑ L3")  # type: ignore[index]
