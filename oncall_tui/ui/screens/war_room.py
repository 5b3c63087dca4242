"""The war-room view: one big tile per service, worst first, for a shared screen.

Read from the back of a room with nobody at the keyboard: every tile says its status by a
large word and glyph as well as colour, the worst check with its value and how long it has
been so, the firing alerts and how old the data is. The app's tick keeps it current.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Digits, Footer, Static

from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot, ServiceSnapshot
from oncall_tui.render.values import format_age, format_value
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.cells import age_text
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.changes import ChangeList
from oncall_tui.ui.widgets.header import DashboardHeader

_STATUS_CLASSES = tuple(f"-{s.value}" for s in Status)

# -- pure text and layout (tested without an app) ------------------------------------------

#: a 3x3 box-drawing font for the status words, in the style of Textual's Digits
_LETTERS: dict[str, tuple[str, str, str]] = {
    "A": ("╭─╮", "├─┤", "╵ ╵"),
    "C": ("╭─╴", "│  ", "╰─╴"),
    "D": ("┌─╮", "│ │", "└─╯"),
    "E": ("┌─╴", "├─ ", "└─╴"),
    "I": ("╶┬╴", " │ ", "╶┴╴"),
    "K": ("╷ ╱", "├┤ ", "╵ ╲"),
    "L": ("╷  ", "│  ", "╰─╴"),
    "N": ("╭╮╷", "│││", "╵╰╯"),
    "O": ("╭─╮", "│ │", "╰─╯"),
    "R": ("┌─╮", "├┬╯", "╵╰╴"),
    "S": ("╭─╴", "╰─╮", "╶─╯"),
    "T": ("╶┬╴", " │ ", " ╵ "),
    "W": ("╷ ╷", "│││", "╰┴╯"),
}


def big_word(status: Status) -> str:
    """`✖ CRIT` drawn three lines high: the glyph in the middle line, then the word."""
    rows = ["  ", f"{status.glyph} ", "  "]
    for letter in status.word:
        shape = _LETTERS.get(letter, ("   ", f" {letter} ", "   "))
        for i in range(3):
            rows[i] += shape[i] + " "
    return "\n".join(row.rstrip() for row in rows)


def war_room_order(services: Sequence[ServiceSnapshot]) -> tuple[ServiceSnapshot, ...]:
    """Worst first; equal statuses keep the config order, so tiles do not shuffle."""
    indexed = list(enumerate(services))
    indexed.sort(key=lambda pair: (-pair[1].status.rank, pair[0]))
    return tuple(service for _, service in indexed)


def headline_check(service: ServiceSnapshot) -> CheckSnapshot | None:
    """The check a tile leads with: the worst, a KPI before other kinds, the longest so.

    When everything is fine, the request rate (the traffic) is the most telling number.
    """
    if not service.checks:
        return None
    top = max(c.status.rank for c in service.checks)
    if top == Status.OK.rank:
        rate = service.check(CheckKind.KPI, "request_rate")
        if rate is not None:
            return rate
    candidates = [c for c in service.checks if c.status.rank == top]
    return min(
        candidates,
        key=lambda c: (c.id.kind is not CheckKind.KPI, math.inf if c.since is None else c.since),
    )


def check_title(check: CheckSnapshot) -> str:
    title = check.title or check.id.key.replace("_", " ")
    if check.id.kind is CheckKind.HEALTH:
        return f"{title} probe"
    return title


def value_text(check: CheckSnapshot) -> str:
    """The value with its unit; alert counts and pod summaries in words."""
    if check.id.kind is CheckKind.ALERTS:
        return "" if check.value is None else f"{int(check.value)} alerts"
    if check.id.kind is CheckKind.KUBERNETES:
        summary = getattr(check.detail, "summary", None)
        return summary if isinstance(summary, str) else ""
    if check.id.kind is not CheckKind.KPI or check.value is None:
        return ""
    return format_value(check.value, check.unit)


def what_line(check: CheckSnapshot | None, now: float) -> str:
    """`cache hit rate 52.2 % · ✖ CRIT for 30 s`."""
    if check is None:
        return "no checks configured"
    parts = [check_title(check)]
    value = value_text(check)
    if value:
        parts.append(value)
    state = f"{check.status.glyph} {check.status.word}"
    if check.level and check.level.lower() != check.status.value:
        state += f" ({check.level})"
    if check.since is not None:
        state += f" for {format_age(max(0.0, now - check.since))}"
    return f"{' '.join(parts)} · {state}"


def others_text(service: ServiceSnapshot, headline: CheckSnapshot | None, limit: int = 8) -> str:
    """The other checks that are not ok, worst first, one a line; or `all 14 checks ok`."""
    others = [
        c
        for c in service.checks
        if c.status is not Status.OK and c is not headline and c.id.kind is not CheckKind.ALERTS
    ]
    if not others:
        if service.status is Status.OK and service.checks:
            return f"all {len(service.checks)} checks ok"
        return ""
    others.sort(key=lambda c: -c.status.rank)
    lines = []
    for check in others[:limit]:
        value = value_text(check)
        parts = [check.status.glyph, check_title(check), value, check.status.word]
        lines.append(" ".join(p for p in parts if p))
    if len(others) > limit:
        lines.append(f"and {len(others) - limit} more")
    return "\n".join(lines)


def alerts_line(service: ServiceSnapshot) -> str:
    """`◉ 3 alerts firing`, `no alerts firing`, `alerts STALE: 2 firing 40 s ago`."""
    check = next(iter(service.of_kind(CheckKind.ALERTS)), None)
    if check is None:
        return "no alert source"
    if check.value is None:
        return f"alerts {check.status.glyph} {check.status.word}"
    count = int(check.value)
    text = f"◉ {count} alert{'s' if count != 1 else ''} firing" if count else "no alerts firing"
    if check.status.is_unknown:
        text += f" ({check.status.word})"
    return text


def data_line(service: ServiceSnapshot, now: float) -> tuple[str, bool]:
    """How old the service's data is, and whether it is stale (said in words)."""
    stale = [c for c in service.checks if c.status is Status.STALE]
    if stale:
        times = [c.updated_at for c in stale if c.updated_at is not None]
        shown = "no data ever" if not times else f"data from {format_age(now - min(times))} ago"
        return f"{Status.STALE.glyph} STALE: {shown}", True
    times = [c.updated_at for c in service.checks if c.updated_at is not None]
    if not times:
        return f"{Status.NODATA.glyph} no data yet", False
    return f"data {age_text(max(0.0, now - max(times)))}", False


def sources_line(snapshot: DashboardSnapshot | None, now: float) -> str:
    """`sources: ● demo 2 s ago · ◌ prometheus default STALE 42 s ago`."""
    if snapshot is None or not snapshot.sources:
        return "sources: waiting for data"
    parts = []
    for source in snapshot.sources:
        age = age_text(None if source.last_success is None else now - source.last_success)
        if source.ok:
            parts.append(f"{Status.OK.glyph} {source.name} {age}")
        else:
            status = source.error.kind.status if source.error is not None else Status.STALE
            parts.append(f"{status.glyph} {source.name} {status.word} {age}")
    return "sources: " + " · ".join(parts)


MIN_TILE_WIDTH = 30
MIN_TILE_HEIGHT = 6  # border, name, status line, what, data
ROOMY_TILE_HEIGHT = 14  # enough for the big word and the big value
MEDIUM_TILE_HEIGHT = 10  # the big word, the value in plain text
TARGET_ASPECT = 0.8  # tile width over height, with a cell twice as tall as it is wide


@dataclass(frozen=True)
class GridShape:
    columns: int
    tile_height: int  # rows taller than the room scroll


def grid_shape(count: int, width: int, height: int) -> GridShape:
    """Columns and tile height filling `width` x `height` with `count` tiles.

    Tiles must fit their text; among the shapes that do, the one closest to a squarish tile
    wins, with empty slots in the last row counted against it.
    """
    if count <= 0:
        return GridShape(1, max(height, MIN_TILE_HEIGHT))
    best: tuple[tuple[bool, float], GridShape] | None = None
    for columns in range(1, count + 1):
        tile_width = width // columns
        if columns > 1 and tile_width < MIN_TILE_WIDTH:
            break
        rows = math.ceil(count / columns)
        tile_height = height // rows
        fits = tile_height >= MIN_TILE_HEIGHT
        aspect = tile_width / (2 * max(tile_height, 1))
        empty = columns * rows - count
        if fits:
            score = abs(math.log(aspect / TARGET_ASPECT)) + empty / columns
        else:
            score = -columns  # nothing fits: as many columns as allowed, then scroll
        shape = GridShape(columns, max(tile_height, MIN_TILE_HEIGHT))
        if best is None or (not fits, score) < best[0]:
            best = ((not fits, score), shape)
    assert best is not None
    return best[1]


# -- widgets -------------------------------------------------------------------------------


class ServiceTile(Widget, can_focus=True):
    """One service, big. Its status class (`-crit`, ...) makes a crit tile the loudest thing."""

    def __init__(self, service: ServiceSnapshot) -> None:
        super().__init__(id=f"tile-{_safe_id(service.name)}")
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
                tile.call_after_refresh(tile.show, service, now)
            self.call_after_refresh(self._settle, focused)
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


def _safe_id(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)
