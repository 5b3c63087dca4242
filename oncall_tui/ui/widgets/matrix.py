"""The overview matrix: services (rows) by standard KPIs and check kinds (columns).

Built once and then updated cell by cell: a refresh where only values changed touches
only the cells whose text or status changed, and rows are re-sorted only when the order
of statuses changes.

DataTable repaints all of itself on every `update_cell`, and with `update_width=True` it
also measures and lays out the whole table again. So a changed cell is written without
that refresh and only its row is repainted; the table measures its columns again only when
a text is wider than its column. Columns grow but do not shrink back while the columns stay
the same (a value jittering around a width would otherwise move every column each second).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from oncall_tui.engine.snapshot import ServiceSnapshot
from oncall_tui.engine.status import Status
from oncall_tui.sources.base import CheckKind
from oncall_tui.ui.cells import (
    KIND_HEADINGS,
    KPI_HEADINGS,
    Cell,
    kind_cell,
    kind_columns,
    kpi_cell,
    kpi_columns,
    status_label,
)

STATUS_COLUMN = "status"
NAME_COLUMN = "service"


class ServiceMatrix(DataTable[Text]):
    """A DataTable whose row keys are service names and column keys are check keys."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open", show=False),
    ]

    class Opened(Message):
        """The user chose a service (enter or click)."""

        def __init__(self, service: str) -> None:
            super().__init__()
            self.service = service

    def __init__(self, *, id: str | None = None) -> None:
        # status and name stay put while the KPI columns scroll sideways
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, fixed_columns=2)
        self.worst_first = True
        self.narrow = False  # under 100 columns: short headings, rates without unit
        self.compact = False  # under 180 columns: warn cells without the word
        self._user_moved = False  # until the user moves, the cursor stays on the worst row
        self._columns: tuple[str, ...] = ()
        self._cells: dict[tuple[str, str], Cell] = {}
        self._order: list[str] = []  # service names in config order
        self._styles: dict[Status, Style] = {}
        self._changed_rows: set[str] = set()  # rows to repaint after this refresh

    # a changed cell repaints its row, not the whole table: see the module docstring
    _rows_only = False  # while set, the whole-widget refresh of update_cell is left out

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> ServiceMatrix:
        if self._rows_only and not (regions or layout or recompose):
            return self  # `show` repaints the rows that changed
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    # -- styling ---------------------------------------------------------------------------

    def restyle(self) -> None:
        """Re-read status colours from the theme and redraw every cell with them."""
        variables = self.app.theme_variables
        self._styles = {}
        for status in Status:
            colour = variables.get(f"status-{status.value}", "")
            bold = status in (Status.CRIT, Status.ERROR)
            self._styles[status] = Style(color=colour or None, bold=bold)
        for (row, column), cell in list(self._cells.items()):
            self.update_cell(row, column, self._render(cell))

    def _render(self, cell: Cell) -> Text:
        if cell.status is None:
            return Text(cell.text, style="dim")
        return Text(cell.text, style=self._styles.get(cell.status, Style()))

    # -- data ------------------------------------------------------------------------------

    def show(self, services: Sequence[ServiceSnapshot]) -> None:
        """Bring the table in line with `services`, touching only what changed."""
        if not self._styles:
            self.restyle()
        columns = self._wanted_columns(services)
        if columns != self._columns:
            self._rebuild(columns, services)
        names = {s.name for s in services}
        for service in services:
            if service.name not in self._order:
                self._order.append(service.name)
                self.add_row(*[Text("") for _ in self._columns], key=service.name)
        for gone in [n for n in self._order if n not in names]:
            self._order.remove(gone)
            self.remove_row(gone)
            self._cells = {k: v for k, v in self._cells.items() if k[0] != gone}
        for service in services:
            for column in self._columns:
                self._set(service.name, column, self._cell(service, column))
        self._sort(services)
        for name in self._changed_rows:
            if name in self._order:
                self.refresh_row(self.get_row_index(name))
        self._changed_rows.clear()
        self.call_after_refresh(self.mark_hidden_columns)

    def mark_hidden_columns(self) -> None:
        """Say so in the border when columns are off to the side (nothing cut without a sign)."""
        hidden = self.virtual_size.width > self.scrollable_content_region.width
        subtitle = "more columns: ← →" if hidden else ""
        # setting a border title repaints the whole table even when it is unchanged: this
        # runs after every data refresh, so an unconditional set paints each frame twice
        if (self.border_subtitle or "") != subtitle:
            self.border_subtitle = subtitle

    def on_resize(self) -> None:
        self.call_after_refresh(self.mark_hidden_columns)

    def set_worst_first(self, worst_first: bool, services: Sequence[ServiceSnapshot]) -> None:
        self.worst_first = worst_first
        self._sort(services)

    def set_density(
        self, *, compact: bool, narrow: bool, services: Sequence[ServiceSnapshot]
    ) -> None:
        if (compact, narrow) != (self.compact, self.narrow):
            self.compact, self.narrow = compact, narrow
            self._rebuild(self._wanted_columns(services), services)
            self.show(services)

    def selected_service(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def focus_service(self, name: str) -> None:
        if name in self._order:
            self._user_moved = True
            self.move_cursor(row=self.get_row_index(name), scroll=True)

    # the user moving the cursor ends "stay on the worst row"
    def action_cursor_down(self) -> None:
        self._user_moved = True
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._user_moved = True
        super().action_cursor_up()

    def action_page_down(self) -> None:
        self._user_moved = True
        super().action_page_down()

    def on_click(self) -> None:
        self._user_moved = True  # a click moves the cursor; a click on the cursor row opens

    def action_page_up(self) -> None:
        self._user_moved = True
        super().action_page_up()

    def _wanted_columns(self, services: Sequence[ServiceSnapshot]) -> tuple[str, ...]:
        kinds = tuple(k.value for k in kind_columns(services))
        return (STATUS_COLUMN, NAME_COLUMN, *kpi_columns(services), *kinds)

    def _heading(self, column: str) -> str:
        if column == STATUS_COLUMN:
            return "status"
        if column == NAME_COLUMN:
            return "service"
        if column in KPI_HEADINGS:
            wide, narrow = KPI_HEADINGS[column]
        else:
            wide, narrow = KIND_HEADINGS[CheckKind(column)]
        return narrow if self.narrow else wide

    def _rebuild(self, columns: tuple[str, ...], services: Sequence[ServiceSnapshot]) -> None:
        """New columns (a check kind appeared): the one case where the table is rebuilt."""
        selected = self.selected_service()
        self.clear(columns=True)
        self._cells.clear()
        self._order = []
        self._columns = columns
        for column in columns:
            self.add_column(self._heading(column), key=column)
        for service in services:
            self._order.append(service.name)
            self.add_row(*[Text("") for _ in columns], key=service.name)
        if selected is not None:
            self.move_cursor(row=self.get_row_index(selected))

    def _cell(self, service: ServiceSnapshot, column: str) -> Cell:
        if column == STATUS_COLUMN:
            return Cell(status_label(service.status), service.status)
        if column == NAME_COLUMN:
            return Cell(service.name, None if service.status is Status.OK else service.status)
        if column in KPI_HEADINGS:
            check = service.check(CheckKind.KPI, column)
            return kpi_cell(check, compact=self.compact, narrow=self.narrow)
        return kind_cell(service.of_kind(CheckKind(column)), narrow=self.narrow or self.compact)

    def _set(self, row: str, column: str, cell: Cell) -> None:
        if self._cells.get((row, column)) == cell:
            return
        self._cells[(row, column)] = cell
        text = self._render(cell)
        if text.cell_len > self.columns[ColumnKey(column)].content_width:
            # the column must widen: the table measures and lays itself out again (rare)
            self.update_cell(row, column, text, update_width=True)
            return
        self._rows_only = True
        try:
            self.update_cell(row, column, text)
        finally:
            self._rows_only = False
        self._changed_rows.add(row)

    def _sort(self, services: Sequence[ServiceSnapshot]) -> None:
        position = {name: i for i, name in enumerate(self._order)}
        rank = {s.name: s.status.rank for s in services}
        if self.worst_first:
            order = sorted(self._order, key=lambda n: (-rank.get(n, 0), position[n]))
        else:
            order = list(self._order)
        current = [row.key.value for row in self.ordered_rows]
        if current == order:
            return
        selected = self.selected_service()
        index = {name: i for i, name in enumerate(order)}
        self.sort(NAME_COLUMN, key=lambda name: index[name.plain])
        if not self._user_moved:
            self.move_cursor(row=0)
        elif selected is not None:
            self.move_cursor(row=self.get_row_index(selected), scroll=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(event.row_key.value))
