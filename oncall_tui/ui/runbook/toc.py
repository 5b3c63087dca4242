"""The runbook's table of contents: one option per heading, chosen to jump there."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from oncall_tui.runbooks.parse import Runbook


class RunbookToc(OptionList):
    """Headings indented by level; an option's id is the heading's anchor (unique per file)."""

    def show(self, runbook: Runbook, current: str | None) -> None:
        self.clear_options()
        top = min((h.level for h in runbook.headings), default=1)
        self.add_options(
            Option("  " * (h.level - top) + h.title, id=h.anchor) for h in runbook.headings
        )
        self.mark(current)

    def mark(self, anchor: str | None) -> None:
        """Highlight the heading of `anchor` without moving focus."""
        if anchor is None:
            return
        try:
            self.highlighted = self.get_option_index(anchor)
        except OptionDoesNotExist:
            return  # an anchor of another file: nothing to mark
