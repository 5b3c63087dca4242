"""Status changes from the timeline, newest first: a strip on the overview, a pane per service."""

from __future__ import annotations

import time
from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from oncall_tui.engine.snapshot import TimelineEvent
from oncall_tui.render.cells import event_text
from oncall_tui.ui.widgets.quiet import same_size


def clock_text(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def events_content(
    events: Sequence[TimelineEvent], limit: int, *, with_service: bool = True
) -> Content:
    latest = list(events)[-limit:][::-1]
    if not latest:
        return Content.from_markup("[dim]no status changes yet[/]")
    lines = []
    for event in latest:
        text = event_text(event, clock_text=clock_text(event.at), with_service=with_service)
        colour = event.after
        if event.last_verdict is not None and event.last_verdict.rank > colour.rank:
            colour = event.last_verdict  # stale after a crit stays red
        lines.append(Content.styled(text, f"$status-{colour.value}"))
    return Content("\n").join(lines)


class ChangeList(Static):
    """The newest `limit` timeline events, one a line, coloured by the status entered."""

    DEFAULT_CSS = """
    ChangeList { height: auto; padding: 0 1; }
    """

    def __init__(self, *, limit: int = 3, with_service: bool = True, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.limit = limit
        self.with_service = with_service
        self._shown: tuple[TimelineEvent, ...] | None = None
        self._plain = ""

    def show(self, events: Sequence[TimelineEvent]) -> None:
        latest = tuple(events[-self.limit :])
        if latest == self._shown:
            return
        self._shown = latest
        content = events_content(latest, self.limit, with_service=self.with_service)
        layout = not same_size(self._plain, content.plain, self.content_size.width)
        self._plain = content.plain
        self.update(content, layout=layout)
