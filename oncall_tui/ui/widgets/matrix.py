"""The overview matrix: services (rows) by standard KPIs and check kinds (columns).

A light table drawn line by line: each row is one strip of text, built again only when one
of its cells changed, and a refresh repaints only the rows that changed. (A DataTable
re-rendered every cell of a row through Rich on any change and, with column widths
tracked, laid out the whole table after every update: most of the dashboard's idle CPU.)

Columns are as wide as their widest text so far: they grow at once and shrink only when
the columns are rebuilt (a new check kind, another density), so a value jittering around
a width does not move every column each second. Status and name stay put while the other
columns scroll sideways. Rows are re-sorted only when the order of statuses changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui.engine.snapshot import ServiceSnapshot
from oncall_tui.glyphs import ARROW, LEFT_ARROW, SEP
from oncall_tui.render.cells import Cell
from oncall_tui.render.matrix import (
    column_heading,
    heading_units,
    matrix_cell,
    matrix_columns,
    pinned_count,
)
from oncall_tui.status import Status

PAD = 1  # cells on each side of a cell's text
_NULL = Style()


@dataclass(frozen=True)
class RowKey:
    """A row's key, as `DataTable` names it (`.value` is the service name)."""

    value: str


@dataclass(frozen=True)
class MatrixRow:
    key: RowKey


@dataclass(frozen=True)
class MatrixColumn:
    key: str
    label: Text  # the heading as shown


class ServiceMatrix(ScrollView, can_focus=True):
    """A table whose row keys are service names and column keys are check keys."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open", show=False),
        Binding("up", "cursor_up", "Up", id="matrix-up", show=False),
        Binding("down", "cursor_down", "Down", id="matrix-down", show=False),
        Binding("pageup", "page_up", "Page up", id="matrix-page-up", show=False),
        Binding("pagedown", "page_down", "Page down", id="matrix-page-down", show=False),
        Binding("home", "first_row", "First", id="matrix-first", show=False),
        Binding("end", "last_row", "Last", id="matrix-last", show=False),
        Binding("left", "scroll_side(-1)", "Left", id="matrix-left", show=False),
        Binding("right", "scroll_side(1)", "Right", id="matrix-right", show=False),
    ]

    COMPONENT_CLASSES = {
        "service-matrix--header",
        "service-matrix--cursor",
        "service-matrix--fixed",
    }

    DEFAULT_CSS = """
    ServiceMatrix {
        overflow-x: hidden;  /* sideways by whole columns (left/right), never by cells */
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .service-matrix--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .service-matrix--header { background-tint: $foreground 5%; }
        }
        & > .service-matrix--header { text-style: bold; background: $panel; color: $foreground; }
        & > .service-matrix--fixed { background: $secondary-muted; }
        & > .service-matrix--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class Opened(Message):
        """The user chose a service (enter or click)."""

        def __init__(self, service: str) -> None:
            super().__init__()
            self.service = service

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.worst_first = True
        self.narrow = False  # under 100 columns: short headings, rates without unit
        self.compact = False  # under 180 columns: warn cells without the word
        self._user_moved = False  # until the user moves, the cursor stays on the worst row
        self._columns: tuple[str, ...] = ()
        self._fixed_count = 0  # the pinned columns at the left of `_columns`
        # a KPI column's unit said once in its heading (not huge: there cells keep their units)
        self._units: dict[str, str] = {}
        self._widths: dict[str, int] = {}  # text width of each column (without padding)
        self._cells: dict[tuple[str, str], Cell] = {}
        self._order: list[str] = []  # service names in config order
        self._rows: list[str] = []  # service names as shown, top to bottom
        self._cursor = 0
        self._side = 0  # scrolling columns off to the left (whole columns, never cells)
        self._styles: dict[Status, Style] = {}
        self._now: float | None = None
        self._strips: dict[str, Strip] = {}  # each row's full line, built on demand
        self._header: Strip | None = None
        # the last line drawn for each row (None: the heading), with what it was drawn for
        self._drawn: dict[str | None, tuple[tuple[object, ...], Strip]] = {}
        # each service as its cells were last built, and the time they were built for: a
        # snapshot the state handed over again (nothing of it changed) builds nothing
        self._built: dict[str, tuple[ServiceSnapshot, float | None]] = {}
        # by (width, sideways position): the scrolling columns shown, and where columns end
        self._shown_cache: dict[tuple[int, int], list[int]] = {}
        self._ends_cache: dict[tuple[int, int], dict[int, int]] = {}
        self.row_refreshes = 0  # rows (or cells of rows) marked for repainting, for tests
        self._pass_style: Style | None = None  # the widget's style during one render pass
        # a cell's style under the fixed columns' and over the cursor's, by the three
        self._combined: dict[tuple[Style, Style, Style], Style] = {}

    # -- the DataTable-like surface (tests and screens read the table through it) ----------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def ordered_rows(self) -> list[MatrixRow]:
        return [MatrixRow(RowKey(name)) for name in self._rows]

    @property
    def columns(self) -> dict[str, MatrixColumn]:
        """Column key (a KPI key or a check kind) -> its heading, left to right."""
        return {c: MatrixColumn(c, Text(self._heading(c))) for c in self._columns}

    @property
    def cursor_coordinate(self) -> Coordinate:
        return Coordinate(self._cursor, 0)

    def get_row(self, row_key: RowKey | str) -> list[Text]:
        name = row_key.value if isinstance(row_key, RowKey) else row_key
        return [self._cell_text(self._cells.get((name, c), Cell("", None))) for c in self._columns]

    def get_row_at(self, index: int) -> list[Text]:
        return self.get_row(self._rows[index])

    def get_cell(self, row_key: RowKey | str, column: str) -> Text:
        name = row_key.value if isinstance(row_key, RowKey) else row_key
        return self._cell_text(self._cells.get((name, column), Cell("", None)))

    def get_row_index(self, name: str) -> int:
        return self._rows.index(name)

    # -- styling ---------------------------------------------------------------------------

    def restyle(self) -> None:
        """Re-read status colours from the theme and redraw every cell with them."""
        variables = self.app.theme_variables
        self._styles = {}
        for status in Status:
            colour = variables.get(f"status-{status.value}", "")
            bold = status in (Status.CRIT, Status.ERROR)
            self._styles[status] = Style(color=colour or None, bold=bold)
        self._forget_strips()
        self.refresh()

    def _cell_text(self, cell: Cell) -> Text:
        if cell.status is None:
            return Text(cell.text, style="dim")
        return Text(cell.text, style=self._styles.get(cell.status, Style()))

    def _style_of(self, cell: Cell) -> Style:
        if cell.status is None:
            return Style(dim=True)
        return self._styles.get(cell.status, Style())

    def _forget_strips(self) -> None:
        self._strips.clear()
        self._combined.clear()
        self._header = None
        self._drawn.clear()
        self._forget_fit()  # widths may have changed

    def _forget_fit(self) -> None:
        self._shown_cache.clear()
        self._ends_cache.clear()

    def _forget_row(self, name: str) -> None:
        self._strips.pop(name, None)
        self._drawn.pop(name, None)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_strips()  # component styles (header, fixed columns) may have changed

    # -- data ------------------------------------------------------------------------------

    def show(self, services: Sequence[ServiceSnapshot], now: float | None = None) -> None:
        """Bring the table in line with `services`, repainting only rows that changed.

        `now` dates the cells that count (a pending breach's `CRIT in 25 s`, a stale value's
        age); without it, the last time given."""
        if now is not None:
            self._now = now
        if not self._styles:
            self.restyle()
        columns, units = self._wanted_columns(services), self._wanted_units(services)
        if columns != self._columns or units != self._units:
            self._rebuild(columns, services)
        names = [s.name for s in services]
        if set(names) != set(self._order):
            selected = self.selected_service()
            self._order = names
            self._rows = [n for n in self._rows if n in names]
            self._rows += [n for n in names if n not in self._rows]
            self._cells = {k: v for k, v in self._cells.items() if k[0] in names}
            self._built = {k: v for k, v in self._built.items() if k in names}
            for gone in [k for k in self._strips if k not in names]:
                self._forget_row(gone)
            self._keep_cursor(selected)
            self._resize()
            self.refresh()
        changed: dict[str, set[int]] = {}  # service -> indexes of the columns that changed
        wider = False
        for service in services:
            built = self._built.get(service.name)
            if built is not None and built[0] is service:
                if built[1] == self._now or not _counts_time(service):
                    continue  # the same snapshot, drawn for this time or for any time
            self._built[service.name] = (service, self._now)
            for index, column in enumerate(self._columns):
                cell = self._cell(service, column)
                if self._cells.get((service.name, column)) == cell:
                    continue
                self._cells[(service.name, column)] = cell
                changed.setdefault(service.name, set()).add(index)
                width = cell_len(cell.text)
                if width > self._widths.get(column, 0):
                    self._widths[column] = width
                    self._forget_fit()
                    wider = True
        for name in changed:
            self._forget_row(name)
        wider = self._refit() or wider
        moved = self._sort(services)  # rows that moved repaint the table
        if wider:
            # a column grew: every row and the heading move; the one costly case
            self._side = min(self._side, self._last_side())
            self._forget_strips()
            self._resize()
            self.refresh()
        elif not moved:
            view = self.size, int(self.scroll_y)
            for name, indexes in changed.items():
                self._refresh_row(self._rows.index(name), indexes, view)
        if changed or wider or moved:
            self.call_after_refresh(self.mark_hidden_columns)

    @property
    def hidden_columns(self) -> tuple[int, int]:
        """How many scrolling columns are off to the left and to the right."""
        shown = self._shown_columns(self.scrollable_content_region.width)
        scrolling = len(self._columns) - self._fixed_count
        return self._side, max(0, scrolling - self._side - len(shown))

    def mark_hidden_columns(self) -> None:
        """Say so in the border when columns are off to the side (nothing cut without a sign)."""
        left, right = self.hidden_columns
        sides = [f"{LEFT_ARROW} {left}"] if left else []
        sides += [f"{right} {ARROW}"] if right else []
        subtitle = f"more columns: {SEP.join(sides)}" if sides else ""
        # setting a border title repaints the whole table even when it is unchanged
        if (self.border_subtitle or "") != subtitle:
            self.border_subtitle = subtitle

    def on_resize(self) -> None:
        self._forget_strips()
        if self._refit():
            self._resize()
        self._side = min(self._side, self._last_side())
        self._scroll_cursor_into_view()
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
        if not self._rows:
            return None
        return self._rows[min(self._cursor, len(self._rows) - 1)]

    def focus_service(self, name: str) -> None:
        if name in self._rows:
            self._user_moved = True
            self._move_cursor(self._rows.index(name))

    # -- keys and mouse (the user moving the cursor ends "stay on the worst row") ----------

    def action_cursor_down(self) -> None:
        self._user_moved = True
        self._move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._user_moved = True
        self._move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        self._user_moved = True
        self._move_cursor(self._cursor + max(1, self._visible_rows() - 1))

    def action_page_up(self) -> None:
        self._user_moved = True
        self._move_cursor(self._cursor - max(1, self._visible_rows() - 1))

    def action_first_row(self) -> None:
        self._user_moved = True
        self._move_cursor(0)

    def action_last_row(self) -> None:
        self._user_moved = True
        self._move_cursor(len(self._rows) - 1)

    def action_scroll_side(self, direction: int) -> None:
        """One whole column to the side: a value is never shown cut (`84` for 784)."""
        side = max(0, min(self._side + direction, self._last_side()))
        if side != self._side:
            self._side = side
            self._drawn.clear()
            self.refresh()
            self.mark_hidden_columns()

    def action_select_cursor(self) -> None:
        name = self.selected_service()
        if name is not None:
            self.post_message(self.Opened(name))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor to a row; a click on the cursor's row opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the border or the headings
        row = offset.y - 1 + int(self.scroll_y)
        if not 0 <= row < len(self._rows):
            return
        self._user_moved = True
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self._move_cursor(row)

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _move_cursor(self, row: int) -> None:
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row != self._cursor:
            old, self._cursor = self._cursor, row
            self._refresh_row(old)
            self._refresh_row(row)
        self._scroll_cursor_into_view()

    def _keep_cursor(self, selected: str | None) -> None:
        if not self._user_moved:
            self._cursor = 0
        elif selected in self._rows:
            self._cursor = self._rows.index(selected)
        else:
            self._cursor = max(0, min(self._cursor, len(self._rows) - 1))
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        visible = self._visible_rows()
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False)

    # -- columns and order -----------------------------------------------------------------

    def _wanted_columns(self, services: Sequence[ServiceSnapshot]) -> tuple[str, ...]:
        return matrix_columns(services)

    def _wanted_units(self, services: Sequence[ServiceSnapshot]) -> dict[str, str]:
        return heading_units(services, shortened=self.compact or self.narrow)

    def _heading(self, column: str) -> str:
        return column_heading(
            column, narrow=self.narrow, unit=self._units.get(column), compact=self.compact
        )

    def _rebuild(self, columns: tuple[str, ...], services: Sequence[ServiceSnapshot]) -> None:
        """New columns (a check kind appeared, another density): widths start again."""
        self._columns = columns
        self._units = self._wanted_units(services)
        self._fixed_count = pinned_count(columns)
        self._widths = {c: cell_len(self._heading(c)) for c in columns}
        self._side = 0
        self._cells.clear()
        self._built.clear()  # every cell is built again for the new columns
        self._forget_strips()
        selected = self.selected_service()
        self._order = [s.name for s in services]
        self._rows = [n for n in self._rows if n in self._order]
        self._rows += [n for n in self._order if n not in self._rows]
        self._keep_cursor(selected)
        self._resize()
        self.refresh()

    def _cell(self, service: ServiceSnapshot, column: str) -> Cell:
        return matrix_cell(
            service,
            column,
            compact=self.compact,
            narrow=self.narrow,
            unit_in_heading=self._units.get(column),
            now=self._now,
        )

    def _sort(self, services: Sequence[ServiceSnapshot]) -> bool:
        """Put the rows in order; True if they moved (and the table was repainted)."""
        position = {name: i for i, name in enumerate(self._order)}
        rank = {s.name: s.status.rank for s in services}
        if self.worst_first:
            order = sorted(self._order, key=lambda n: (-rank.get(n, 0), position[n]))
        else:
            order = list(self._order)
        if order == self._rows:
            return False
        selected = self.selected_service()
        self._rows = order
        self._keep_cursor(selected)
        self.refresh()
        return True

    # -- drawing ---------------------------------------------------------------------------

    def _column_width(self, column: str) -> int:
        return self._widths.get(column, 0) + 2 * PAD

    def _total_width(self, widths: dict[str, int] | None = None) -> int:
        """Every column across; the last one without padding after it (nothing follows)."""
        widths = self._widths if widths is None else widths
        return sum(widths.get(c, 0) + 2 * PAD for c in self._columns) - PAD

    def _refit(self) -> bool:
        """Too wide for the view: measure the columns again from the texts they show now.

        Widths only grow (so values do not shake the table), which can keep a column as wide
        as a text long gone (a `○ NODATA` from the first second) and push the last columns
        off the side. Remeasured widths are taken only when then every column fits, so a table
        that overflows anyway does not jitter with its values. True if the widths changed.
        """
        available = self.scrollable_content_region.width
        if available <= 0 or self._total_width() <= available:
            return False
        widths = {c: cell_len(self._heading(c)) for c in self._columns}
        for (_, column), cell in self._cells.items():
            if column in widths:
                widths[column] = max(widths[column], cell_len(cell.text))
        if widths == self._widths or self._total_width(widths) > available:
            return False
        self._widths = widths
        self._forget_strips()
        return True

    def _fixed_width(self) -> int:
        return sum(self._column_width(c) for c in self._columns[: self._fixed_count])

    def _shown_columns(self, width: int, side: int | None = None) -> list[int]:
        """Indexes of the scrolling columns drawn from `side` on: only whole ones that fit."""
        side = self._side if side is None else side
        key = (width, side)
        shown = self._shown_cache.get(key)
        if shown is None:
            shown = self._shown_cache[key] = self._fit_columns(width, side)
        return shown

    def _fit_columns(self, width: int, side: int) -> list[int]:
        room = width - self._fixed_width()
        shown: list[int] = []
        last = len(self._columns) - 1
        for index in range(self._fixed_count + side, len(self._columns)):
            need = self._column_width(self._columns[index]) - (PAD if index == last else 0)
            if need > room:
                break
            room -= need
            shown.append(index)
        return shown

    def _last_side(self) -> int:
        """The furthest the columns scroll: until the last one is in view."""
        width = self.scrollable_content_region.width
        scrolling = len(self._columns) - self._fixed_count
        for side in range(scrolling):
            if self._fixed_count + side + len(self._shown_columns(width, side)) >= len(
                self._columns
            ):
                return side
        return max(0, scrolling - 1)

    def _resize(self) -> None:
        """The virtual size: every column across, the heading and every row down."""
        size = Size(max(0, self._total_width()), len(self._rows) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
            self.refresh(layout=True)

    def _refresh_row(
        self, row: int, columns: set[int] | None = None, view: tuple[Size, int] | None = None
    ) -> None:
        """Repaint a row where it is on screen: up to the last cell of `columns` when given
        (the unchanged cells after it, and the blank end of the line, are not sent again).

        `view` is the size and the first row scrolled into view, when the caller has them."""
        size, top = view if view is not None else (self.size, int(self.scroll_y))
        y = row + 1 - top  # line 0 is the heading, which does not scroll
        if not 1 <= y < size.height:
            return
        end = size.width
        if columns is not None:
            ends = self._column_ends(size.width)
            end = max((ends[i] for i in columns if i in ends), default=0)
            if not end:
                return  # every changed cell is scrolled off to the side
        # from the left edge: Textual sends a line from the widget's edge to the region's end
        self.row_refreshes += 1
        self.refresh(Region(0, y, min(end, size.width), 1))

    def _column_ends(self, width: int) -> dict[int, int]:
        """Where each column on screen ends (the x after its last cell), by column index."""
        key = (width, self._side)
        ends = self._ends_cache.get(key)
        if ends is None:
            x, ends = 0, {}
            for index in [*range(self._fixed_count), *self._shown_columns(width)]:
                x += self._column_width(self._columns[index])
                ends[index] = x
            self._ends_cache[key] = ends
        return ends

    def _line(
        self, texts: Sequence[tuple[str, Style]], fixed: Style, over: Style | None = None
    ) -> Strip:
        """One line of cells: `fixed` under the status and name, `over` on top of all."""
        over = over or _NULL
        segments: list[Segment] = []
        last = len(self._columns) - 1
        for index, (column, (text, style)) in enumerate(zip(self._columns, texts, strict=True)):
            width = self._widths.get(column, 0)
            after = 0 if index == last else PAD
            padded = " " * PAD + text + " " * (width - cell_len(text) + after)
            under = fixed if index < self._fixed_count else _NULL
            key = (under, style, over)
            combined = self._combined.get(key)
            if combined is None:
                combined = self._combined[key] = under + style + over
            segments.append(Segment(padded, combined))
        return Strip(segments)

    def _header_strip(self) -> Strip:
        if self._header is None:
            style = self.get_component_rich_style("service-matrix--header")
            texts = [(self._heading(c), Style()) for c in self._columns]
            self._header = self._line(texts, Style()).apply_style(style)
        return self._header

    def _row_strip(self, name: str) -> Strip:
        strip = self._strips.get(name)
        if strip is None:
            fixed = self.get_component_rich_style("service-matrix--fixed", partial=True)
            cells = [self._cells.get((name, c), Cell("", None)) for c in self._columns]
            strip = self._line([(c.text, self._style_of(c)) for c in cells], fixed)
            self._strips[name] = strip
        return strip

    def render_lines(self, crop: Region) -> list[Strip]:
        # one pass draws many lines: the widget's style (a walk up the DOM blending each
        # ancestor's background) is worked out once for all of them, not once per line
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style if self._pass_style is None else self._pass_style
        name: str | None = None
        row = -1  # the heading
        if y > 0:
            row = y - 1 + int(self.scroll_y)
            if not 0 <= row < len(self._rows):
                return Strip.blank(width, base)
            name = self._rows[row]
        # unchanged rows are drawn again when a neighbour's region is repainted: reuse them
        cursor = row == self._cursor
        key = (cursor, cursor and self.has_focus, self._side, width, base)
        drawn = self._drawn.get(name)
        if drawn is not None and drawn[0] == key:
            return drawn[1]
        line = self._draw_line(name, row, width, base)
        self._drawn[name] = (key, line)
        return line

    def _draw_line(self, name: str | None, row: int, width: int, base: Style) -> Strip:
        if name is None:
            full = self._header_strip()
        else:
            if row == self._cursor:
                # not kept in _strips; the cursor's colours win, glyphs and words stay
                cursor = self.get_component_rich_style("service-matrix--cursor")
                cells = [self._cells.get((name, c), Cell("", None)) for c in self._columns]
                full = self._line([(c.text, self._style_of(c)) for c in cells], Style(), cursor)
            else:
                full = self._row_strip(name)
        shown = self._shown_columns(width)
        if self._side == 0 and len(shown) == len(self._columns) - self._fixed_count:
            # every column fits: the line as built, nothing to cut out
            return full.adjust_cell_length(width, base).apply_style(base)
        fixed_width = self._fixed_width()
        parts = [full.crop(0, fixed_width)]
        if shown:
            start = fixed_width + sum(
                self._column_width(c) for c in self._columns[self._fixed_count : shown[0]]
            )
            end = start + sum(self._column_width(self._columns[i]) for i in shown)
            parts.append(full.crop(start, end))
        line = Strip.join(parts)
        return line.adjust_cell_length(width, base).apply_style(base)


def _counts_time(service: ServiceSnapshot) -> bool:
    """Whether a cell of `service` says a time (a pending countdown, a stale value's age)."""
    return any(c.pending is not None or c.last_verdict is not None for c in service.checks)
