"""Textual's own drawing in ASCII under `glyphs: ascii`: big digits, sparklines, scroll bars.

Each is Textual's widget through its public API (`render`, `ScrollBar.renderer`), drawing
the table's ASCII forms (`oncall_tui.glyphs`) when the setting asks for them and exactly
Textual's picture otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from rich.align import Align
from rich.console import Console, ConsoleOptions, RenderableType
from rich.console import RenderResult as Segments
from rich.segment import Segment
from rich.text import Text
from textual.app import RenderResult
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widgets import Digits, Sparkline

from oncall_tui.glyphs import ASCII_DIGITS, SPARK, ascii_glyphs

#: the characters Textual's Digits draws three cells wide (the others take one)
_WIDE = " 0123456789+-^x:ABCDEF$£€()"


def ascii_digit_rows(text: str) -> tuple[str, str, str]:
    """`text` as three rows of seven-segment ASCII, as wide as Textual's own digits."""
    rows: tuple[list[str], list[str], list[str]] = ([], [], [])
    for character in text:
        if character in ASCII_DIGITS:
            pieces: tuple[str, ...] = ASCII_DIGITS[character]
        elif character in _WIDE:
            pieces = ("   ", "   ", f" {character if character.isascii() else '?'} ")
        else:
            pieces = (" ", " ", character)
        for row, piece in zip(rows, pieces, strict=True):
            row.append(piece)
    top, middle, bottom = ("".join(row) for row in rows)
    return top, middle, bottom


class BigDigits(Digits):
    """Textual's Digits; in ASCII, seven segments of `_` and `|`."""

    def render(self) -> RenderResult:
        if not ascii_glyphs():
            return super().render()
        style = self.rich_style
        text = Text("\n".join(ascii_digit_rows(self.value)), style=style, no_wrap=True)
        align = self.styles.text_align
        return Align(text, align if align in ("left", "center", "right") else "left", style)


#: Textual's sparkline bars (and the full block it fills lower rows with) to ours in ASCII
_SPARK_TO_ASCII = str.maketrans(SPARK.unicode, SPARK.ascii)


class _Translated:
    """A renderable's segments with their characters translated."""

    def __init__(self, renderable: RenderableType, table: dict[int, int]) -> None:
        self._renderable = renderable
        self._table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Segments:
        for segment in console.render(self._renderable, options):
            text = segment.text.translate(self._table)
            yield Segment(text, segment.style, segment.control)


class HistorySparkline(Sparkline):  # type: ignore[type-arg]
    """Textual's Sparkline; in ASCII, its bars drawn with `_.:-=+*#`."""

    def render(self) -> RenderResult:
        found = super().render()
        if ascii_glyphs() and isinstance(found, SparklineRenderable):
            return _Translated(found, _SPARK_TO_ASCII)
        return found


class AsciiScrollBarRender(ScrollBarRender):
    """The thumb's ends drawn whole (blanks in its colour) instead of in eighth blocks."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def use_ascii_scroll_bars(on: bool) -> None:
    """Every scroll bar of the app: ASCII thumbs, or Textual's own again."""
    ScrollBar.renderer = AsciiScrollBarRender if on else ScrollBarRender
