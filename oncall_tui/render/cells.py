"""Pure text for the dashboard: status labels, matrix cells, ages, threshold legends.

Kept free of widgets so the wording can be tested without running an app. Every status is
told by glyph and word as well as colour, so a monochrome terminal still reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oncall_tui.config.model import STANDARD_KPIS, Thresholds
from oncall_tui.engine.snapshot import CheckSnapshot, ServiceSnapshot, TimelineEvent
from oncall_tui.glyphs import ARROW, DOT, SEP
from oncall_tui.render.slo_text import budget_cell_text
from oncall_tui.render.values import format_age, format_ago, format_value
from oncall_tui.render.verdicts import pending_text, stale_text
from oncall_tui.sources.alerts.records import ServiceAlerts
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.status import Status
from oncall_tui.units import Unit

#: matrix column titles of the standard KPIs: (wide, narrow)
KPI_HEADINGS: dict[str, tuple[str, str]] = {
    "request_rate": ("request rate", "rate"),
    "latency_p50": ("p50", "p50"),
    "latency_p95": ("p95", "p95"),
    "latency_p99": ("p99", "p99"),
    "error_rate": ("error rate", "err"),
    "cache_hit_rate": ("cache hit", "cache"),
    "pool_usage": ("pool", "pool"),
    "queue_depth": ("queue", "queue"),
}
#: the name a KPI column keeps when its unit moves into the heading (`error %`); empty: the
#: unit alone names the column (`req/s`)
KPI_UNIT_NAMES: dict[str, str] = {
    "request_rate": "",
    "latency_p50": "p50",
    "latency_p95": "p95",
    "latency_p99": "p99",
    "error_rate": "error",
    "cache_hit_rate": "cache",
    "pool_usage": "pool",
    "queue_depth": "queue",
}
#: what each status means, for the help screen's legend
STATUS_MEANINGS: dict[Status, str] = {
    Status.OK: "within thresholds",
    Status.WARN: "past the warn level",
    Status.CRIT: "past the crit level",
    Status.PENDING: "past a level, inside its for: hold",
    Status.NODATA: "query returned nothing",
    Status.STALE: "fetch failed, value old",
    Status.ERROR: "query rejected or wrong",
}
#: check kinds that get one summary column when some service has checks of that kind
KIND_HEADINGS: dict[CheckKind, tuple[str, str]] = {
    CheckKind.HEALTH: ("health", "health"),
    CheckKind.KUBERNETES: ("pods", "pods"),
    CheckKind.ALERTS: ("alerts", "alerts"),
    CheckKind.SLO: ("budget", "slo"),
}


def status_label(status: Status, *, word: bool = True) -> str:
    """`✖ CRIT`; the word is left out only for ok when space is short."""
    if not word:
        return status.glyph
    return f"{status.glyph} {status.word}"


def kpi_columns(services: Sequence[ServiceSnapshot]) -> tuple[str, ...]:
    """The standard KPI columns, with p95 only when some service measures it."""
    has_p95 = any(s.check(CheckKind.KPI, "latency_p95") is not None for s in services)
    return tuple(k for k in STANDARD_KPIS if k != "latency_p95" or has_p95)


def value_suffix(unit: Unit) -> str | None:
    """The text every value of `unit` ends with (`%`, `req/s`); None when it depends on the
    value (`ms` or `s`, `KiB` or `MiB`) or there is none."""
    if unit.kind.percentage:
        return "%"
    return None if unit.kind.scaled else unit.text


def shared_unit(services: Sequence[ServiceSnapshot], column: str) -> str | None:
    """The unit every service's `column` KPI is shown in, when they all share one that does
    not change with the value: then the heading can say it once (`error %`)."""
    suffixes = {
        value_suffix(check.unit)
        for service in services
        if (check := service.check(CheckKind.KPI, column)) is not None
    }
    return suffixes.pop() if len(suffixes) == 1 else None


def unit_heading(column: str, unit: str) -> str:
    """`error %`, `pool %`, `req/s`: a KPI column's heading that carries its cells' unit."""
    return f"{KPI_UNIT_NAMES.get(column, column)} {unit}".strip()


def kind_columns(services: Sequence[ServiceSnapshot]) -> tuple[CheckKind, ...]:
    """Check kinds beyond KPIs that some service has, in a fixed order."""
    return tuple(k for k in KIND_HEADINGS if any(s.of_kind(k) for s in services))


@dataclass(frozen=True)
class Cell:
    """One matrix cell: its text and the status that colours it."""

    text: str
    status: Status | None  # None: nothing to judge (the service has no such check)


def kpi_cell(
    check: CheckSnapshot | None,
    *,
    compact: bool = False,
    narrow: bool = False,
    unit_in_heading: str | None = None,
    now: float | None = None,
) -> Cell:
    """`✖ 2.31 s CRIT`; ok cells drop the word.

    Compact and narrow warn and crit cells with a value keep glyph and value: the row's status
    column says the worst word and each glyph is distinct per status (the help screen has the
    legend). Stale, error and nodata always say their word (`◌ 832 STALE`, `○ NODATA`): data
    that cannot be trusted is told apart in words. With `unit_in_heading` (`%`) the column
    heading says the unit, so the value leaves it out.

    A pending breach always says what it is pending to (`◔ 95 ms CRIT in 25 s` given `now`;
    `◔ 95 ms PENDING` where space is short), and a stale value keeps its last verdict's glyph
    and colour (`✖ 95 ms ◌ STALE 40 s`): a value over its line never reads as ok or grey.
    """
    if check is None:
        return Cell(str(DOT), None)
    status = check.status
    value = format_value(check.value, check.unit) if check.value is not None else ""
    suffix = f" {unit_in_heading}" if unit_in_heading else ""
    if suffix and value.endswith(suffix):
        value = value[: -len(suffix)]
    loudest = check.loudest
    last = check.last_verdict
    if status in (Status.STALE, Status.ERROR) and last is not None and last.is_loud:
        # stale or in error, last known over a line: its glyph leads even where STALE ranks
        # louder (a pending or warn value), so the breach never drops out of the cell
        parts = [last.glyph, value] if value else [last.glyph]
        stale = f"{status.glyph} {status.word}"
        if now is not None and not narrow:
            stale = stale_text(check, now)  # with the data's age
        return Cell(" ".join([*parts, stale]), loudest)
    parts = [status.glyph]
    if value:
        parts.append(value)
    if status is Status.PENDING:
        if narrow or now is None:
            parts.append(status.word)
        else:
            parts.append(pending_text(check, now))
        return Cell(" ".join(parts), status)
    # where space is short the glyph alone tells a breach (the row's status column says the
    # worst word); stale, error and nodata keep theirs: data that cannot be trusted says so
    drop_word = bool(value) and (narrow or compact) and status.is_breach
    if status is not Status.OK and not drop_word:
        parts.append(status.word)
    return Cell(" ".join(parts), status)


def kind_cell(checks: Iterable[CheckSnapshot], *, narrow: bool = False) -> Cell:
    """Several checks of one kind in one cell: `live ● ready ✖ grpc ●`."""
    checks = tuple(checks)
    if not checks:
        return Cell(str(DOT), None)
    if checks[0].id.kind is CheckKind.ALERTS:
        return alerts_cell(checks[0])
    if checks[0].id.kind is CheckKind.KUBERNETES:
        return pods_cell(checks[0], narrow=narrow)
    if checks[0].id.kind is CheckKind.SLO:
        # `✖ 41% CRIT`: the worst SLO's budget; `✖ 41%` where space is short
        text, status, _ = budget_cell_text(checks, short=narrow)
        return Cell(text, status)
    rolled = max((c.loudest for c in checks), key=lambda s: s.rank)
    if narrow and len(checks) > 2:
        # `3/4 ✖ready`: how many are ok, then every one that is not, named, worst first
        bad = sorted(
            (c for c in checks if c.loudest is not Status.OK), key=lambda c: -c.loudest.rank
        )
        if not bad:
            return Cell(f"{rolled.glyph} {len(checks)}/{len(checks)} ok", rolled)
        names = " ".join(f"{c.loudest.glyph}{c.title or c.id.key}" for c in bad)
        return Cell(f"{len(checks) - len(bad)}/{len(checks)} {names}", rolled)
    text = " ".join(f"{c.title or c.id.key} {c.loudest.glyph}" for c in checks)
    if rolled is not Status.OK:
        text += f" {rolled.word}"
    return Cell(text, rolled)


def pods_cell(check: CheckSnapshot, *, narrow: bool = False) -> Cell:
    """`● 3/3`, `✖ 2/3 ⟳5 CRIT` (ready/desired, ⟳ restarts in the last hour); a failed read
    keeps the last count and says STALE, or says only the word when nothing was ever read."""
    status = check.status
    if not isinstance(check.detail, Workloads):
        return Cell(f"{status.glyph} {status.word}", status)
    text = f"{status.glyph} {check.detail.summary}"
    if status is not Status.OK and (not narrow or status.is_unknown):
        text += f" {status.word}"
    return Cell(text, status)


def alerts_cell(check: CheckSnapshot) -> Cell:
    """The overview's alerts column: `2 ✖crit`, `1 ▲warn`, `0 ●`; stale keeps its count."""
    count = int(check.value) if check.value is not None else None
    status = check.status
    if count is None:
        return Cell(f"{status.glyph} {status.word}", status)
    if status is Status.OK:
        return Cell(f"{count} {status.glyph}", status)
    if status in (Status.STALE, Status.ERROR) and isinstance(check.detail, ServiceAlerts):
        shown = check.detail.worst_firing()
        if shown is not None and count:
            return Cell(f"{count} {shown.glyph}{shown.value} {status.word}", status)
    return Cell(f"{count} {status.glyph}{status.value}", status)


def age_text(seconds: float | None) -> str:
    """`42 s ago`, `just now`, `never`."""
    return format_ago(seconds)


def threshold_legend(thresholds: Thresholds | None, unit: Unit) -> str:
    """`warn >= 1 s · crit >= 5 s`, or `no thresholds`. A value on the line is in breach
    (the engine judges `>=` and `<=`), so the legend says so."""
    if thresholds is None or not thresholds.levels:
        return "no thresholds"
    sign = thresholds.direction.sign
    parts = [f"{lv.name} {sign} {format_value(lv.value, unit)}" for lv in thresholds.levels]
    legend = SEP.join(parts)
    if thresholds.hold:
        legend += f"{SEP}for {format_age(thresholds.hold)}"
    return legend


def distance_text(check: CheckSnapshot) -> str:
    """How far the value is from the next level up: `critical at 5 s (2.69 s away)`."""
    if check.value is None or check.next_level is None:
        return ""
    name, limit = check.next_level
    gap = abs(limit - check.value)
    return (
        f"next: {name} at {format_value(limit, check.unit)} ({format_value(gap, check.unit)} away)"
    )


def labels_text(check: CheckSnapshot) -> str:
    """The worst series of a multi-series KPI and how many series there are."""
    if check.series_count <= 1 and not check.labels:
        return ""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(check.labels.items()))
    count = f"{check.series_count} series"
    return f"worst: {labels} ({count})" if labels else count


def event_text(event: TimelineEvent, *, clock_text: str, with_service: bool = True) -> str:
    """`08:31:02 arq error rate ● OK → ✖ CRIT`, `● OK → ◔ PENDING crit`,
    `✖ CRIT → ◌ STALE (last crit)`."""
    what = event.title or event.check.key.replace("_", " ")
    if with_service:
        what = f"{event.check.service} {what}"
    level = f" ({event.level})" if event.level and event.level not in ("warn", "crit") else ""
    if event.pending is not None:
        pending = event.pending.value
        level += f" {pending}" if event.after is Status.PENDING else f" ({pending} pending)"
    if event.last_verdict is not None and event.last_verdict.is_loud:
        level += f" (last {event.last_verdict.value})"
    change = f"{status_label(event.before)} {ARROW} {status_label(event.after)}"
    return f"{clock_text} {what} {change}{level}"
