"""The runbook document: Textual's Markdown with every code block a `CommandBlock`.

Links never open a browser here (`open_links=False`): the screen hears `LinkClicked` and
follows runbook links in the app or copies web links, so an https link cannot crash it.
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownHeader

from oncall_tui.runbooks.parse import Command, Runbook
from oncall_tui.runbooks.placeholders import FillContext, FilledCommand, fill
from oncall_tui.ui.runbook.command_block import CommandBlock


class RunbookMarkdown(Markdown):
    """A runbook rendered whole; its blocks know their command and its filled text."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CommandBlock, "code_block": CommandBlock}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(None, id=id, open_links=False)
        self.runbook: Runbook | None = None
        self._commands: dict[int, tuple[Command, FilledCommand]] = {}

    def prepare(self, runbook: Runbook, context: FillContext) -> None:
        """Fill every command of `runbook` before its blocks are built (call before update)."""
        self.runbook = runbook
        self._commands = {c.line: (c, fill(c.text, context, c.language)) for c in runbook.commands}

    def command_at(self, line: int) -> tuple[Command, FilledCommand] | None:
        """The command whose block opens on `line` (1-based), with its filled text."""
        return self._commands.get(line)

    def heading_at(self, line: int) -> MarkdownHeader | None:
        """The heading widget of the heading on `line` (1-based) of the file."""
        for header in self.query(MarkdownHeader):
            if header.source_range[0] + 1 == line:
                return header
        return None

    def block_at(self, line: int) -> MarkdownBlock | None:
        """The innermost block holding `line` (1-based): where a search hit is shown."""
        found: MarkdownBlock | None = None
        size = 0
        for block in self.query(MarkdownBlock):
            start, end = block.source_range
            if start < line <= max(end, start + 1):
                if found is None or end - start <= size:
                    found, size = block, end - start
        return found
