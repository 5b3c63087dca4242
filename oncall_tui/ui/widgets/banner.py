"""The banner that says, in words, which source is failing and how old its data is."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from oncall_tui.engine.snapshot import DashboardSnapshot, SourceHealth
from oncall_tui.render.values import format_ago
from oncall_tui.status import Status
from oncall_tui.ui.widgets.quiet import same_size


def failure_line(source: SourceHealth, now: float) -> str:
    """`prometheus default unreachable: showing data from 42 s ago`."""
    what = source.error.kind.value.replace("_", " ") if source.error is not None else "failing"
    if source.last_success is None:
        shown = "no data yet"
    else:
        # `showing data from just now`, never `from now ago`
        shown = f"showing data from {format_ago(now - source.last_success)}"
    line = f"{source.name} {what}: {shown}"
    if source.error is not None and source.error.message:
        line += f" ({source.error.message})"
    return line


class SourceBanner(Static):
    """Hidden while every source is fine; one line per failing source otherwise."""

    DEFAULT_CSS = """
    SourceBanner {
        display: none; height: auto; max-height: 4; padding: 0 1;
        background: $status-stale 30%; color: $foreground; text-style: bold;
        border-left: $border-thick $status-crit;
    }
    SourceBanner.-failing { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._plain = ""

    def show(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        failing = [s for s in (snapshot.sources if snapshot else ()) if not s.ok]
        lines = []
        for source in failing:
            status = source.error.kind.status if source.error is not None else Status.STALE
            lines.append(f"{status.glyph} {status.word}  {failure_line(source, now)}")
        plain = "\n".join(lines)
        self.set_class(bool(failing), "-failing")
        if plain != self._plain:
            # the age of the data ticks every second; the height changes with the failing set
            layout = not same_size(self._plain, plain, self.content_size.width)
            self._plain = plain
            self.update(Content(plain), layout=layout)
