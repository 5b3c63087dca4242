"""Immutable views of the state, handed to the UI and to `oncall status`.

The engine copies history out of its ring buffers into tuples before handing them over,
so a reader can never see the state change under it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oncall_tui.config.model import Thresholds
from oncall_tui.sources.alerts.records import AlertList
from oncall_tui.sources.base import CheckId, CheckKind, FetchError
from oncall_tui.status import Status
from oncall_tui.units import NO_UNIT, Unit

if TYPE_CHECKING:
    # the detail records of every kind of check, loaded by the sources that make them, and
    # an SLO's verdict, loaded by the state for a config with SLOs
    from oncall_tui.engine.slo import SloVerdict
    from oncall_tui.sources.details import CheckDetail


@dataclass(frozen=True)
class CheckSnapshot:
    """One check as judged: status, value, history and why."""

    id: CheckId
    title: str
    status: Status
    unit: Unit = NO_UNIT
    value: float | None = None  # the last value; stays when the check goes stale
    level: str | None = None  # the tier name of the current breach ("crit", "major", ...)
    since: float | None = None  # when the current status began
    since_open: bool = False  # a first look: the status was on before `since` already
    updated_at: float | None = None  # the last successful observation
    error: FetchError | None = None  # the last fetch's error, while it is failing
    labels: Mapping[str, str] = field(default_factory=dict)
    series_count: int = 0
    history: tuple[tuple[float, float], ...] = ()
    thresholds: Thresholds | None = None
    pending: Status | None = None  # the breach `for:` holds back, not yet counted
    pending_level: str | None = None  # its tier name ("crit", "major", ...)
    pending_since: float | None = None  # when that breach began
    hold: float = 0.0  # the check's `for:` in seconds
    last_verdict: Status | None = None  # while stale or in error: the verdict of the last data
    next_level: tuple[str, float] | None = None  # the next tier up and its threshold
    baseline: float | None = None
    runbook: str | None = None
    # the kind's own record (ProbeResult, Workloads, ...; an SLO's SloVerdict)
    detail: CheckDetail | SloVerdict | None = None

    def age(self, now: float) -> float | None:
        """Seconds since the last good data, or None when there never was any."""
        return None if self.updated_at is None else max(0.0, now - self.updated_at)

    @property
    def counts_at(self) -> float | None:
        """When the pending breach will count, if it holds until then."""
        if self.pending is None or self.pending_since is None:
            return None
        return self.pending_since + self.hold

    @property
    def loudest(self) -> Status:
        """The status to colour, rank and exit by: a stale check keeps its last verdict when
        that is louder (a crit stays crit while its data is stale)."""
        if self.last_verdict is not None and self.last_verdict.rank > self.status.rank:
            return self.last_verdict
        return self.status


@dataclass(frozen=True)
class ServiceSnapshot:
    """One service and its checks, with its rolled-up status."""

    name: str
    title: str
    status: Status
    since: float | None
    checks: tuple[CheckSnapshot, ...]

    def check(self, kind: CheckKind, key: str) -> CheckSnapshot | None:
        return next((c for c in self.checks if c.id.kind is kind and c.id.key == key), None)

    def of_kind(self, kind: CheckKind) -> tuple[CheckSnapshot, ...]:
        return tuple(c for c in self.checks if c.id.kind is kind)


@dataclass(frozen=True)
class SourceHealth:
    """How one source (a datasource, the probes, alertmanager) is doing."""

    name: str
    ok: bool
    last_success: float | None = None
    error: FetchError | None = None
    failing_since: float | None = None


@dataclass(frozen=True)
class TimelineEvent:
    """A check that changed status, and when."""

    at: float
    check: CheckId
    before: Status
    after: Status
    value: float | None = None
    level: str | None = None
    title: str = ""
    pending: Status | None = None  # after PENDING (or a breach pending to worse): to what
    last_verdict: Status | None = None  # after STALE or ERROR: the verdict the data had


@dataclass(frozen=True)
class DashboardExtras:
    """Records of the whole dashboard, beside the services' checks."""

    alerts: AlertList | None = None  # the last alert list; stays while fetches fail
    alerts_error: FetchError | None = None  # set while the alert fetch is failing


@dataclass(frozen=True)
class DashboardSnapshot:
    """Everything the UI and `oncall status` show, frozen at one moment."""

    generated_at: float
    version: int  # grows on every change; equal versions mean equal snapshots
    services: tuple[ServiceSnapshot, ...]
    sources: tuple[SourceHealth, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()  # oldest first
    paused: bool = False
    extras: DashboardExtras = DashboardExtras()

    def service(self, name: str) -> ServiceSnapshot | None:
        return next((s for s in self.services if s.name == name), None)
