"""Pilot tests of `/`: services, runbook headings and commands, opened by keys or the mouse."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList
from ui_builders import hand_app, incident, screen_text

from oncall_tui.config.model import Config, Service
from oncall_tui.runbooks.search import Kind
from oncall_tui.ui.runbook.command_block import CommandBlock
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.screens.overview import OverviewScreen
from oncall_tui.ui.screens.search import ServiceSearch
from oncall_tui.ui.screens.service import ServiceScreen

# Small runbooks with the example runbooks' headings: the pane renders them quickly. The
# ranking on the full example runbooks is tested in test_runbook_search.py.
RUNBOOK = """# {title} runbook

## High Error Rate

```bash
kubectl -n $NAMESPACE logs deploy/{{{{ service }}}} --since=15m
```

```bash
kubectl -n $NAMESPACE rollout undo deployment/{{{{ service }}}}
```

## High Latency

Look at the slow paths.

## Low Cache Hit Rate

Is the cache up?

## Queue Backlog

Count the {name} queue.
"""


def pane_closed_on_service(app) -> bool:
    """The pane closed, and the service screen it was open on is on top again."""
    return open_pane(app) is None and isinstance(app.screen, ServiceScreen)


def search_config(tmp_path: Path) -> Config:
    folder = tmp_path / "runbooks"
    folder.mkdir(exist_ok=True)
    for name in ("arq", "bazaruto", "cqar"):
        (folder / f"{name}.md").write_text(RUNBOOK.format(title=name.upper(), name=name))
    services = {
        "bazaruto": Service("bazaruto", "BAZARUTO", "default", runbook="bazaruto.md"),
        "cqar": Service("cqar", "CQAR", "default", runbook="cqar.md"),
        "arq": Service("arq", "ARQ", "default", runbook="arq.md"),
    }
    return Config(path=tmp_path / "oncall.yaml", services=services, runbooks=(folder,))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    app, _ = hand_app(incident(), config=search_config(tmp_path))
    return app


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


async def search_for(pilot, text: str) -> ServiceSearch:
    app = pilot.app
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(app.screen, ServiceSearch))
    await pilot.press(*text)
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one(Input).value == text)
    return screen


async def open_service(pilot, name: str) -> None:
    await pilot.pause()
    pilot.app.open_service(name)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ServiceScreen))


async def test_error_rate_then_enter_opens_the_runbook_pane_at_high_error_rate(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "error rate")
        assert search.hits[0].entry.title == "High Error Rate"
        await pilot.press("enter")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        pane = open_pane(app)
        await wait_for(pilot, lambda: pane.current_anchor == "high-error-rate")
        # on the overview, the first runbook in file order, filled for the service owning it
        assert pane.location.runbook.path.name == "arq.md"
        assert pane.service == "arq"
        assert "§ High Error Rate  (arq)" in screen_text(app)


async def test_on_a_service_screen_its_own_runbook_comes_first(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await open_service(pilot, "cqar")
        await search_for(pilot, "error rate")
        await pilot.press("enter")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        pane = open_pane(app)
        await wait_for(pilot, lambda: pane.current_anchor == "high-error-rate")
        assert (pane.location.runbook.path.name, pane.service) == ("cqar.md", "cqar")
        await pilot.press("escape")  # the pane closes back onto the service screen
        await wait_for(
            pilot, lambda: open_pane(app) is None and isinstance(app.screen, ServiceScreen)
        )


async def test_a_file_no_service_claims_is_filled_for_the_service_on_screen(tmp_path):
    config = search_config(tmp_path)
    services = {**config.services, "cqar": Service("cqar", "CQAR", "default")}  # no runbook:
    app, _ = hand_app(incident(), config=replace(config, services=services))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_service(pilot, "bazaruto")
        search = await search_for(pilot, "cqar cache hit")
        assert search.hits[0].entry.file.name == "cqar.md"
        await pilot.press("enter")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        assert open_pane(app).service == "bazaruto"


async def test_a_command_result_opens_its_section_with_that_command_focused(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "rollout undo")
        await pilot.press("down")  # the second match: bazaruto.md's
        chosen = search.hits[1].entry
        assert chosen.kind is Kind.COMMAND and chosen.file.name == "bazaruto.md"
        await pilot.press("enter")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        pane = open_pane(app)
        await wait_for(pilot, lambda: isinstance(app.focused, CommandBlock))
        focused = app.focused
        assert focused.command.index == chosen.command
        assert "rollout undo" in focused.command.text
        assert pane.current_anchor == chosen.anchor == focused.command.heading.anchor
        first = next(
            b for b in pane.query(CommandBlock) if b.command.heading.anchor == chosen.anchor
        )
        assert focused is not first  # not simply the section's first command
        assert pane.service == "bazaruto"
        await wait_for(pilot, lambda: focused.region.height > 0)  # scrolled into view
        await pilot.press("c")  # ready to copy at once, filled for the service
        assert "rollout undo deployment/bazaruto" in app.clipboard


async def test_a_service_result_still_opens_the_service_screen(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "cqar")
        assert search.hits[0].entry.kind is Kind.SERVICE  # above cqar.md's headings
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceScreen))
        assert app.screen.service_name == "cqar"


async def test_results_are_labelled_by_kind(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "latency")
        lines = screen_text(app).splitlines()
        assert any("runbook" in ln and "High Latency · arq.md" in ln for ln in lines)
        search.query_one(Input).value = "undo"
        await wait_for(pilot, lambda: search.hits[0].entry.kind is Kind.COMMAND)
        lines = screen_text(app).splitlines()
        shown = "rollout undo deployment/{{ service }} · cqar.md § High"
        assert any("▊ command  " in ln and shown in ln for ln in lines), lines
        await pilot.press(*["backspace"] * 4, "a", "r", "q")  # now a service comes first
        await wait_for(pilot, lambda: search.hits[0].entry.kind is Kind.SERVICE)
        assert any(
            "service" in ln and "✖ CRIT  arq · ARQ" in ln for ln in screen_text(app).splitlines()
        )


async def test_an_empty_query_lists_the_services_as_before(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceSearch))
        search = app.screen
        assert [h.entry.service for h in search.hits] == ["bazaruto", "cqar", "arq"]
        assert search.query_one(OptionList).highlighted == 0


async def test_escape_cancels_and_leaves_the_screen_as_it_was(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await search_for(pilot, "latency")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen))


async def test_clicking_a_result_opens_it(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        search = await search_for(pilot, "queue backlog")
        results = search.query_one(OptionList)
        assert search.hits[1].entry.file.name == "bazaruto.md"
        second = results.content_region.y - results.region.y + 1  # bazaruto.md's section
        await pilot.click(results, offset=(10, second))
        await wait_for(pilot, lambda: open_pane(app) is not None)
        pane = open_pane(app)
        await wait_for(pilot, lambda: pane.current_anchor == "queue-backlog")
        assert pane.location.runbook.path.name == "bazaruto.md"


async def test_slash_inside_the_runbook_pane_still_searches_its_text(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await search_for(pilot, "high latency")
        await pilot.press("enter")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        pane = open_pane(app)
        await wait_for(pilot, lambda: pane.location is not None)
        await pilot.press("slash")
        await wait_for(pilot, lambda: pane.query_one("#rb-search", Input).has_focus)
        assert open_pane(app) is pane
