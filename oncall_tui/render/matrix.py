"""Pure text of the overview matrix: which columns, their headings, each cell.

The widget (`ui/widgets/matrix.py`) only lays these out and paints them.
"""

from __future__ import annotations

from collections.abc import Sequence

from oncall_tui.engine.snapshot import ServiceSnapshot
from oncall_tui.render.cells import (
    KIND_HEADINGS,
    KPI_HEADINGS,
    Cell,
    kind_cell,
    kind_columns,
    kpi_cell,
    kpi_columns,
    shared_unit,
    status_label,
    unit_heading,
)
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status

STATUS_COLUMN = "status"
NAME_COLUMN = "service"


#: check kinds whose column is pinned beside status and name: what a paged engineer reads
#: first (is it firing, does it answer) never scrolls away
PINNED_KINDS = (CheckKind.ALERTS, CheckKind.HEALTH)


def matrix_columns(services: Sequence[ServiceSnapshot]) -> tuple[str, ...]:
    """Status, name, alerts, health (pinned), the standard KPIs (p95 when measured), then the
    other check kinds present (pods, budget)."""
    kinds = kind_columns(services)
    pinned = tuple(k.value for k in PINNED_KINDS if k in kinds)
    rest = tuple(k.value for k in kinds if k not in PINNED_KINDS)
    return (STATUS_COLUMN, NAME_COLUMN, *pinned, *kpi_columns(services), *rest)


def pinned_count(columns: Sequence[str]) -> int:
    """How many leading columns stay put while the others scroll sideways."""
    pinned = {STATUS_COLUMN, NAME_COLUMN, *(k.value for k in PINNED_KINDS)}
    count = 0
    for column in columns:
        if column not in pinned:
            break
        count += 1
    return count


def heading_units(services: Sequence[ServiceSnapshot], *, shortened: bool) -> dict[str, str]:
    """Units a KPI column's cells share, moved to its heading where space is short."""
    if not shortened:
        return {}
    found = {c: shared_unit(services, c) for c in kpi_columns(services)}
    return {c: unit for c, unit in found.items() if unit}


def column_heading(
    column: str, *, narrow: bool, unit: str | None = None, compact: bool = False
) -> str:
    """`error rate`, `err`, or `error %` when the unit moved into the heading."""
    if column == STATUS_COLUMN:
        return "status"
    if column == NAME_COLUMN:
        return "service"
    if unit:
        return unit_heading(column, unit)
    if column in KPI_HEADINGS:
        wide, short = KPI_HEADINGS[column]
    else:
        wide, short = KIND_HEADINGS[CheckKind(column)]
        if compact and column == CheckKind.SLO.value:
            return short  # `slo` over `● 53%` cells: the 120-column incident still fits
    return short if narrow else wide


def matrix_cell(
    service: ServiceSnapshot,
    column: str,
    *,
    compact: bool = False,
    narrow: bool = False,
    unit_in_heading: str | None = None,
    now: float | None = None,
) -> Cell:
    """The cell of `service` in `column`; `now` dates pending countdowns and stale ages."""
    if column == STATUS_COLUMN:
        return Cell(status_label(service.status), service.status)
    if column == NAME_COLUMN:
        return Cell(service.name, None if service.status is Status.OK else service.status)
    if column in KPI_HEADINGS:
        return kpi_cell(
            service.check(CheckKind.KPI, column),
            compact=compact,
            narrow=narrow,
            unit_in_heading=unit_in_heading,
            now=now,
        )
    return kind_cell(service.of_kind(CheckKind(column)), narrow=narrow or compact)
