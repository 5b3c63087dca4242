"""Pure text and layout of the war-room tiles: the big status word, the order, the lines.

Kept free of widgets so a tile's wording and the grid's shape are tested without an app.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot, ServiceSnapshot
from oncall_tui.glyphs import ALERT_FIRING, LETTERS, SEP
from oncall_tui.render.cells import age_text
from oncall_tui.render.slo_text import slo_tile_text
from oncall_tui.render.values import format_age, format_ago, format_value
from oncall_tui.render.verdicts import pending_word, verdict_text
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.status import Status


def big_word(status: Status) -> str:
    """`✖ CRIT` drawn three lines high: the glyph in the middle line, then the word, in the
    box-drawing letters of `glyphs.LETTERS` (in the style of Textual's Digits)."""
    rows = ["  ", f"{status.glyph} ", "  "]
    for letter in status.word:
        found = LETTERS.get(letter)
        shape = str(found).split("\n") if found else ["   ", f" {letter} ", "   "]
        for i in range(3):
            rows[i] += shape[i] + " "
    return "\n".join(row.rstrip() for row in rows)


def war_room_order(services: Sequence[ServiceSnapshot]) -> tuple[ServiceSnapshot, ...]:
    """Worst first; equal statuses keep the config order, so tiles do not shuffle."""
    indexed = list(enumerate(services))
    indexed.sort(key=lambda pair: (-pair[1].status.rank, pair[0]))  # rolled up with verdicts
    return tuple(service for _, service in indexed)


def headline_check(service: ServiceSnapshot) -> CheckSnapshot | None:
    """The check a tile leads with: the worst, a KPI before other kinds, the longest so.

    When everything is fine, the request rate (the traffic) is the most telling number.
    """
    if not service.checks:
        return None
    top = max(c.loudest.rank for c in service.checks)
    if top == Status.OK.rank:
        rate = service.check(CheckKind.KPI, "request_rate")
        if rate is not None:
            return rate
    candidates = [c for c in service.checks if c.loudest.rank == top]
    return min(
        candidates,
        key=lambda c: (c.id.kind is not CheckKind.KPI, math.inf if c.since is None else c.since),
    )


def check_title(check: CheckSnapshot) -> str:
    title = check.title or check.id.key.replace("_", " ")
    if check.id.kind is CheckKind.HEALTH:
        return f"{title} probe"
    if check.id.kind is CheckKind.SLO:
        return f"{title} SLO"
    return title


def value_text(check: CheckSnapshot) -> str:
    """The value with its unit; alert counts and pod summaries in words."""
    if check.id.kind is CheckKind.ALERTS:
        return "" if check.value is None else f"{int(check.value)} alerts"
    if check.id.kind is CheckKind.KUBERNETES:
        return check.detail.summary if isinstance(check.detail, Workloads) else ""
    if check.id.kind is CheckKind.SLO:
        return slo_tile_text(check)  # a firing burn, else the budget left
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
    state = verdict_text(check, now)
    if check.level and check.level.lower() != check.status.value and check.status.is_breach:
        state += f" ({check.level})"
    if check.since is not None:
        state += f" for {format_age(max(0.0, now - check.since))}"
    return f"{' '.join(parts)}{SEP}{state}"


def others_text(service: ServiceSnapshot, headline: CheckSnapshot | None, limit: int = 8) -> str:
    """The other checks that are not ok, worst first, one a line; or `all 14 checks ok`."""
    others = [
        c
        for c in service.checks
        if c.loudest is not Status.OK and c is not headline and c.id.kind is not CheckKind.ALERTS
    ]
    if not others:
        if service.status is Status.OK and service.checks:
            return f"all {len(service.checks)} checks ok"
        return ""
    others.sort(key=lambda c: -c.loudest.rank)
    lines = []
    for check in others[:limit]:
        value = value_text(check)
        word = check.status.word
        if check.loudest is not check.status:
            word = f"{check.loudest.word} {check.status.glyph} {check.status.word}"
        elif check.status is Status.PENDING:
            word = f"{word} {pending_word(check)}"
        parts = [check.loudest.glyph, check_title(check), value, word]
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
    text = (
        f"{ALERT_FIRING} {count} alert{'s' if count != 1 else ''} firing"
        if count
        else "no alerts firing"
    )
    if check.status.is_unknown:
        text += f" ({check.status.word})"
    return text


def data_line(service: ServiceSnapshot, now: float) -> tuple[str, bool]:
    """How old the service's data is, and whether it is stale (said in words)."""
    stale = [c for c in service.checks if c.status is Status.STALE]
    if stale:
        times = [c.updated_at for c in stale if c.updated_at is not None]
        shown = "no data ever" if not times else f"data from {format_ago(now - min(times))}"
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
        age = "no data yet" if source.last_success is None else age_text(now - source.last_success)
        if source.ok:
            parts.append(f"{Status.OK.glyph} {source.name} {age}")
        else:
            status = source.error.kind.status if source.error is not None else Status.STALE
            parts.append(f"{status.glyph} {source.name} {status.word} {age}")
    return "sources: " + SEP.join(parts)


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
