"""A runbook code block as a command: focusable, filled in for the service, copyable, runnable.

The block shows the FILLED text: values that came from the config or from outside are
underlined, placeholders nothing filled are highlighted in the theme's warning colour so
they are seen before the command is pasted. The block never copies or queries by itself:
it posts `Copy` and `Run` and the screen does the I/O.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from markdown_it.token import Token
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Static
from textual.widgets._markdown import Markdown, MarkdownBlock, MarkdownFence

from oncall_tui.glyphs import CURSOR, ELLIPSIS, SEP, UP_DOWN
from oncall_tui.runbooks.parse import Command
from oncall_tui.runbooks.placeholders import FilledCommand

FILLED_STYLE = "underline"
UNFILLED_STYLE = "bold $text-warning on $warning-muted"
GUTTER = "  "


@lru_cache(maxsize=512)
def _highlighted(text: str, language: str, ansi: bool, dark: bool) -> Content:
    """Syntax highlighting of a block's text, kept: opening a runbook again costs nothing."""
    return MarkdownFence.highlight(text, language, ansi=ansi, dark=dark)


def strip_end(filled: FilledCommand) -> FilledCommand:
    """Without the trailing newline: a pasted newline would run the command at once."""
    return replace(filled, text=filled.text.rstrip("\n"))


class CommandBlock(MarkdownFence, can_focus=True):
    """One fenced or indented block of a runbook, as a command."""

    BINDINGS = [
        Binding("c", "copy_block", "Copy", id="runbook.copy"),
        Binding("l", "copy_line", "Copy line", id="runbook.copy_line"),
        Binding("C", "copy_line", "Copy line", id="runbook.copy_line_shift", show=False),
        Binding("enter", "run", "Run query", id="runbook.run"),
        Binding("down", "line_down", "Next line", id="runbook.line_down", show=False),
        Binding("up", "line_up", "Previous line", id="runbook.line_up", show=False),
    ]

    line = reactive(0)
    """The chosen line (from 0) that `l` copies; marked while the block has focus."""

    class Copy(Message):
        """The user asked to copy the block, or one line of it."""

        def __init__(self, block: CommandBlock, filled: FilledCommand, whole: bool) -> None:
            super().__init__()
            self.block = block
            self.filled = filled
            self.whole = whole

    class Run(Message):
        """The user asked to run this PromQL block."""

        def __init__(self, block: CommandBlock, expr: str) -> None:
            super().__init__()
            self.block = block
            self.expr = expr

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        line = token.map[0] + 1 if token.map else 0
        lookup = getattr(markdown, "command_at", None)
        found = lookup(line) if lookup is not None else None
        self.command: Command | None = found[0] if found else None
        self._source: FilledCommand | None = found[1] if found else None
        self.filled: FilledCommand = strip_end(found[1]) if found else FilledCommand(code)
        # MarkdownFence.__init__ would highlight the raw code at once; the block highlights
        # its filled text when it is composed (and the result is cached), so skip it.
        MarkdownBlock.__init__(self, markdown, token)
        self.code = code
        self.lexer = token.info
        self.auto_links = False
        self._highlighted_code = Content(code)
        self.language = (token.info.split(maxsplit=1) or [""])[0].lower() if token.info else ""

    # -- what it shows ---------------------------------------------------------------------

    @property
    def is_promql(self) -> bool:
        return self.language == "promql"

    @property
    def line_count(self) -> int:
        return max(1, len(self.filled.text.splitlines()))

    def compose(self) -> ComposeResult:
        # the hint and the result lines are added when first needed: a runbook has dozens
        # of blocks, and three widgets each made opening it slow
        yield Label(self._code_content(), id="code-content", expand=True)

    def _line(self, kind: str) -> Static:
        """The hint or result line under the code, made the first time it is shown."""
        found = self.query(f".{kind}")
        if found:
            return found.first(Static)
        line = Static("", classes=kind, markup=False)
        if kind == "block-hint":
            self.mount(line, after=self.query_one("#code-content"))  # above any result
        else:
            self.mount(line)
        return line

    def notify_style_update(self) -> None:
        # the theme changed: highlight again, keeping our filled text and marks
        self._highlighted_code = self._code_content()
        self.set_content(self._highlighted_code)
        super(MarkdownFence, self).notify_style_update()

    def _code_content(self) -> Content:
        """The filled text, syntax highlighted, with filled and unfilled placeholders marked."""
        text = self.filled.text
        # a block without a language is plain text: Pygments' guess tries every lexer it
        # has (importing them all the first time), up to a quarter of a second a block
        content = _highlighted(
            text, self.language or "text", self.app.native_ansi_color, self.app.current_theme.dark
        )
        for span in self.filled.spans:
            style = FILLED_STYLE if span.filled else UNFILLED_STYLE
            content = content.stylize(style, span.start, span.end)
        if self.line_count == 1:
            return content
        focused = self.has_focus
        lines = content.split("\n")
        return Content("\n").join(
            Content(str(CURSOR) if focused and i == self.line else GUTTER) + line
            for i, line in enumerate(lines)
        )

    def refill(self, filled: FilledCommand) -> None:
        """The command filled again (`now` moved): shown at once if it changed."""
        if filled is self._source:
            return
        self._source = filled
        self.filled = strip_end(filled)
        if self.is_mounted:
            self._redraw()

    def _redraw(self) -> None:
        self.set_content(self._code_content())
        self._show_hint()

    def _show_hint(self) -> None:
        if not self.has_focus:
            for hint in self.query(".block-hint"):
                hint.display = False
            return
        hint = self._line("block-hint")
        hint.display = True
        parts = ["c copy"]
        if self.line_count > 1:
            parts.append(f"l copy line {self.line + 1} of {self.line_count} ({UP_DOWN} choose)")
        if self.is_promql:
            parts.append("enter run")
        unfilled = self.filled.unfilled_names
        if unfilled:
            parts.append("unfilled: " + ", ".join(unfilled))
        hint.update(SEP.join(parts))

    def watch_line(self) -> None:
        if self.is_mounted:
            self._redraw()

    def on_focus(self) -> None:
        self._redraw()

    def on_blur(self) -> None:
        self._redraw()

    # -- results of a run ------------------------------------------------------------------

    def show_running(self) -> None:
        self.show_result([f"{ELLIPSIS} running"], error=False)

    def show_result(self, lines: list[str], *, error: bool) -> None:
        result = self._line("block-result")
        result.set_class(error, "-error")
        result.update("\n".join(lines))
        result.display = True

    @property
    def result_text(self) -> str:
        found = self.query(".block-result")
        if not found:
            return ""
        result = found.first(Static)
        return str(result.render()) if result.display else ""

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.is_promql
        if action == "copy_line":
            return self.line_count > 1
        if action == "line_down":
            return self.line < self.line_count - 1  # else the key scrolls the pane
        if action == "line_up":
            return self.line > 0
        return True

    def action_copy_block(self) -> None:
        self.post_message(self.Copy(self, self.filled, whole=True))

    def action_copy_line(self) -> None:
        self.post_message(self.Copy(self, self.filled.line(self.line), whole=False))

    def action_run(self) -> None:
        if self.is_promql:
            self.post_message(self.Run(self, self.filled.text))

    def action_line_down(self) -> None:
        self.line = min(self.line + 1, self.line_count - 1)

    def action_line_up(self) -> None:
        self.line = max(self.line - 1, 0)
