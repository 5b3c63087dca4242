"""`?`: every key of the screen underneath and of the app, with the keys as remapped."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from oncall_tui.glyphs import SEP
from oncall_tui.render.cells import STATUS_MEANINGS
from oncall_tui.status import Status


def key_lines(screen: Screen[object]) -> list[str]:
    """`key  description` for each binding active on `screen`, app bindings included."""
    lines: list[str] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        shown = screen.app.get_key_display(binding)
        lines.append(f"{shown:>10}  {binding.description}")
    return lines


def status_legend() -> str:
    """What each of the six glyphs means: where space is short a matrix cell shows only its
    glyph and value (the row's status column still says the row's word)."""
    lines = ["statuses (narrow cells: glyph only)"]
    lines += [f"{s.glyph} {s.word:<7} {STATUS_MEANINGS[s]}" for s in Status]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="close_help")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: auto; min-width: 40; max-width: 90%; height: auto; max-height: 90%;
        border: $border-round $primary; background: $surface; padding: 0 2;
    }
    HelpScreen Static { width: auto; }
    """

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._lines = key_lines(under)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = f"statuses{SEP}keys"
            scroll.border_subtitle = "escape closes"
            # the legend first: it is short, and it is how the matrix's glyphs read
            yield Static(status_legend() + "\n", markup=False, id="help-statuses")
            yield Static("\n".join(self._lines), markup=False, id="help-keys")
