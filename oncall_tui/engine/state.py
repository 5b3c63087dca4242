"""The live state: the latest reading and bounded history of every check, judged.

The poller feeds observations in with `apply()`; the UI and `oncall status` read immutable
`snapshot()`s. Everything here runs on one event loop, so there are no locks: the only
mutation is `apply()`, and snapshots copy out what they hand over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from oncall_tui.config.model import Config, Kpi, NodataMode
from oncall_tui.config.targets import TARGETS_KEY, is_rate_based
from oncall_tui.engine.checks import FAILED, HISTORY_POINTS, CheckRecord
from oncall_tui.engine.holds import hold
from oncall_tui.engine.listeners import StateListener
from oncall_tui.engine.snapshot import (
    DashboardExtras,
    DashboardSnapshot,
    ServiceSnapshot,
    SourceHealth,
    TimelineEvent,
)
from oncall_tui.engine.thresholds import judge
from oncall_tui.engine.timeline import Timeline
from oncall_tui.sources.alerts.records import AlertList
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    DashboardRecord,
    ErrorKind,
    FetchError,
    Observation,
    Reading,
)
from oncall_tui.sources.sli import SliRatios
from oncall_tui.status import Status, worst
from oncall_tui.units import RATIO, SECONDS

if TYPE_CHECKING:  # loaded for a config with SLOs (config.model names it on first use)
    from oncall_tui.config.slo_model import Slo


@dataclass
class _Service:
    """A service's checks and rolled-up status, as the state keeps them."""

    name: str
    title: str
    checks: dict[CheckId, CheckRecord] = field(default_factory=dict)
    status: Status = Status.NODATA
    since: float | None = None


@dataclass
class _SourceRecord:
    """A source's health: ok, its last success and its error."""

    name: str
    ok: bool = True
    last_success: float | None = None
    error: FetchError | None = None
    failing_since: float | None = None


def _kpi_check(service: str, kpi: Kpi) -> CheckRecord:
    return CheckRecord(
        id=CheckId(service, CheckKind.KPI, kpi.key),
        title=kpi.label,
        unit=kpi.unit,
        thresholds=kpi.thresholds,
        nodata=kpi.nodata,
        hold=kpi.thresholds.hold,
        runbook=kpi.runbook,
        rate_based=kpi.key != TARGETS_KEY and is_rate_based(kpi.query),
    )


class DashboardState:
    """Every check of every service, judged, with a timeline of changes."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._services: dict[str, _Service] = {}
        self._sources: dict[str, _SourceRecord] = {}
        self._extras = DashboardExtras()
        self.timeline = Timeline()
        self.version = 0
        self._paused = False
        self._snapshot: DashboardSnapshot | None = None
        self._service_snapshots: dict[str, ServiceSnapshot] = {}
        self._listeners: list[StateListener] = []
        for svc in config.services.values():
            record = _Service(svc.name, svc.title or svc.name)
            for kpi in svc.polled_kpis:
                check = _kpi_check(svc.name, kpi)
                record.checks[check.id] = check
            for probe in svc.health:
                check_id = CheckId(svc.name, CheckKind.HEALTH, probe.name)
                record.checks[check_id] = CheckRecord(
                    check_id, probe.name, unit=SECONDS, hold=probe.hold, runbook=probe.runbook
                )
            if svc.kubernetes is not None:
                check_id = CheckId(svc.name, CheckKind.KUBERNETES, "workloads")
                record.checks[check_id] = CheckRecord(check_id, "pods")
            for slo in svc.slos:
                check_id = CheckId(svc.name, CheckKind.SLO, slo.name)
                record.checks[check_id] = CheckRecord(
                    check_id, slo.name, unit=RATIO, runbook=slo.runbook, slo=slo
                )
            self._services[svc.name] = record

    # -- input -------------------------------------------------------------------------

    def add_listener(self, listener: StateListener) -> None:
        """Tell `listener` about every apply() and record_source() from now on."""
        self._listeners.append(listener)

    def apply(self, observations: Iterable[Observation]) -> None:
        """Judge and store observations; record status changes in the timeline."""
        now = self._clock()
        touched: set[str] = set()
        observations = list(observations)
        # scrape health first: it decides whether this batch's rates can be trusted
        for obs in sorted(observations, key=lambda o: not _is_targets(o)):
            if isinstance(obs.check, DashboardRecord):
                self._apply_record(obs.check, obs.outcome)
                continue
            check = self._check(obs.check)
            untrusted = self._untrusted(check, obs.outcome)
            if untrusted is not None:
                if isinstance(obs.outcome, Reading) and self._first_answer_loud(
                    check, obs.outcome, untrusted
                ):
                    self._apply_reading(check, obs.outcome, now)  # its value and verdict
                self._apply_error(check, untrusted, now)
            elif isinstance(obs.outcome, Reading):
                self._apply_reading(check, obs.outcome, now)
            else:
                self._apply_error(check, obs.outcome, now)
            check.observed = True
            check.cached = None
            touched.add(obs.check.service)
            if obs.check.key == TARGETS_KEY and obs.check.kind is CheckKind.KPI:
                self._mark_rates(obs.check.service, now)
        for name in touched:
            self._roll_up(self._services[name], now)
        self._changed()
        for listener in self._listeners:
            listener.observed(observations, now)

    def record_source(self, name: str, ok: bool, error: FetchError | None = None) -> None:
        """How a source's last job went; shown in the header."""
        now = self._clock()
        record = self._sources.setdefault(name, _SourceRecord(name))
        if ok:
            record.ok, record.last_success = True, now
            record.error, record.failing_since = None, None
        else:
            if record.ok:
                record.failing_since = now
            record.ok, record.error = False, error
        self._changed()
        for listener in self._listeners:
            listener.source_reported(name, ok, error, now)

    def resume(self, check_id: CheckId, status: Status, level: str | None, at: float) -> None:
        """Start a check not observed yet from a breach a record shows counted at `at`, when
        the breach began before the record does (a recording's first rows): its `for:` hold
        is not started again, so the check never reads quieter than the record. The next
        reading is judged as usual (with the current thresholds) on top of it."""
        check = self._check(check_id)
        if check.observed or not status.is_breach:
            return
        check.status, check.level, check.since, check.verdict = status, level, at, status
        check.cached = None
        self._changed()

    @property
    def paused(self) -> bool:
        """Whether polling is paused: held here alone, and said by every snapshot. The
        poller and the app read it; `Poller.pause()` and `resume()` set it."""
        return self._paused

    def set_paused(self, paused: bool) -> None:
        if paused != self._paused:
            self._paused = paused
            self._changed()

    # -- output ------------------------------------------------------------------------

    def snapshot(self) -> DashboardSnapshot:
        """An immutable view; the same object until something changes."""
        if self._snapshot is None:
            services = tuple(self._service_snapshot(s) for s in self._services.values())
            sources = tuple(
                SourceHealth(r.name, r.ok, r.last_success, r.error, r.failing_since)
                for r in self._sources.values()
            )
            self._snapshot = DashboardSnapshot(
                generated_at=self._clock(),
                version=self.version,
                services=services,
                sources=sources,
                timeline=self.timeline.events(),
                paused=self._paused,
                extras=self._extras,
            )
        return self._snapshot

    def _service_snapshot(self, service: _Service) -> ServiceSnapshot:
        """The service's last snapshot again when nothing of it changed (its checks are the
        same cached objects): readers can tell an unchanged service by identity."""
        checks = tuple(c.snapshot() for c in service.checks.values())
        last = self._service_snapshots.get(service.name)
        if (
            last is not None
            and last.status is service.status
            and last.since == service.since
            and last.title == service.title
            and len(last.checks) == len(checks)
            and all(a is b for a, b in zip(last.checks, checks, strict=True))
        ):
            return last
        fresh = ServiceSnapshot(
            name=service.name,
            title=service.title,
            status=service.status,
            since=service.since,
            checks=checks,
        )
        self._service_snapshots[service.name] = fresh
        return fresh

    def verdict(self, check_id: CheckId) -> tuple[Status, str | None, Status | None]:
        """A check's status, breach tier and held-back breach now (cheap: no snapshot)."""
        check = self._check(check_id)
        return check.status, check.level, check.pending

    def service_status(self, name: str) -> Status:
        service = self._services.get(name)
        return Status.NODATA if service is None else service.status

    # -- internals ---------------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        self._snapshot = None

    def _apply_record(self, record: DashboardRecord, outcome: Reading | FetchError) -> None:
        """A dashboard-wide record: a good fetch replaces it and ends the failure; a failed
        one keeps the last record (to show as stale) and says why."""
        if record is DashboardRecord.ALERT_LIST:
            if isinstance(outcome, FetchError):
                self._extras = replace(self._extras, alerts_error=outcome)
            elif isinstance(outcome.detail, AlertList):
                self._extras = DashboardExtras(alerts=outcome.detail)

    def _targets_down(self, name: str) -> FetchError | None:
        """The error a rate KPI of `name` reports while its targets are down, else None."""
        service = self._services.get(name)
        targets = (
            None
            if service is None
            else service.checks.get(CheckId(name, CheckKind.KPI, TARGETS_KEY))
        )
        if targets is None or targets.status is not Status.CRIT:
            return None
        gone = targets.series_count == 0
        return FetchError(
            ErrorKind.TARGETS_DOWN,
            "targets down: the job's up series are gone" if gone else "targets down: up == 0",
        )

    def _untrusted(self, check: CheckRecord, outcome: Reading | FetchError) -> FetchError | None:
        """Why a KPI's answer is not news of its service, else None: a rate while the targets
        are down (it only decays), or an empty answer that is not "no data": the targets are
        down (their series went stale), or the KPI was in breach just before. Either way the
        check goes stale and keeps its last verdict: the louder state wins."""
        if check.id.kind is not CheckKind.KPI or check.id.key == TARGETS_KEY:
            return None
        if check.rate_based:
            down = self._targets_down(check.id.service)
            if down is not None or not _unknown_empty(check, outcome):
                return down
            # an empty rate with the targets not known down: as any KPI gone empty
        if not _unknown_empty(check, outcome):
            return None
        assert isinstance(outcome, Reading)
        last = check.loudest
        if not last.is_loud and outcome.history:
            last = self._recall(check, outcome, last)
        down = self._targets_down(check.id.service)
        if down is not None:
            return down
        if last.is_loud:
            return FetchError(
                ErrorKind.SERIES_GONE,
                f"no data since {last.word}: the query came back empty while in breach",
            )
        return None

    def _first_answer_loud(self, check: CheckRecord, outcome: Reading, error: FetchError) -> bool:
        """A rate's first answer with its targets already down (a one-shot status, or the
        dashboard started after the exporter died): there is no value from before, so what
        the rate still says is the last value known. In breach (or pending) it is kept, with
        its verdict, under the stale "targets down"; a calm one is not taken as news."""
        if (
            check.observed
            or error.kind is not ErrorKind.TARGETS_DOWN
            or outcome.value is None
            or check.thresholds is None
            or not check.thresholds.levels
        ):
            return False
        return judge(outcome.value, check.thresholds).status.is_loud

    def _recall(self, check: CheckRecord, reading: Reading, last: Status) -> Status:
        """An empty answer that brings the points before it (the source's look back, or
        history): the newest one is the value the data stopped at, and its verdict (held by
        `for:` over those points) is the last one known. A breach there makes the emptied
        check stale "no data since CRIT" rather than nodata, even on a first poll."""
        self._merge_history(check, reading)
        if check.thresholds is None or not check.thresholds.levels or not check.history:
            return last
        at, value = check.history[-1]
        verdict = judge(value, check.thresholds)
        status, level = hold(check, verdict.status, verdict.level, at)
        if not status.is_loud:
            return last
        check.value, check.updated_at = value, at
        check.level, check.next_level = level, verdict.next_level
        check.verdict = status
        return status

    def _mark_rates(self, name: str, now: float) -> None:
        """The targets just went down: every rate KPI of the service is stale from now, and
        so is every KPI whose query already came back empty (its series went stale first)."""
        down = self._targets_down(name)
        if down is None:
            return
        for check in self._services[name].checks.values():
            emptied = check.status is Status.NODATA or (
                check.error is not None and check.error.kind is ErrorKind.SERIES_GONE
            )
            if (
                check.id.kind is CheckKind.KPI
                and check.id.key != TARGETS_KEY
                and (check.rate_based or emptied)
                and check.observed
                and check.error != down
            ):
                self._apply_error(check, down, now)
                check.cached = None

    def _check(self, check_id: CheckId) -> CheckRecord:
        service = self._services.get(check_id.service)
        if service is None:
            service = _Service(check_id.service, check_id.service)
            self._services[check_id.service] = service
        check = service.checks.get(check_id)
        if check is None:
            check = service.checks[check_id] = CheckRecord(check_id, check_id.key)
        return check

    def _apply_reading(self, check: CheckRecord, reading: Reading, now: float) -> None:
        if check.slo is not None and isinstance(reading.detail, SliRatios):
            self._apply_slo(check, check.slo, reading, now)
            return
        self._merge_history(check, reading)
        check.error = None
        check.updated_at = reading.at
        check.labels = dict(reading.labels)
        check.series_count = reading.series_count
        check.detail = reading.detail
        check.baseline = reading.baseline
        value = reading.value
        if reading.empty and check.nodata.mode is NodataMode.VALUE:
            value = check.nodata.value
        check.value = value
        if reading.status is not None:
            raw, level, next_level = reading.status, None, None
        elif value is None:
            raw = Status.OK if check.nodata.mode is NodataMode.OK else Status.NODATA
            level, next_level = None, None
        elif check.thresholds is None or not (check.thresholds.levels or check.thresholds.baseline):
            raw, level, next_level = Status.OK, None, None
        else:
            verdict = judge(
                value,
                check.thresholds,
                previous_level=check.level if check.status.is_breach else None,
                baseline=reading.baseline,
            )
            raw, level, next_level = verdict.status, verdict.level, verdict.next_level
        check.next_level = next_level
        self._set_status(check, *hold(check, raw, level, now), now)
        check.verdict = check.status

    def _apply_slo(self, check: CheckRecord, slo: Slo, reading: Reading, now: float) -> None:
        """Windows come in on their own intervals: judge the latest ratio of each."""
        assert isinstance(reading.detail, SliRatios)
        check.ratios.update(reading.detail.ratios)
        from oncall_tui.engine.slo import evaluate  # only a config with SLOs needs it

        verdict = evaluate(slo, check.ratios)
        check.error = None
        check.updated_at = reading.at
        check.detail = verdict
        check.value = verdict.budget_left
        if verdict.budget_left is not None:
            self._merge_history(check, Reading(at=reading.at, value=verdict.budget_left))
        check.next_level = None
        self._set_status(check, *hold(check, verdict.status, None, now), now)
        check.verdict = check.status

    def _apply_error(self, check: CheckRecord, error: FetchError, now: float) -> None:
        """The value stays, marked by the error's status; the last verdict stays beside it."""
        check.error = error
        if check.verdict is None and check.status not in FAILED:
            check.verdict = check.status
        self._set_status(check, error.kind.status, check.level, now)

    def _set_status(
        self, check: CheckRecord, status: Status, level: str | None, now: float
    ) -> None:
        level = level if status.is_breach or status in FAILED else None
        before, before_level = check.status, check.level
        check.level = level
        if status is before and (level == before_level or status in FAILED):
            if check.since is None:
                check.since = now
            return  # not a change: the timeline never logs `NODATA -> NODATA`
        check.status = status
        if status is not before or check.since is None:
            check.since = now
        if not check.observed and status is Status.OK:
            return  # the first good reading is not news
        self.timeline.record(
            TimelineEvent(
                at=now,
                check=check.id,
                before=before,
                after=status,
                value=check.value,
                level=level,
                title=check.title,
                pending=check.pending if status.is_loud else None,
                last_verdict=check.verdict if status in FAILED else None,
            )
        )

    def _merge_history(self, check: CheckRecord, reading: Reading) -> None:
        """Add new points; a backfill older than what is held is merged in time order."""
        points = list(reading.history)
        if reading.value is not None:
            points.append((reading.at, reading.value))
        if not points:
            return
        newest = check.history[-1][0] if check.history else float("-inf")
        if all(t > newest for t, _ in points):
            for point in sorted(points):
                if point[0] > newest:
                    check.history.append(point)
                    newest = point[0]
            return
        merged = dict(check.history)
        for t, v in points:
            merged.setdefault(t, v)
        check.history.clear()
        check.history.extend(sorted(merged.items())[-HISTORY_POINTS:])

    def _roll_up(self, service: _Service, now: float) -> None:
        """The worst part; a check whose data failed counts with its last verdict, so a service
        last known crit stays crit while stale."""
        status = worst(c.loudest for c in service.checks.values())
        if status is not service.status or service.since is None:
            service.status, service.since = status, now


def _unknown_empty(check: CheckRecord, outcome: Reading | FetchError) -> bool:
    """An empty answer the KPI has no meaning for (no `nodata: ok` or `nodata: VALUE`)."""
    return (
        isinstance(outcome, Reading)
        and outcome.empty
        and outcome.status is None
        and check.nodata.mode is NodataMode.NODATA
    )


def _is_targets(observation: Observation) -> bool:
    check = observation.check
    return isinstance(check, CheckId) and check.key == TARGETS_KEY
