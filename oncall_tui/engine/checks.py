"""The mutable record behind one CheckSnapshot, owned by the state."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oncall_tui.config.model import Nodata, Thresholds
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.sources.base import CheckId, FetchError
from oncall_tui.status import Status, worst
from oncall_tui.units import NO_UNIT, Unit

if TYPE_CHECKING:
    # the detail records of every kind of check, loaded by the sources that make them, and
    # an SLO's verdict, loaded by the state for a config with SLOs
    from oncall_tui.config.slo_model import Slo
    from oncall_tui.engine.slo import SloVerdict
    from oncall_tui.sources.details import CheckDetail

HISTORY_POINTS = 720  # 1 h at 5 s; the range backfill is thinned to fit
#: statuses of a check whose last fetch failed: its last verdict is kept beside them
FAILED = (Status.STALE, Status.ERROR)


@dataclass
class CheckRecord:
    """The mutable record behind one CheckSnapshot."""

    id: CheckId
    title: str
    unit: Unit = NO_UNIT
    thresholds: Thresholds | None = None
    nodata: Nodata = Nodata()
    hold: float = 0.0
    runbook: str | None = None
    status: Status = Status.NODATA
    observed: bool = False  # has any observation (good or bad) arrived yet
    value: float | None = None
    level: str | None = None
    since: float | None = None
    updated_at: float | None = None
    error: FetchError | None = None
    labels: dict[str, str] = field(default_factory=dict)
    series_count: int = 0
    history: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=HISTORY_POINTS)
    )
    pending: Status | None = None  # the breach `for:` holds back (or held, once it counts)
    pending_level: str | None = None  # its tier name
    pending_since: float | None = None  # when that breach began
    verdict: Status | None = None  # the last judged status; kept while fetches fail
    rate_based: bool = False  # a rate of counters: stale, not decaying, while targets are down
    next_level: tuple[str, float] | None = None
    baseline: float | None = None
    detail: CheckDetail | SloVerdict | None = None
    cached: CheckSnapshot | None = None
    slo: Slo | None = None  # an SLO check: the latest error ratio of each of its windows
    ratios: dict[float, float | None] = field(default_factory=dict)

    def snapshot(self) -> CheckSnapshot:
        if self.cached is None:
            holding = self.holds_a_breach
            self.cached = CheckSnapshot(
                id=self.id,
                title=self.title,
                status=self.status,
                unit=self.unit,
                value=self.value,
                level=self.level,
                since=self.since,
                updated_at=self.updated_at,
                error=self.error,
                labels=dict(self.labels),
                series_count=self.series_count,
                history=tuple(self.history),
                thresholds=self.thresholds,
                pending=self.pending if holding else None,
                pending_level=self.pending_level if holding else None,
                pending_since=self.pending_since,
                hold=self.hold,
                last_verdict=self.verdict if self.status in FAILED else None,
                next_level=self.next_level,
                baseline=self.baseline,
                runbook=self.runbook,
                detail=self.detail,
            )
        return self.cached

    @property
    def holds_a_breach(self) -> bool:
        """Whether its held breach still stands: while it is over a line, and while its data
        failed after a loud verdict (a stale check that was pending keeps its tier and since)."""
        if self.status.is_loud:
            return True
        return self.status in FAILED and self.verdict is not None and self.verdict.is_loud

    @property
    def loudest(self) -> Status:
        """Its status, or its last verdict while the data failed when that is louder."""
        if self.status in FAILED and self.verdict is not None:
            return worst((self.status, self.verdict))
        return self.status
