"""The runbook pane on the largest runbook of the tests: at its section, drawn in part."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.widgets._markdown import MarkdownBlock
from ui_builders import config_for, dashboard, hand_app, incident, screen_text, standard_service

from oncall_tui.runbooks.links import ResolvedLink, resolve_link
from oncall_tui.ui.runbook.command_block import CommandBlock
from oncall_tui.ui.runbook.markdown import RunbookPiece
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.runbook.pane import RunbookPane

# beside the repository (as for test_runbook_parse), or where ONCALL_REFERENCE says
REFERENCE = Path(
    os.environ.get("ONCALL_REFERENCE", Path(__file__).resolve().parents[2] / "shared" / "reference")
)
SECTION = "service-wont-start"


def largest_guide() -> Path:
    guides = sorted(REFERENCE.glob("*.txt"), key=lambda p: p.stat().st_size)
    if not guides:
        if os.environ.get("CI"):
            pytest.fail(f"reference guides missing in CI: {REFERENCE}")
        pytest.skip(f"reference guides not present at {REFERENCE}")
    return guides[-1]


def guide_app(tmp_path: Path):
    folder = tmp_path / "runbooks"
    folder.mkdir()
    shutil.copy(largest_guide(), folder / "guide.md")
    snapshot = incident()
    config = config_for(snapshot, runbooks=(folder,))
    return hand_app(snapshot, config=config)


def _holds(condition) -> bool:
    """`condition()`, where a pane whose children are not composed yet is "not yet"."""
    try:
        return bool(condition())
    except NoMatches:
        return False


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.02)


async def open_guide(pilot) -> RunbookPane:
    app = pilot.app
    await wait_for(pilot, lambda: app.runbooks is not None)
    link = resolve_link(app.runbooks, f"guide.md#{SECTION}")
    assert isinstance(link, ResolvedLink)
    app.call_later(app.open_runbook, link, service=None)
    await wait_for(pilot, lambda: open_pane(app) is not None)
    screen = open_pane(app)
    await wait_for(pilot, lambda: not screen.document.placing)
    await pilot.pause()  # the frame that lays out the scroll: regions are the compositor's
    return screen


async def test_the_largest_runbook_opens_at_its_section_drawing_only_what_is_in_view(tmp_path):
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_guide(pilot)
        # the title and the layout class were there from the first frame
        assert "§ Service Won't Start" in str(screen.query_one("#rb-title").render())
        assert screen.has_class("-side")
        document = screen.document
        heading = document.heading_at(screen.location.line)
        assert heading is not None
        assert 0 <= heading.region.y - document.region.y <= 2
        lines = screen_text(app).splitlines()
        assert any("Symptom: Service exits immediately" in line for line in lines[:12])
        # only the section's part of the file is built; the rest are placeholders
        pieces = list(document.pieces())
        drawn = [p for p in pieces if p.drawn]
        assert len(drawn) <= len(pieces) // 3, (len(drawn), len(pieces))
        blocks = len(document.query(MarkdownBlock))
        assert blocks < 150, blocks  # the file drawn whole is ~970 widgets
        assert isinstance(app.focused, CommandBlock)  # the section's first command


async def test_scrolling_up_draws_the_pieces_above_and_keeps_the_reading_place(tmp_path):
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_guide(pilot)
        document = screen.document
        heading = document.heading_at(screen.location.line)
        above = [p for p in document.pieces() if p.piece.end_line < screen.location.line]
        assert not above[-1].drawn
        document.scroll_to(y=document.scroll_y - 3, animate=False)
        await wait_for(pilot, lambda: above[-1].drawn)
        # whatever the drawn piece's height, the heading stays where the reader left it
        await wait_for(pilot, lambda: 0 <= heading.region.y - document.region.y <= 5)
        document.scroll_home(animate=False)
        await wait_for(pilot, lambda: "CQAR Operations Guide" in screen_text(app))
        first = next(iter(document.pieces()))
        assert first.drawn and isinstance(first, RunbookPiece)


async def test_the_panels_beside_the_pane_redraw_only_when_new_data_comes(tmp_path):
    app, state = guide_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        calm = [standard_service(s.name) for s in incident().services]
        changing = next(s.name for s, c in zip(incident().services, calm, strict=True) if s != c)
        app.open_service(changing)
        await pilot.pause()
        service_screen = app.screen
        pane = await open_guide(pilot)
        # the pane is a widget of the service screen: that screen stays on top, live
        assert app.screen is service_screen and pane.screen is service_screen
        calls: list[float] = []
        original = service_screen.show_data
        service_screen.show_data = lambda snapshot, now: (
            calls.append(now),
            original(snapshot, now),
        )
        app.tick()
        app.tick()
        assert calls == []  # the same snapshot: the panels are not drawn again
        state.set(dashboard(calm))
        app.tick()
        app.tick()
        assert len(calls) == 1
        await pilot.pause()
        assert "● OK" in screen_text(app).splitlines()[1]  # drawn beside the open pane
        assert open_pane(app) is pane


async def test_a_terminal_made_taller_with_the_pane_open_draws_what_comes_into_view(tmp_path):
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_guide(pilot)
        document = screen.document
        await pilot.resize_terminal(200, 60)

        def in_view_drawn() -> bool:
            top, bottom = document.scroll_y, document.scroll_y + document.size.height
            shown = [
                p
                for p in document.pieces()
                if p.virtual_region.bottom > top and p.virtual_region.y < bottom
            ]
            return bool(shown) and all(p.drawn for p in shown)

        await wait_for(pilot, in_view_drawn)
        await pilot.pause()
        assert "RunbookPiece" not in screen_text(app)


def test_a_piece_not_drawn_yet_renders_blank_not_its_class_name():
    from oncall_tui.runbooks.chunks import Piece

    piece = RunbookPiece(Piece(index=0, start_line=1, end_line=1, text="# x\n"), {}, 3)
    assert str(piece.render()) == ""


async def test_the_section_is_scrolled_to_before_the_first_layout_never_hidden(
    tmp_path, monkeypatch
):
    """No hidden frame: the pieces above the section are as tall as their estimates, so the
    scroll is set before the layout that shows the pane, and that layout keeps it."""
    from oncall_tui.ui.runbook.markdown import RunbookDocument

    scrolls: list[tuple[bool, float]] = []
    hidden: list[bool] = []
    scroll_to_piece = RunbookDocument.scroll_to_piece
    placing = RunbookDocument.placing

    def spy(self, line: int) -> bool:
        placed = scroll_to_piece(self, line)
        scrolls.append((placed, self.scroll_y))
        return placed

    def set_placing(self, value: bool) -> None:
        hidden.append(value)
        placing.fset(self, value)

    monkeypatch.setattr(RunbookDocument, "scroll_to_piece", spy)
    monkeypatch.setattr(RunbookDocument, "placing", property(placing.fget, set_placing))
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_guide(pilot)
        document = screen.document
        assert scrolls[0][0] and scrolls[0][1] > 0
        assert hidden[-1] is False and hidden.count(True) <= 1  # only the initial value
        assert document.scroll_y == scrolls[0][1]  # the layout kept it: no second scroll
        heading = document.heading_at(screen.location.line)
        assert 0 <= heading.region.y - document.region.y <= 2
        assert isinstance(app.focused, CommandBlock)


async def test_a_layout_of_the_screen_beside_the_pane_does_not_repaint_the_contents(tmp_path):
    """A line beside the pane drawn again (the service screen's cause line, each second)
    lays the screen out: the contents list's scroll bar (57 rows) is not repainted."""
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_guide(pilot)
        toc = pane.query_one("#rb-toc")
        bar = toc.vertical_scrollbar
        assert toc.show_vertical_scrollbar  # more headings than rows
        repaints: list[int] = []
        refresh = bar.refresh
        bar.refresh = lambda *a, **k: (repaints.append(1), refresh(*a, **k))[1]
        for _ in range(3):
            pane.query_one("#rb-status").update("a new status")  # a layout of the screen
            await pilot.pause()
        assert repaints == []
        toc.scroll_to(y=5, animate=False)  # a scroll moves the bar: repainted
        await wait_for(pilot, lambda: repaints)


async def test_a_block_without_a_language_is_plain_text_never_guessed(tmp_path, monkeypatch):
    """Pygments' guess tries every lexer it has (importing them all the first time): up to
    a quarter of a second a block, for colours a guess may get wrong anyway."""
    import textual.highlight

    guesses: list[str] = []
    monkeypatch.setattr(
        textual.highlight, "guess_language", lambda code, path: guesses.append(code) or "text"
    )
    from oncall_tui.ui.runbook import command_block

    command_block._highlighted.cache_clear()  # highlighted by an earlier test
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_guide(pilot)
        plain = [b for b in pane.query(CommandBlock) if not b.language]
        assert plain, "the section has a block without a language"
        assert guesses == []


async def test_search_scrolls_to_a_match_in_a_part_of_the_file_not_drawn_yet(tmp_path):
    app, _ = guide_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_guide(pilot)
        document = pane.document
        await pilot.press("slash")
        await pilot.press(*"pg_dump", "enter")
        await wait_for(pilot, lambda: document.query(".-search-hit"))
        hit = document.query_one(".-search-hit")
        assert "pg_dump" in hit.source

        def on_screen() -> bool:
            region = hit.region
            return bool(region) and document.region.contains_region(region)

        await wait_for(pilot, on_screen)
        assert "pg_dump" in screen_text(app)
