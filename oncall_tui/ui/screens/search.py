"""`/`: find a service, a runbook section or a runbook command, and open it.

The ranking is `oncall_tui.runbooks.search` (plain Python); this screen only shows it.
A service result dismisses with the service's name, for the app to open (as `/` always did);
a heading or command result dismisses with None and opens the runbook pane itself, at the
section, with the chosen command focused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from oncall_tui.engine.snapshot import ServiceSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.render.cells import status_label
from oncall_tui.runbooks.search import (
    Hit,
    Kind,
    SearchIndex,
    build_search_index,
    runbook_file,
    runbook_owners,
)
from oncall_tui.status import Status

if TYPE_CHECKING:
    from oncall_tui.runbooks.index import RunbookIndex

KIND_WIDTH = max(len(k.label) for k in Kind)
KIND_STYLE = {Kind.SERVICE: "bold $accent", Kind.HEADING: "bold $primary", Kind.COMMAND: "$warning"}


def result_line(hit: Hit, status: Status | None = None) -> Content:
    """`service  ✖ CRIT arq · ARQ API` / `runbook  High Error Rate · arq.md`."""
    entry = hit.entry
    parts: list[str | tuple[str, str]] = [
        (entry.kind.label.ljust(KIND_WIDTH), KIND_STYLE[entry.kind]),
        "  ",
    ]
    if status is not None and entry.kind is Kind.SERVICE:
        parts.append(f"{status_label(status)}  ")
    parts.append((hit.shown, "bold" if entry.kind is not Kind.COMMAND else ""))
    if entry.where:
        parts.append((f"{SEP}{entry.where}", "$text-muted"))
    return Content.assemble(*parts)


class ServiceSearch(ModalScreen[str | None]):
    """Search over services and, when the app has runbooks, their headings and commands.

    Dismisses with the chosen service's name, or None (cancelled, or a runbook result,
    which this screen opens through `app.open_runbook`).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_search"),
        Binding("down", "results_down", "Next", id="search_next", show=False),
        Binding("up", "results_up", "Previous", id="search_previous", show=False),
    ]
    DEFAULT_CSS = """
    ServiceSearch { align: center top; }
    ServiceSearch > Vertical {
        width: 100; max-width: 95%; height: auto; max-height: 80%; margin-top: 2;
        border: $border-round $primary; background: $surface;
    }
    ServiceSearch OptionList {
        height: auto; max-height: 20; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(
        self,
        services: Sequence[ServiceSnapshot],
        *,
        runbooks: RunbookIndex | None = None,
        current_service: str | None = None,
    ) -> None:
        """`runbooks` and `current_service` default to the app's index and to the service
        of the screen below, found when the screen mounts."""
        super().__init__()
        self._services = tuple(services)
        self._runbooks = runbooks
        self.current_service = current_service
        self._status = {s.name: s.status for s in self._services}
        self._index = SearchIndex(())
        self._prefer: Path | None = None
        self.hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "search services, runbooks, commands"
            yield Input(placeholder="service, runbook heading or command", id="search-input")
            yield OptionList(id="search-results", markup=False)

    def on_mount(self) -> None:
        app: Any = self.app
        if self.current_service is None:
            stack = app.screen_stack
            below = stack[-2] if len(stack) > 1 else None
            self.current_service = getattr(below, "service_name", None)
        if self._runbooks is None and hasattr(app, "runbook_index"):
            self._runbooks = app.runbook_index()  # None while still loading: services only
        self._index = self._build(getattr(app, "config", None))
        self._fill("")

    def _build(self, config: Any) -> SearchIndex:
        services = [(s.name, s.title) for s in self._services]
        if not services and config is not None:  # before the first data: the config's
            services = [(name, s.title) for name, s in config.services.items()]
        owners: dict[Path, str] = {}
        if self._runbooks is not None and config is not None:
            refs = [(name, s.runbook) for name, s in config.services.items()]
            owners = runbook_owners(self._runbooks, refs, config.base_dir)
            current = config.services.get(self.current_service or "")
            if current is not None and current.runbook:
                self._prefer = runbook_file(self._runbooks, current.runbook, config.base_dir)
        return build_search_index(services, self._runbooks, owners)

    def _fill(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        self.hits = self._index.search(query, prefer_file=self._prefer)
        results.add_options(
            Option(result_line(hit, self._status.get(hit.entry.service or "")), id=str(i))
            for i, hit in enumerate(self.hits)
        )
        if results.option_count:
            results.highlighted = 0

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None:
            self._choose(results.highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, position: int) -> None:
        if not 0 <= position < len(self.hits):
            return
        entry = self.hits[position].entry
        if entry.kind is Kind.SERVICE:
            self.dismiss(entry.service)
            return
        from oncall_tui.runbooks.links import resolve_link

        app: Any = self.app
        if self._runbooks is None or not hasattr(app, "open_runbook"):
            return
        link = resolve_link(self._runbooks, entry.ref)
        service = entry.service or self.current_service
        self.dismiss(None)  # first: the pane goes on the screen below, not on this one
        app.open_runbook(link, service=service, focus_command=entry.command)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_results_down(self) -> None:  # arrows move through the results while typing
        self.query_one(OptionList).action_cursor_down()

    def action_results_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
