"""The dashboard header: title, DEMO, each source's state and age, PAUSED in words."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from oncall_tui.engine.snapshot import DashboardSnapshot, SourceHealth
from oncall_tui.render.cells import age_text
from oncall_tui.status import Status
from oncall_tui.ui.widgets.quiet import same_size


def source_text(source: SourceHealth, now: float) -> Content:
    """`● prometheus default 3 s ago`, `◌ prometheus default STALE 42 s ago`, or
    `◌ prometheus default STALE no data yet` for a source that never answered."""
    if source.last_success is None:
        age = "waiting" if source.ok else "no data yet"
    else:
        age = age_text(now - source.last_success)
    if source.ok:
        return Content.from_markup(
            "[$status-ok]$glyph[/] $name [dim]$age[/]",
            glyph=Status.OK.glyph,
            name=source.name,
            age=age,
        )
    status = source.error.kind.status if source.error is not None else Status.STALE
    return Content.from_markup(
        f"[$status-{status.value}]$glyph $name $word[/] [dim]$age[/]",
        glyph=status.glyph,
        name=source.name,
        word=status.word,
        age=age,
    )


class DashboardHeader(Static):
    """One line at the top; updated every tick but repainted only when its text changes."""

    DEFAULT_CSS = """
    DashboardHeader { height: auto; max-height: 3; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._plain = ""

    def line_width(self) -> int:
        """Cells a line of the header has (its padding taken off; the screen's width before
        the first layout), so the incident clock line can be made to fit one line."""
        width = self.content_size.width or self.app.size.width - 2
        return max(20, width)

    def show(
        self,
        snapshot: DashboardSnapshot | None,
        now: float,
        *,
        title: str,
        paused: bool,
        demo: bool,
        incident: tuple[str, bool] | None = None,
    ) -> None:
        """`incident`: the open incident's clock line, and whether a target has passed."""
        parts = [Content.from_markup("[b]$title[/]", title=title)]
        if demo:
            parts.append(Content.from_markup("[b reverse $accent] DEMO [/]"))
        if paused:
            parts.append(Content.from_markup("[b reverse $warning] PAUSED [/] [dim]p resumes[/]"))
        if snapshot is not None:
            parts.extend(source_text(s, now) for s in snapshot.sources)
            if not snapshot.sources:
                parts.append(Content.from_markup("[dim]waiting for data[/]"))
        content = Content("  ").join(parts)
        if incident is not None:
            line, loud = incident
            style = "b reverse $status-crit" if loud else "b $accent"
            clock_line = Content.from_markup(f"[{style}]$line[/]", line=line)
            content = Content("\n").join([content, clock_line])
        if content.plain != self._plain:
            # ages tick every second: lay out the screen again only if the height may change
            layout = not same_size(self._plain, content.plain, self.content_size.width)
            self._plain = content.plain
            self.update(content, layout=layout)
