"""Pilot tests of the runbook pane: `r` on a panel, commands filled and copied, links, search."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static
from ui_builders import (
    config_for,
    dashboard,
    hand_app,
    incident,
    kpi,
    screen_text,
    service,
    standard_service,
)

from oncall_tui.config.model import Config, Datasource, Kpi, Service
from oncall_tui.runbooks.clipboard import FALLBACK_NAME
from oncall_tui.status import Status
from oncall_tui.ui.runbook.command_block import UNFILLED_STYLE, CommandBlock
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.runbook.pane import RunbookPane
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.kpi_panel import KpiPanel

# one long paragraph (one widget, cheap to mount) so that any section can scroll to the top
FILLER = " ".join(
    f"Filler sentence {i} so that any section can scroll to the top." for i in range(80)
)

SVC_MD = f"""# ARQ runbook

Read the [vendor docs](https://example.com/docs) or the [deep dive](other.md#deep-dive).

## First Steps

Say hello in the channel.

## High Error Rate

Check the errors:

```bash
kubectl -n $NAMESPACE logs deploy/{{{{ service }}}} --since=15m
```

```bash
grep error <logfile> | tail   # the comment stays
wc -l <logfile>
```

```promql
sum(rate(http_requests_total{{job="$job"}}[1m]))
```

## Low Cache Hit Rate

```bash
redis-cli -h <redis_host> info stats
```

## Queue Backlog

Look at the queue with redis-cli too.

{FILLER}
"""

OTHER_MD = f"""# Other

Intro.

## Deep Dive

Everything about it.

{FILLER}
"""


def pane_closed_on_service(app) -> bool:
    """The pane closed, and the service screen it was open on is on top again."""
    return open_pane(app) is None and isinstance(app.screen, ServiceScreen)


def runbook_config(tmp_path: Path) -> Config:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "svc.md").write_text(SVC_MD)
    (folder / "other.md").write_text(OTHER_MD)
    kpis = (
        Kpi("error_rate", "q", runbook="svc.md#high-error-rate"),
        Kpi("cache_hit_rate", "q"),  # no link: guessed
        Kpi("latency_p99", "q", runbook="svc.md#high-latency"),  # no such heading
        Kpi("queue_depth", "q", runbook="gone.md#queue-backlog"),  # no such file
    )
    base = config_for(incident())
    services = dict(base.services)
    services["arq"] = Service(
        "arq",
        "ARQ",
        "default",
        vars={"namespace": "arq-prod", "job": "arq-api"},
        runbook="svc.md",
        kpis=kpis,
    )
    return Config(
        path=tmp_path / "oncall.yaml",
        datasources={"default": Datasource("default", "http://127.0.0.1:9")},
        services=services,
        runbooks=(folder,),
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)
    app, _ = hand_app(incident(), config=runbook_config(tmp_path))
    return app


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


async def open_runbook_of(pilot, key: str, *, on_command: bool = True) -> RunbookPane:
    app = pilot.app
    await pilot.pause()
    app.open_service("arq")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ServiceScreen) and app.screen.query(KpiPanel)
    )
    await wait_for(pilot, lambda: isinstance(app.focused, KpiPanel))
    app.screen.query_one(f"#panel-{key}", KpiPanel).focus()
    await pilot.press("r")
    await wait_for(pilot, lambda: open_pane(app) is not None)
    screen = open_pane(app)
    await wait_for(pilot, lambda: screen.location is not None and screen.query(CommandBlock))
    if on_command:  # the section's first command gets focus once the section is scrolled to
        await wait_for(pilot, lambda: isinstance(app.focused, CommandBlock))
    else:
        await pilot.pause(0.2)
    return screen


def notifications(app) -> list:
    return list(app._notifications)


async def until_copied(pilot, app, before: int, timeout: float = 15.0) -> None:
    """The fallback file is written in a worker: wait for its toast."""
    deadline = time.monotonic() + timeout
    while len(notifications(app)) <= before and time.monotonic() < deadline:
        await pilot.pause(0.05)


async def paragraph_with(pilot, screen: RunbookPane, words: str):
    """The paragraph holding `words`, scrolled to the top of the file first: the pieces
    above the linked section are drawn only when they scroll into view."""
    screen.document.scroll_home(animate=False)

    def found():
        return next(
            (b for b in screen.document.query("MarkdownParagraph") if words in str(b.render())),
            None,
        )

    await wait_for(pilot, found)
    return found()


def blocks(screen: RunbookPane) -> list[CommandBlock]:
    return list(screen.query(CommandBlock))


async def test_r_on_a_crit_panel_opens_the_linked_section_at_the_top(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_service("arq")
        await wait_for(pilot, lambda: isinstance(app.focused, KpiPanel))
        assert app.focused.check_id.key == "error_rate"  # the crit panel has focus
        await pilot.press("r")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        screen = open_pane(app)
        await wait_for(pilot, lambda: screen.current_anchor == "high-error-rate")
        heading = screen.document.heading_at(screen.location.line)
        scroll = screen.query_one("#rb-scroll")
        # at the top of the scrolled text (the heading's own margin above it aside)
        await wait_for(pilot, lambda: 0 <= heading.region.y - scroll.region.y <= 2)
        lines = screen_text(app).splitlines()
        top = next(
            i for i, line in enumerate(lines) if "High Error Rate" in line and "§" not in line
        )
        assert top <= 4, lines[:6]
        assert "First Steps" not in "\n".join(lines[:top])  # the whole file, scrolled
        assert screen.query_one("#rb-note").display is False  # explicit link: no guess note
        # the section's first command has focus, so `c` copies it straight away
        await wait_for(pilot, lambda: isinstance(app.focused, CommandBlock))
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: open_pane(app) is None and isinstance(app.screen, ServiceScreen)
        )


async def test_a_guessed_link_says_it_was_a_guess(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "cache_hit_rate")
        assert screen.current_anchor == "low-cache-hit-rate"
        note = screen.query_one("#rb-note", Static)
        assert note.display
        assert "guessed from 'cache_hit_rate' -> Low Cache Hit Rate; set runbook: to pin it" in str(
            note.render()
        )


async def test_c_copies_the_filled_command_and_writes_the_fallback_file(app, tmp_path: Path):
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        first = blocks(screen)[0]
        assert app.focused is first
        before = len(notifications(app))
        await pilot.press("c")
        await until_copied(pilot, app, before)
        expected = "kubectl -n arq-prod logs deploy/arq --since=15m"
        assert app.clipboard == expected
        assert (tmp_path / FALLBACK_NAME).read_text() == expected
        last = notifications(app)[-1]
        assert str(tmp_path / FALLBACK_NAME) in last.message
        assert last.severity == "information"


async def test_unfilled_placeholders_are_highlighted_and_the_copy_warns(app, tmp_path: Path):
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        await pilot.press("j")
        second = blocks(screen)[1]
        assert app.focused is second
        content = second.query_one("#code-content").content
        start = content.plain.index("<logfile>")
        marked = [s for s in content.spans if s.style == UNFILLED_STYLE]
        assert any(s.start <= start and s.end >= start + len("<logfile>") for s in marked)
        before = len(notifications(app))
        await pilot.press("c")
        await until_copied(pilot, app, before)
        assert app.clipboard == "grep error <logfile> | tail   # the comment stays\nwc -l <logfile>"
        last = notifications(app)[-1]
        assert last.severity == "warning"
        assert "unfilled: <logfile>" in last.message


async def test_l_copies_the_chosen_line_of_a_block(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        await pilot.press("j", "down")
        block = blocks(screen)[1]
        assert block.line == 1
        assert "line 2 of 2" in str(block.query_one(".block-hint").render())
        await pilot.press("l")
        assert app.clipboard == "wc -l <logfile>"
        await pilot.press("up", "C")
        assert app.clipboard == "grep error <logfile> | tail   # the comment stays"


async def test_j_and_k_move_between_command_blocks(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        all_blocks = blocks(screen)
        await pilot.press("j", "j")
        assert app.focused is all_blocks[2]
        await pilot.press("k")
        assert app.focused is all_blocks[1]


async def test_a_web_link_is_copied_and_does_not_crash(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        paragraph = await paragraph_with(pilot, screen, "vendor docs")
        await paragraph.action_link("https://example.com/docs")
        await pilot.pause(0.1)
        assert app.is_running and open_pane(app) is screen
        assert app.clipboard == "https://example.com/docs"


async def test_a_link_to_another_runbook_is_followed_and_backspace_returns(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        paragraph = await paragraph_with(pilot, screen, "deep dive")
        await paragraph.action_link("other.md#deep-dive")
        await wait_for(pilot, lambda: screen.current_anchor == "deep-dive")
        assert screen.location.runbook.path.name == "other.md"
        await wait_for(pilot, lambda: "Deep Dive" in screen_text(app))
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.current_anchor == "high-error-rate")
        assert screen.location.runbook.path.name == "svc.md"


async def test_a_missing_anchor_shows_the_problem_and_the_file(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "latency_p99", on_command=False)
        note = str(screen.query_one("#rb-note", Static).render())
        assert "no heading #high-latency in svc.md" in note
        assert screen.location.runbook.path.name == "svc.md"  # shown whole beneath
        assert screen.current_anchor is None


async def test_a_missing_file_shows_the_problem(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_service("arq")
        await wait_for(pilot, lambda: isinstance(app.focused, KpiPanel))
        app.screen.query_one("#panel-queue_depth", KpiPanel).focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        screen = open_pane(app)
        await wait_for(pilot, lambda: "gone.md" in str(screen.query_one("#rb-note").render()))
        assert "not found" in str(screen.query_one("#rb-note").render())
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: open_pane(app) is None and isinstance(app.screen, ServiceScreen)
        )


async def test_search_jumps_to_matches_and_n_goes_to_the_next(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        await pilot.press("slash")
        await pilot.press(*"redis-cli", "enter")
        status = screen.query_one("#rb-status", Static)
        assert "match 1 of 2" in str(status.render())
        hit = screen.document.query_one(".-search-hit")
        assert "redis-cli -h" in hit.source
        await pilot.press("n")
        assert "match 2 of 2" in str(status.render())
        assert "queue with redis-cli" in screen.document.query_one(".-search-hit").source


async def test_the_pane_sits_beside_the_live_panels_on_wide_terminals(tmp_path: Path):
    app, state = hand_app(incident(), config=runbook_config(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        assert screen.has_class("-side")
        text = screen_text(app)
        assert "✖ CRIT  arq · ARQ" in text  # the service screen is still visible beside it
        calm = [standard_service(s.name) for s in incident().services]
        state.set(dashboard(calm))
        app.tick()
        await wait_for(pilot, lambda: "● OK  arq · ARQ" in screen_text(app))  # and live
        assert "High Error Rate" in text
        await pilot.resize_terminal(100, 40)
        await wait_for(pilot, lambda: not screen.has_class("-side"))


async def test_new_data_beside_the_pane_never_takes_its_keys(tmp_path: Path):
    app, state = hand_app(incident(), config=runbook_config(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await open_runbook_of(pilot, "cache_hit_rate")
        reading = app.focused
        assert isinstance(reading, CommandBlock) and pane in reading.ancestors
        # a new KPI in breach: the service screen would put its focus on the loudest panel
        arq = next(s for s in incident().services if s.name == "arq")
        loud = kpi("arq", "disk_full", 0.99, Status.CRIT, "ratio")
        others = [s for s in incident().services if s.name != "arq"]
        state.set(dashboard([service("arq", (*arq.checks, loud)), *others]))
        app.tick()
        await wait_for(pilot, lambda: app.screen.query("#panel-disk_full"))
        for _ in range(3):
            await pilot.pause()
        assert app.focused is reading  # the reader keeps their place
        await pilot.press("right", "r")  # the panels' keys are not the pane's
        assert open_pane(app) is pane and pane in app.focused.ancestors_with_self
        await pilot.press("escape")
        # closed: the focus goes where the screen wanted it meanwhile (the loudest panel)
        await wait_for(pilot, lambda: open_pane(app) is None)
        assert app.focused is app.screen.query_one("#panel-error_rate")


async def test_a_runbook_opens_from_the_demo_and_promql_says_it_needs_prometheus():
    from oncall_tui.sources.demo import incident_time
    from oncall_tui.ui.headless import WARMUP, demo_app, replay

    app, clock = demo_app(seed=7, at=incident_time("cqar", "saturation"))
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        app.open_service("cqar")
        await wait_for(pilot, lambda: isinstance(app.focused, KpiPanel))
        panel = app.focused
        await pilot.press("r")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        screen = open_pane(app)
        link = app.config.services["cqar"]
        kpi = next(k for k in link.all_kpis if k.key == panel.check_id.key)
        assert kpi.runbook and kpi.runbook.startswith("cqar.md#")
        await wait_for(pilot, lambda: screen.current_anchor == kpi.runbook.split("#")[1])
        await wait_for(pilot, lambda: isinstance(app.focused, CommandBlock))
        promql = app.focused  # the section's first command: a PromQL block
        assert isinstance(promql, CommandBlock) and promql.is_promql
        await pilot.press("enter")
        await wait_for(pilot, lambda: "needs a Prometheus datasource" in promql.result_text)


SHORT_MD = """# ARQ runbook

## First Steps

Say hello in the channel.

## High Error Rate

```bash
kubectl -n $NAMESPACE get pods
```
"""


async def test_a_section_near_the_end_of_a_short_file_shows_what_is_above_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The file is too short to scroll the section to the top: the part above it is on
    screen without any scroll, and must be drawn, not left as blank placeholders."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    config = runbook_config(tmp_path)
    (tmp_path / "runbooks" / "svc.md").write_text(SHORT_MD)
    app, _ = hand_app(incident(), config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runbook_of(pilot, "error_rate")
        await wait_for(pilot, lambda: not screen.document.placing)
        await wait_for(pilot, lambda: all(p.drawn for p in screen.document.pieces()))
        await pilot.pause()
        text = screen_text(app)
        assert "Say hello in the channel." in text
        assert "ARQ runbook" in text


NOW_MD = SVC_MD.replace(
    "Check the errors:\n", "Check the errors:\n\n```bash\necho since {{ now }}\n```\n"
)


async def test_r_again_keeps_the_drawn_runbook_and_only_its_time_moves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A reopen for the same service is the same fill but for `now`: the document is not
    drawn again, and the command that shows the time shows the new one."""
    from datetime import datetime, timedelta, timezone

    from oncall_tui.runbooks import placeholders

    moments = [datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)]

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return moments[0]

    monkeypatch.setattr(placeholders, "datetime", Clock)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    config = runbook_config(tmp_path)
    (tmp_path / "runbooks" / "svc.md").write_text(NOW_MD)
    app, _ = hand_app(incident(), config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_runbook_of(pilot, "error_rate")
        drawn = blocks(pane)
        assert "echo since 2026-12-02T07:00:00Z" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane_closed_on_service(app))
        moments[0] += timedelta(minutes=5)
        await pilot.press("r")
        await wait_for(pilot, lambda: open_pane(app) is pane)
        await wait_for(pilot, lambda: isinstance(app.focused, CommandBlock))
        assert blocks(pane) == drawn  # the same widgets: nothing drawn again
        await wait_for(pilot, lambda: "echo since 2026-12-02T07:05:00Z" in screen_text(app))
        assert drawn[0].filled.text == "echo since 2026-12-02T07:05:00Z"
