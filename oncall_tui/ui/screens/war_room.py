"""The war-room view: one big tile per service, worst first, for a shared screen.

Read from the back of a room with nobody at the keyboard: every tile says its status by a
large word and glyph as well as colour, the worst check with its value and how long it has
been so, the firing alerts and how old the data is. The app's tick keeps it current.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Digits, Footer, Static

from oncall_tui.engine.snapshot import DashboardSnapshot, ServiceSnapshot
from oncall_tui.names import widget_id
from oncall_tui.render.tiles import (
    MEDIUM_TILE_HEIGHT,
    ROOMY_TILE_HEIGHT,
    alerts_line,
    big_word,
    data_line,
    grid_shape,
    headline_check,
    others_text,
    sources_line,
    war_room_order,
    what_line,
)
from oncall_tui.render.values import format_value
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.guard import guarded
from oncall_tui.ui.incidents.war_clock import IncidentClock
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.changes import ChangeList
from oncall_tui.ui.widgets.header import DashboardHeader

_STATUS_CLASSES = tuple(f"-{s.value}" for s in Status)


class ServiceTile(Widget, can_focus=True):
    """One service, big. Its status class (`-crit`, ...) makes a crit tile the loudest thing."""

    def __init__(self, service: ServiceSnapshot) -> None:
        super().__init__(id=widget_id("tile-", service.name))
        self.service_name = service.name
        self._service: ServiceSnapshot | None = None
        self._texts: dict[str, str] = {}
        self.border_title = service.name

    def compose(self) -> ComposeResult:
        yield Static("", classes="tile-name", markup=False)
        yield Static("", classes="tile-word", markup=False)
        yield Static("", classes="tile-status", markup=False)
        with Horizontal(classes="tile-value"):
            yield Digits("", classes="tile-digits")
            yield Static("", classes="tile-unit", markup=False)
        yield Static("", classes="tile-what", markup=False)
        yield Static("", classes="tile-others", markup=False)
        yield Static("", classes="tile-alerts", markup=False)
        yield Static("", classes="tile-data", markup=False)

    @property
    def service(self) -> ServiceSnapshot | None:
        return self._service

    def show(self, service: ServiceSnapshot, now: float) -> None:
        """Update in place; a text is repainted only when it changed."""
        previous, self._service = self._service, service
        status = service.status
        if previous is None or previous.status is not status:
            self.remove_class(*_STATUS_CLASSES)
            self.add_class(f"-{status.value}")
            self.border_subtitle = f"{status.glyph} {status.word}"
        check = headline_check(service)
        number, unit = "", ""
        if check is not None and check.id.kind is CheckKind.KPI and check.value is not None:
            number, _, unit = format_value(check.value, check.unit).partition(" ")
        data, stale = data_line(service, now)
        self.set_class(stale, "-data-stale")
        self.set_class(not number, "-no-digits")
        self._set(".tile-name", service.title if service.title != service.name else "")
        self._set(".tile-word", big_word(status))
        self._set(".tile-status", f"{status.glyph} {status.word}")
        self._set(".tile-unit", unit)
        self._set(".tile-what", what_line(check, now))
        self._set(".tile-others", others_text(service, check))
        self._set(".tile-alerts", alerts_line(service))
        self._set(".tile-data", data)
        if self._texts.get("digits") != number:
            self._texts["digits"] = number
            self.query_one(".tile-digits", Digits).update(number)

    def _set(self, selector: str, text: str) -> None:
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(text)


class TileGrid(Grid):
    """The tiles; it picks its column count and row height from its own size."""

    def on_resize(self, event: Resize) -> None:
        self.relayout()

    def relayout(self) -> None:
        width, height = self.size
        if not width or not height:
            return
        shape = grid_shape(len(self.children), width, height)
        if self.styles.grid_size_columns != shape.columns:
            self.styles.grid_size_columns = shape.columns
        rows = f"{shape.tile_height}"
        if str(self.styles.grid_rows) != rows:
            self.styles.grid_rows = rows
        roomy = shape.tile_height >= ROOMY_TILE_HEIGHT
        medium = not roomy and shape.tile_height >= MEDIUM_TILE_HEIGHT
        for tile in self.query(ServiceTile):
            tile.set_class(medium, "-medium")
            tile.set_class(not roomy and not medium, "-compact")


class WarRoomScreen(DashboardScreen):
    """Every service as a big tile, worst first, fed the same snapshots as the overview."""

    CSS_PATH = "war_room.tcss"
    AUTO_FOCUS = None  # focus goes to the worst tile once tiles exist

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("enter", "open_service", "Open", id="open"),
        Binding("down,right", "app.focus_next", "Next tile", id="next_tile", show=False),
        Binding("up,left", "app.focus_previous", "Previous tile", id="prev_tile", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._sources_text = ""

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        yield IncidentClock(id="war-incident")
        yield TileGrid(id="war-tiles")
        yield ChangeList(limit=2, id="war-changes")
        yield Static("", id="war-sources", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show(self.oncall.snapshot, self.oncall.now())

    @property
    def tiles(self) -> list[ServiceTile]:
        """The tiles in screen order (worst first)."""
        return list(self.query_one(TileGrid).query_children(ServiceTile))

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        grid = self.query_one(TileGrid)
        order = war_room_order(snapshot.services)
        names = [s.name for s in order]
        existing = {tile.service_name: tile for tile in self.tiles}
        if set(existing) != set(names):
            focused = self.focused.service_name if isinstance(self.focused, ServiceTile) else None
            grid.remove_children()
            tiles = [ServiceTile(s) for s in order]
            grid.mount_all(tiles)
            for tile, service in zip(tiles, order, strict=True):
                tile.call_after_refresh(guarded(self.app, "war-room tile", tile.show), service, now)
            self.after_refresh("war-room focus", self._settle, focused)
        else:
            tiles = self.tiles  # one query; kept in step with the moves below
            for index, name in enumerate(names):
                tile = existing[name]
                if tiles[index] is not tile:
                    grid.move_child(tile, before=index)
                    tiles.remove(tile)
                    tiles.insert(index, tile)
            for service in order:
                existing[service.name].show(service, now)
        self.query_one("#war-changes", ChangeList).show(snapshot.timeline)

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        self.query_one(IncidentClock).show(self.oncall.incident_view, self.oncall.incident_clocks())
        line = sources_line(snapshot, now)
        if line != self._sources_text:
            self._sources_text = line
            self.query_one("#war-sources", Static).update(line)
        for tile in self.tiles:
            if tile.service is not None and tile.is_mounted:
                tile.show(tile.service, now)

    def _settle(self, focused: str | None) -> None:
        self.query_one(TileGrid).relayout()
        tiles = self.tiles
        wanted = next((t for t in tiles if t.service_name == focused), None)
        if wanted is None and tiles and not isinstance(self.focused, ServiceTile):
            wanted = tiles[0]
        if wanted is not None:
            wanted.focus()

    def action_back(self) -> None:
        self.oncall.back_to_overview()

    def action_open_service(self) -> None:
        if isinstance(self.focused, ServiceTile):
            self.oncall.open_service(self.focused.service_name)
