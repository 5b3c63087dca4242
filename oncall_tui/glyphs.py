"""Every glyph the dashboard draws, with its ASCII form, in one table.

`glyphs: ascii` (or `auto` on the Linux console, whose font has no `✖ ◌ ⟳ ◔`) switches the
whole process to the ASCII forms: `use_ascii_glyphs(True)`. A `Glyph` is read where it is
drawn (`f"{a}{SEP}{b}"`, `str(ARROW)`), so one switch covers every screen. Textual's own
drawing follows too: the app's border types come from `border_variables()` and its scroll
bars, sparklines, big digits and key names have ASCII forms under `ui/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GLYPH_SETTINGS = ("auto", "unicode", "ascii")
_ascii = [False]  # one display setting for the whole process (the `glyphs:` of the config)


def wants_ascii(setting: str, term: str) -> bool:
    """`glyphs: ascii`, or `auto` on the Linux console (`TERM=linux`), whose font has no
    `✖ ◌ ⟳ ◔`: there every glyph is drawn in ASCII (`X ~ > -`)."""
    return setting == "ascii" or (setting == "auto" and term == "linux")


def use_ascii_glyphs(on: bool) -> None:
    """Draw every glyph in ASCII from now on, or in Unicode again."""
    _ascii[0] = on


def ascii_glyphs() -> bool:
    return _ascii[0]


@dataclass(frozen=True)
class Glyph:
    """One glyph (or a few characters drawn as one) and its ASCII form."""

    unicode: str
    ascii: str

    def __str__(self) -> str:
        return self.ascii if _ascii[0] else self.unicode

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def join(self, parts: Iterable[str]) -> str:
        return str(self).join(parts)


# -- statuses (Status.glyph) -----------------------------------------------------------------
STATUS_OK = Glyph("●", "o")
STATUS_WARN = Glyph("▲", "!")
STATUS_CRIT = Glyph("✖", "X")
STATUS_PENDING = Glyph("◔", ">")
STATUS_NODATA = Glyph("○", "-")
STATUS_STALE = Glyph("◌", "~")
STATUS_ERROR = Glyph("‼", "E")
# -- alert states ----------------------------------------------------------------------------
ALERT_FIRING = Glyph("◉", "*")
ALERT_PENDING = Glyph("◔", ">")
ALERT_SILENCED = Glyph("◌", "~")
ALERT_RESOLVED = Glyph("○", "o")
# -- marks in text ---------------------------------------------------------------------------
RESTART = Glyph("⟳", "r")  # before a restart count, and a rollout in progress
SEP = Glyph(" · ", " | ")  # between the parts of one line
MISSING = Glyph("—", "-")  # no value
DOT = Glyph("·", ".")  # a matrix cell with nothing to judge
ARROW = Glyph("→", "->")  # a status change: `OK → CRIT`
LEFT_ARROW = Glyph("←", "<-")  # more columns to the left
TIMES = Glyph("×", "x")  # a repeated event: `BackOff ×12`
ABOUT = Glyph("≈", "~")  # a runbook section found by a near match
ELLIPSIS = Glyph("…", "...")  # text cut short
MICRO = Glyph("µ", "u")  # `µs`
INFINITY = Glyph("∞", "inf")
AT_LEAST = Glyph("≥", ">=")
PLAYING = Glyph("▶", ">")  # a replay playing
PAUSED = Glyph("⏸", "||")  # a replay paused
CURSOR = Glyph("▶ ", "> ")  # the chosen command of a runbook section
FLAG = Glyph("⚑", "!")  # an escalation reached
CAUTION = Glyph("⚠", "!")  # a command that changes the cluster
SECTION = Glyph("§", "#")  # a runbook section
UP_DOWN = Glyph("↑↓", "up/down")
BULLETS = Glyph("•▪‣⭑◦", "*-+*-")  # a runbook's list items, by depth (Textual's Markdown)
# -- bars and charts -------------------------------------------------------------------------
SPARK = Glyph("▁▂▃▄▅▆▇█", "_.:-=+*#")  # eight heights, lowest first
BAR_FULL = Glyph("█", "#")  # an error budget's spent part
BAR_EMPTY = Glyph("░", ".")

#: every glyph above by name, for the help and the tests
TABLE: dict[str, Glyph] = {
    name: value for name, value in dict(globals()).items() if isinstance(value, Glyph)
}

#: the war room's 3-row letters (rows joined by newlines), each with its ASCII form
LETTERS: dict[str, Glyph] = {
    "A": Glyph("╭─╮\n├─┤\n╵ ╵", "/-\\\n|-|\n| |"),
    "C": Glyph("╭─╴\n│  \n╰─╴", "/--\n|  \n\\--"),
    "D": Glyph("┌─╮\n│ │\n└─╯", "+-\\\n| |\n+-/"),
    "E": Glyph("┌─╴\n├─ \n└─╴", "+--\n|- \n+--"),
    "G": Glyph("╭─╴\n│╶╮\n╰─╯", "/--\n| +\n\\-/"),
    "I": Glyph("╶┬╴\n │ \n╶┴╴", "-+-\n | \n-+-"),
    "K": Glyph("╷ ╱\n├┤ \n╵ ╲", "| /\n|< \n| \\"),
    "L": Glyph("╷  \n│  \n╰─╴", "|  \n|  \n+--"),
    "N": Glyph("╭╮╷\n│││\n╵╰╯", "|\\|\n|||\n||/"),
    "O": Glyph("╭─╮\n│ │\n╰─╯", "/-\\\n| |\n\\-/"),
    "P": Glyph("┌─╮\n├─╯\n╵  ", "+-\\\n|-/\n|  "),
    "R": Glyph("┌─╮\n├┬╯\n╵╰╴", "+-\\\n|-/\n| \\"),
    "S": Glyph("╭─╴\n╰─╮\n╶─╯", "/--\n\\-\\\n--/"),
    "T": Glyph("╶┬╴\n │ \n ╵ ", "-+-\n | \n | "),
    "W": Glyph("╷ ╷\n│││\n╰┴╯", "| |\n|||\n\\^/"),
}

#: big digits in ASCII (seven segments), three rows of three; Textual's own in Unicode
ASCII_DIGITS: dict[str, tuple[str, str, str]] = {
    "0": (" _ ", "| |", "|_|"),
    "1": ("   ", "  |", "  |"),
    "2": (" _ ", " _|", "|_ "),
    "3": (" _ ", " _|", " _|"),
    "4": ("   ", "|_|", "  |"),
    "5": (" _ ", "|_ ", " _|"),
    "6": (" _ ", "|_ ", "|_|"),
    "7": (" _ ", "  |", "  |"),
    "8": (" _ ", "|_|", "|_|"),
    "9": (" _ ", "|_|", " _|"),
    "-": ("   ", " _ ", "   "),
    "+": ("   ", "_|_", " | "),
    ":": ("   ", " . ", " . "),
    " ": ("   ", "   ", "   "),
}

#: Textual's border types the app's CSS uses, as `$border-<type>` variables
BORDER_TYPES = ("round", "solid", "heavy", "thick", "double", "dashed", "outer", "vkey", "tall")


def border_variables() -> dict[str, str]:
    """`$border-round` and the like for the app's CSS: each type itself, or `ascii`."""
    return {f"border-{kind}": "ascii" if _ascii[0] else kind for kind in BORDER_TYPES}
