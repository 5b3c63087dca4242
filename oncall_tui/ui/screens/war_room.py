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
from textual.widgets import Static

from oncall_tui.engine.snapshot import DashboardSnapshot, ServiceSnapshot
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
from oncall_tui.ui.incidents.war_clock import IncidentClock
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.changes import ChangeList
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.widgets.glyph_widgets import BigDigits
from oncall_tui.ui.widgets.header import DashboardHeader
from oncall_tui.ui.widgets.kpi_panel import status_class_changes


class ServiceTile(Widget, can_focus=True):
    """One service, big. Its status class (`-crit`, ...) makes a crit tile the loudest thing.

    Its parts are held, never queried: a tile is shown as soon as it is mounted, and the parts
    inside its value row are composed a step later than the tile (mounting is asynchronous,
    refreshes are not), so a query could find nothing (`NoMatches '.tile-unit'`)."""

    def __init__(self, service: ServiceSnapshot) -> None:
        # no id: tiles are held, never queried, and a service that goes and comes back while
        # its old tile is still being removed gets a new tile beside it (an id would clash)
        super().__init__()
        self.service_name = service.name
        self._service: ServiceSnapshot | None = None
        self._texts: dict[str, str] = {}
        self.border_title = service.name
        self._parts = {
            name: Static("", classes=f"tile-{name}", markup=False)
            for name in ("name", "word", "status", "unit", "what", "others", "alerts", "data")
        }
        self._digits = BigDigits("", classes="tile-digits")

    def compose(self) -> ComposeResult:
        parts = self._parts
        yield parts["name"]
        yield parts["word"]
        yield parts["status"]
        with Horizontal(classes="tile-value"):
            yield self._digits
            yield parts["unit"]
        yield parts["what"]
        yield parts["others"]
        yield parts["alerts"]
        yield parts["data"]

    @property
    def service(self) -> ServiceSnapshot | None:
        return self._service

    def show(self, service: ServiceSnapshot, now: float) -> None:
        """Update in place; a text is repainted only when it changed. Safe before the tile
        (or any part of it) is composed: the held parts keep what they are given."""
        previous, self._service = self._service, service
        status = service.status
        if previous is None or previous.status is not status:
            self.border_subtitle = f"{status.glyph} {status.word}"
        check = headline_check(service)
        number, unit = "", ""
        if check is not None and check.id.kind is CheckKind.KPI and check.value is not None:
            number, _, unit = format_value(check.value, check.unit).partition(" ")
        data, stale = data_line(service, now)
        # one batch: each class change restyles the tile and every part inside it, and the
        # war room's tiles change status together
        self.update_classes(
            {
                **status_class_changes(f"-{status.value}"),
                "-data-stale": stale,
                "-no-digits": not number,
            }
        )
        self._set("name", service.title if service.title != service.name else "")
        self._set("word", big_word(status))
        self._set("status", f"{status.glyph} {status.word}")
        self._set("unit", unit)
        self._set("what", what_line(check, now))
        self._set("others", others_text(service, check))
        self._set("alerts", alerts_line(service))
        self._set("data", data)
        if self._texts.get("digits") != number:
            self._texts["digits"] = number
            self._digits.update(number)

    def _set(self, part: str, text: str) -> None:
        if self._texts.get(part) != text:
            self._texts[part] = text
            self._parts[part].update(text)


class TileGrid(Grid):
    """The tiles; it picks its column count and row height from its own size."""

    def on_resize(self, event: Resize) -> None:
        self.relayout()

    def relayout(self) -> None:
        width, height = self.size
        if not width or not height:
            return
        shape = grid_shape(sum(1 for c in self.children if c.display), width, height)
        if self.styles.grid_size_columns != shape.columns:
            self.styles.grid_size_columns = shape.columns
        rows = f"{shape.tile_height}"
        if str(self.styles.grid_rows) != rows:
            self.styles.grid_rows = rows
        roomy = shape.tile_height >= ROOMY_TILE_HEIGHT
        medium = not roomy and shape.tile_height >= MEDIUM_TILE_HEIGHT
        for tile in self.query(ServiceTile):
            tile.update_classes({"-medium": medium, "-compact": not roomy and not medium})


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
        # held, not queried: the screen is shown on every tick, also before it is composed
        self._clock = IncidentClock(id="war-incident")
        self._grid = TileGrid(id="war-tiles")
        self._changes = ChangeList(limit=2, id="war-changes")
        self._sources = Static("", id="war-sources", markup=False)
        self._tiles: dict[str, ServiceTile] = {}
        self._order: list[str] = []  # the services in screen order, worst first

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        yield self._clock
        yield self._grid
        yield self._changes
        yield self._sources
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show(self.oncall.snapshot, self.oncall.now())

    @property
    def tiles(self) -> list[ServiceTile]:
        """The tiles in screen order (worst first)."""
        return [self._tiles[name] for name in self._order]

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        """Tiles are kept and reused: a service seen for the first time is mounted, one that
        goes is hidden (never removed: a tile mounted again under its id while the old one
        is still being removed is DuplicateIds), the rest are moved into order. Each is
        shown at once (its parts are held, so it may be shown before it is composed)."""
        grid = self._grid
        if not grid.is_mounted:
            # the screen is installed and shown before it is composed: draw it once it is
            # (its on_mount shows the latest snapshot again)
            self._rendered_version = None
            return
        order = war_room_order(snapshot.services)
        names = [s.name for s in order]
        wanted = set(names)
        for name, tile in self._tiles.items():
            tile.display = name in wanted
        new = [ServiceTile(s) for s in order if s.name not in self._tiles]
        if new:
            focused = self.focused.service_name if isinstance(self.focused, ServiceTile) else None
            self._tiles.update((tile.service_name, tile) for tile in new)
            grid.mount_all(new)
            self.after_refresh("war-room focus", self._settle, focused)
        if names != self._order:
            # every held tile in the grid's order: the shown ones first, worst first
            current = [c for c in grid.children if isinstance(c, ServiceTile)]
            hidden = [n for n in self._tiles if n not in wanted]
            if len(current) == len(self._tiles):  # else not all attached yet: next time
                for index, name in enumerate([*names, *hidden]):
                    tile = self._tiles[name]
                    if current[index] is not tile:
                        grid.move_child(tile, before=current[index])
                        current.remove(tile)
                        current.insert(index, tile)
                self._order = names
            else:
                self._rendered_version = None  # draw the data again next tick
            grid.relayout()  # as many columns as tiles are shown
        for service in order:
            self._tiles[service.name].show(service, now)
        self._changes.show(snapshot.timeline)

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        self._clock.show(self.oncall.incident_view, self.oncall.incident_clocks())
        line = sources_line(snapshot, now)
        if line != self._sources_text:
            self._sources_text = line
            self._sources.update(line)
        for tile in self.tiles:
            if tile.service is not None:
                tile.show(tile.service, now)

    def _settle(self, focused: str | None) -> None:
        self._grid.relayout()
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
