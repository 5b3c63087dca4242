"""The dashboard header: title, DEMO, each source's state and age, PAUSED in words."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget

from oncall_tui.engine.snapshot import DashboardSnapshot, SourceHealth
from oncall_tui.render.cells import age_text
from oncall_tui.status import Status
from oncall_tui.ui.widgets.quiet import changed_spans, same_size


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


class DashboardHeader(Widget):
    """One line at the top; updated every tick but repainted only when its text changes,
    and then only the cells that changed (an age going from `3 s` to `4 s` sends one cell)."""

    DEFAULT_CSS = """
    DashboardHeader { height: auto; max-height: 3; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._plain = ""
        self._key: tuple[object, ...] | None = None
        self.repaints = 0  # times it asked to be drawn again (whole or in part), for tests

    def render(self) -> Content:
        return self._content

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
        sources = snapshot.sources if snapshot is not None else None
        # what decides the colours and where they go, apart from the ages' digits
        styles = (
            title,
            demo,
            paused,
            None if sources is None else tuple((s.name, s.ok, s.error) for s in sources),
            None if incident is None else incident[1],
        )
        ages = (
            None if sources is None else tuple(_age(s, now) for s in sources),
            None if incident is None else incident[0],
        )
        if (styles, ages) == self._key:
            return  # the same words and colours: nothing to build, nothing to draw
        styles_kept = self._key is not None and self._key[0] == styles
        self._key = styles, ages
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
        old, self._plain, self._content = self._plain, content.plain, content
        self.repaints += 1
        if not same_size(old, content.plain, self.content_size.width):
            self.refresh(layout=True)  # the height may change
        elif styles_kept:
            # ages tick every second: only the cells that changed are drawn and sent
            spans = changed_spans(old, content.plain)
            self.refresh(*(Region(x, y, width, 1) for y, x, width in spans))
        else:
            self.refresh()


def _age(source: SourceHealth, now: float) -> str | None:
    return None if source.last_success is None else age_text(now - source.last_success)
