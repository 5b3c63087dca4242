"""The runbook document: the file as pieces of Textual Markdown, drawn when they are on screen.

A 22 KB runbook drawn whole is ~970 widgets (seconds of CPU to build, style and wrap), so
`RunbookDocument` (the pane's scrolling view) holds one `RunbookPiece` per piece of the
file (`oncall_tui.runbooks.chunks`). A piece not drawn yet is one empty widget as tall as
its text is estimated to be; the piece holding the linked line is drawn first, then the
ones that scroll into view. When a piece above the top of the view is drawn and its
height changes, the view moves by as much, so what is being read stays put.

Every code block is a `CommandBlock`. Links never open a browser (`open_links=False`): the
screen hears `LinkClicked` and follows runbook links in the app or copies web links.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownHeader

from oncall_tui.glyphs import BULLETS
from oncall_tui.runbooks.chunks import (
    FilledCommands,
    Piece,
    fill_key,
    filled_commands,
    pieces_of,
)
from oncall_tui.runbooks.parse import Command, Runbook
from oncall_tui.runbooks.placeholders import FillContext, FilledCommand
from oncall_tui.ui.runbook.command_block import CommandBlock

#: pieces below the view drawn ahead of scrolling, in view heights
DRAW_AHEAD = 0.25


class PieceMarkdown(Markdown):
    """The Markdown of one drawn piece; its blocks' lines are lines of the whole file."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CommandBlock, "code_block": CommandBlock}

    def __init__(self, piece: Piece, commands: FilledCommands) -> None:
        super().__init__(None, open_links=False)
        self.BULLETS = [f"{bullet} " for bullet in str(BULLETS)]  # ASCII with glyphs: ascii
        self.piece = piece
        self._commands = commands

    def command_at(self, line: int) -> tuple[Command, FilledCommand] | None:
        """The command whose block opens on `line` (1-based, of this piece's text)."""
        return self._commands.get(line + self.piece.start_line - 1)


class RunbookPiece(Widget):
    """One piece of a runbook: an empty widget as tall as its text will be until drawn
    (cheap: a file has dozens), then its Markdown inside."""

    DEFAULT_CSS = "RunbookPiece { height: auto; }"

    def __init__(self, piece: Piece, commands: FilledCommands, estimate: int) -> None:
        super().__init__(classes="rb-piece")
        self.piece = piece
        self._commands = commands
        self.drawn = False
        self.estimate = max(1, estimate)
        self.styles.height = self.estimate  # until drawn: as tall as its text will be

    def render(self) -> str:
        """Blank until drawn (Widget's own render would print the class name in its place)."""
        return ""

    @property
    def line_offset(self) -> int:
        """Lines of the file before this piece (not `offset`: that is Widget's own)."""
        return self.piece.start_line - 1

    async def draw(self) -> None:
        if self.drawn:
            return
        self.drawn = True
        markdown = PieceMarkdown(self.piece, self._commands)
        await self.mount(markdown)
        if not markdown.is_mounted:  # the pane is being taken down (the app is closing)
            return
        await markdown.update(self.piece.text)
        self.styles.height = "auto"

    def heading_at(self, line: int) -> MarkdownHeader | None:
        """The heading widget of the heading on `line` (1-based) of the file."""
        for header in self.query(MarkdownHeader):
            if header.source_range[0] + 1 + self.line_offset == line:
                return header
        return None

    def block_at(self, line: int) -> MarkdownBlock | None:
        """The innermost block holding `line` (1-based, of the file)."""
        found: MarkdownBlock | None = None
        size = 0
        local = line - self.line_offset
        for block in self.query(MarkdownBlock):
            start, end = block.source_range
            if start < local <= max(end, start + 1):
                if found is None or end - start <= size:
                    found, size = block, end - start
        return found


def estimate_rows(piece: Piece, width: int) -> int:
    """Rows the drawn piece will take at `width` columns: wrapped lines plus block margins."""
    width = max(20, width)
    rows = 0
    in_fence = False
    for line in piece.text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            rows += 1
            continue
        rows += 1 if in_fence or not line else -(-len(line) // width)
    return rows + 1


class RunbookDocument(VerticalScroll):
    """The pane's scrolling view of one runbook, drawn piece by piece."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.runbook: Runbook | None = None
        self._fill_key: tuple[object, ...] | None = None  # what the commands were filled for
        self._drawing = False
        self.placing = True

    @property
    def placing(self) -> bool:
        """True while the linked section is drawn and scrolled to: the document is then
        laid out but not shown (never the top of the file first). Inline opacity, not a
        class: a class change would restyle every block of the document."""
        return self._placing

    @placing.setter
    def placing(self, value: bool) -> None:
        self._placing = value
        self.styles.opacity = 0.0 if value else 1.0
        if not value and self.is_mounted:
            # in place: what else the view shows (the pieces above a section near the end
            # of a short file, which no scroll will draw) is drawn too
            self._schedule_draw()

    # -- what is shown ---------------------------------------------------------------------

    async def show(self, runbook: Runbook, context: FillContext, line: int, width: int) -> None:
        """Replace the document with `runbook`, the piece holding `line` (and what fills the
        view below it) drawn before this returns (`scroll_to_piece` puts it at the top)."""
        self.runbook = runbook
        self._fill_key = fill_key(context)
        commands = filled_commands(runbook, context)
        pieces = [
            RunbookPiece(piece, commands, estimate_rows(piece, width))
            for piece in pieces_of(runbook)
        ]
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(pieces)
        await self.draw_from(line)

    def refill(self, context: FillContext) -> bool:
        """The document as drawn, for `context`: True when it fills the commands as the
        drawn one did but for the time (`now`), whose commands are filled again in place;
        False when the document must be drawn again."""
        if self.runbook is None or fill_key(context) != self._fill_key:
            return False
        commands = filled_commands(self.runbook, context)
        for block in self.command_blocks():
            found = commands.get(block.command.line) if block.command is not None else None
            if found is not None:
                block.refill(found[1])
        return True

    async def draw_from(self, line: int) -> None:
        """Draw the piece holding `line` and the pieces after it that fill a view."""
        budget = self.app.size.height * (1 + DRAW_AHEAD)
        first = self.piece_for(line)
        pieces = list(self.pieces())
        start = pieces.index(first) if first is not None else 0
        for piece in pieces[start:]:
            await piece.draw()
            budget -= piece.estimate
            if budget <= 0:
                break

    def scroll_to_piece(self, line: int) -> bool:
        """Scroll so that the next layout has the piece holding `line` at the top, before
        any layout: the pieces above it are not drawn (as tall as their estimates) or were
        laid out already, so where it starts is known. True when it is; False when it may
        not be (a piece above is drawn but not laid out, or what follows it may not fill
        the view, so the scroll would stop short and show blank pieces above)."""
        view = self.size.height or self.app.size.height
        above = 0
        found = False
        below = 0
        for piece in self.pieces():
            if not found and piece.piece.contains_line(line):
                found = True
            if found:
                below += piece.estimate if not piece.drawn else max(piece.estimate, 1)
                if below > view * (1 + DRAW_AHEAD):
                    break
                continue
            if piece.drawn and not piece.outer_size.height:
                return False
            above += piece.outer_size.height if piece.drawn else piece.estimate
        if not found or above and below <= view * (1 + DRAW_AHEAD):
            return False
        # not through the reactive: its validation would clamp to the size of the last
        # layout; the layout clamps (and the watcher moves the scroll bar) if need be
        self.set_reactive(RunbookDocument.scroll_y, float(above))
        self.set_reactive(RunbookDocument.scroll_target_y, float(above))
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = above
        return True

    def pieces(self) -> Iterator[RunbookPiece]:
        return iter(self.query_children(RunbookPiece))

    def piece_for(self, line: int) -> RunbookPiece | None:
        for piece in self.pieces():
            if piece.piece.contains_line(line):
                return piece
        return None

    async def ensure_drawn(self, line: int) -> None:
        piece = self.piece_for(line)
        if piece is not None and not piece.drawn:
            above = piece.virtual_region.y < self.scroll_y
            before = piece.outer_size.height
            await piece.draw()
            if above:
                self.call_after_refresh(self._keep_place, piece, before)

    def laid_out(self, line: int) -> bool:
        """The last layout has the pieces above `line` at their heights and its piece drawn:
        only then does scrolling to it land where it will stay."""
        above = 0
        for piece in self.pieces():
            if piece.piece.contains_line(line):
                region = piece.virtual_region
                return bool(region.height) and piece.drawn and region.y >= above
            if not piece.drawn:
                above += piece.estimate
        return False

    def heading_at(self, line: int) -> MarkdownHeader | None:
        piece = self.piece_for(line)
        return piece.heading_at(line) if piece is not None else None

    def block_at(self, line: int) -> MarkdownBlock | None:
        piece = self.piece_for(line)
        return piece.block_at(line) if piece is not None else None

    def command_blocks(self) -> list[CommandBlock]:
        """The command blocks drawn so far, in file order."""
        return list(self.query(CommandBlock))

    # -- drawing what scrolls into view ----------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._schedule_draw()

    def on_resize(self) -> None:
        """A taller (or wider, so shorter) view shows pieces no scroll has drawn yet (while
        placing, `draw_from` draws what the view will show)."""
        if not self.placing:
            self._schedule_draw()

    def _schedule_draw(self) -> None:
        if not self._drawing:
            self._drawing = True
            self.call_after_refresh(self._draw_visible)

    async def _draw_visible(self) -> None:
        try:
            top = self.scroll_y
            bottom = top + self.size.height * (1 + DRAW_AHEAD)
            for piece in list(self.pieces()):
                region = piece.virtual_region
                if piece.drawn or region.bottom <= top or region.y >= bottom:
                    continue
                before = piece.outer_size.height
                above = region.y < top
                await piece.draw()
                if above:
                    self.call_after_refresh(self._keep_place, piece, before)
        finally:
            self._drawing = False

    def _keep_place(self, piece: RunbookPiece, before: int) -> None:
        """A piece above the view was drawn: move by its change in height."""
        delta = piece.outer_size.height - before
        if delta:
            self.scroll_to(y=self.scroll_y + delta, animate=False, immediate=True)
