"""The runbook's table of contents: one option per heading, chosen to jump there."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from oncall_tui.runbooks.parse import Runbook


class RunbookToc(OptionList):
    """Headings indented by level; an option's id is the heading's anchor (unique per file)."""

    def __init__(self, *, id: str | None = None, markup: bool = True) -> None:
        super().__init__(id=id, markup=markup)
        self._laid_out: tuple[Size, Size, Size] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Nothing when the layout gave the same sizes as the last one. Textual's scroll
        view compares them with sizes of its own (its lines, less its gutter), never the
        same, so every layout of the screen (the cause line's age, each second) repainted
        the list's scroll bar: 57 rows written each second with the pane open."""
        sizes = (size, virtual_size, container_size)
        if sizes == self._laid_out:
            return False
        self._laid_out = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)

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
