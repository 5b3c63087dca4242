"""`/`: type part of a service name or title, enter opens it."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from oncall_tui.engine.snapshot import ServiceSnapshot
from oncall_tui.ui.cells import status_label


def matches(services: Sequence[ServiceSnapshot], query: str) -> list[ServiceSnapshot]:
    query = query.strip().lower()
    return [s for s in services if query in s.name.lower() or query in s.title.lower()]


class ServiceSearch(ModalScreen[str | None]):
    """Dismisses with the chosen service's name, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_search"),
        Binding("down", "results_down", "Next", id="search_next", show=False),
        Binding("up", "results_up", "Previous", id="search_previous", show=False),
    ]
    DEFAULT_CSS = """
    ServiceSearch { align: center top; }
    ServiceSearch > Vertical {
        width: 60; max-width: 95%; height: auto; max-height: 80%; margin-top: 2;
        border: round $primary; background: $surface;
    }
    ServiceSearch OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, services: Sequence[ServiceSnapshot]) -> None:
        super().__init__()
        self._services = tuple(services)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "go to service"
            yield Input(placeholder="service name", id="search-input")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options(
            Option(f"{status_label(s.status)}  {s.name} · {s.title}", id=s.name)
            for s in matches(self._services, query)
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
            self.dismiss(results.get_option_at_index(results.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_results_down(self) -> None:  # arrows move through the results while typing
        self.query_one(OptionList).action_cursor_down()

    def action_results_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
