"""KPIs of every service on one Prometheus datasource, a few HTTP requests per tick.

KPIs with the same interval are split into batches (`plan_batches`), one `Job` each; a run
of a batch is one instant query for all its KPIs (see `batch.py`), split back so that each
KPI keeps its own observation: worst series, nodata, errors in Prometheus's words.

A batch Prometheus rejects (400/422) is rerun one KPI at a time in the same run, so only the
broken KPI reports an error; KPIs that break a batch (a broken query, a scalar result) run on
their own from then on. Transport failures (unreachable, timeout, 5xx) hit the whole batch.

A KPI with `for:` loads its hold window as a range beside its first instant query (one batched
range query per hold length, at a step that resolves the hold), so that the state dates a
breach that began before this process started, the way Prometheus dates a rule's `for:`:
`oncall status` polls once, and a breach older than its hold counts at once. Otherwise history
never delays values: the next run loads the last `datasource.history` seconds as a range (one
batched range query) beside its instant query. After an outage, the gap (from the newest point
held, never the whole window again) is loaded the same way. The state merges these older
points in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oncall_tui.config.model import Datasource, Kpi, NodataMode, Service
from oncall_tui.lazy_log import lazy_logger
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    FetchFailed,
    Job,
    JobRun,
    Observation,
    Reading,
    Series,
    Source,
)
from oncall_tui.sources.prometheus.batch import (
    MAX_BATCH,
    combine,
    plan_batches,
    split,
    split_ranges,
)
from oncall_tui.sources.prometheus.client import (
    Points,
    PrometheusClient,
    worst_points,
    worst_series,
)
from oncall_tui.sources.prometheus.slo_queries import sli_members, sli_observations
from oncall_tui.sources.tasks import gather

log = lazy_logger(__name__)

#: at most this many points per KPI in the history loaded after the first value
HISTORY_POINTS = 240
#: a run this many intervals after the last good one means we missed points: fill the gap
GAP_INTERVALS = 2.0
#: points over a `for:` hold window: a breach is dated to a tenth of its hold, or one interval
HOLD_POINTS = 10
MAX_HOLD_POINTS = 240
#: how far back a KPI empty at its first answer is looked for its last value, and at how
#: many points: a step of 1 s at 10 min, finer than any scrape interval, so the last sample
#: before the staleness marker is always under a step (a coarser step can miss a short life)
LOOKBACK = 600.0
LOOKBACK_POINTS = 600

Result = list[Series] | FetchError


@dataclass(eq=False)  # identity: one per KPI, used as a dict key
class _Member:
    """One KPI of a batch, and what it remembers between runs."""

    check: CheckId
    kpi: Kpi
    alone: bool = False  # breaks a batched query: always queried on its own
    newest: float | None = None  # time of the newest value handed to the state
    last_ok: float | None = None  # clock time of the last successful run
    backfill: tuple[float, float] | None = None  # (start, end) of history still to load
    window: float | None = None  # an SLO's error ratio over this window (`kpi` is its query)


class PrometheusSource(Source):
    """Batched jobs for the KPIs and custom panels of every service on this datasource."""

    def __init__(
        self,
        datasource: Datasource,
        services: Sequence[Service],
        clock: Callable[[], float],
        *,
        max_batch: int = MAX_BATCH,
        blocking: bool = False,
    ) -> None:
        self.name = f"prometheus {datasource.name}"
        self.datasource = datasource
        self.client = PrometheusClient(datasource, blocking=blocking)
        self._clock = clock
        by_interval: dict[float, list[_Member]] = {}
        self._members = by_interval
        for service in services:
            for kpi in service.polled_kpis:
                member = _Member(CheckId(service.name, CheckKind.KPI, kpi.key), kpi)
                by_interval.setdefault(kpi.interval, []).append(member)
            # each window of an SLO is one more query, batched with the KPIs of its interval
            for check, kpi, window in sli_members(service):
                member = _Member(check, kpi, window=window)
                by_interval.setdefault(kpi.interval, []).append(member)
        self._jobs: list[Job] = []
        for interval, members in by_interval.items():
            for index, batch in enumerate(
                plan_batches(members, datasource.max_in_flight, max_batch)
            ):
                self._jobs.append(
                    Job(
                        key=f"prometheus:{datasource.name}:{interval:g}s:batch{index}",
                        interval=interval,
                        run=_BatchRun(self, tuple(batch)),
                        checks=tuple(dict.fromkeys(m.check for m in batch)),
                        # A rejected batch is rerun KPI by KPI within the same run.
                        timeout=2 * datasource.http.timeout + 1.0,
                        source=self.name,
                    )
                )

    def known_history(self, known: Mapping[CheckId, tuple[float, float]]) -> None:
        """The state already holds these KPIs' history from `first` to `last` (read from a
        recording): when that covers the `history:` window, the first range query asks
        only for the gap after `last`, not for the whole window again."""
        start = self._clock() - self.datasource.history
        for members in self._members.values():
            for m in members:
                span = known.get(m.check)
                if m.window is None and span is not None and span[0] <= start + 2 * m.kpi.interval:
                    m.newest = m.last_ok = span[1]

    def jobs(self) -> Sequence[Job]:
        return tuple(self._jobs)

    has_readiness = True

    async def ready(self) -> bool:
        return await self.client.ready()

    async def aclose(self) -> None:
        await self.client.aclose()

    def history_step(self, kpi: Kpi) -> float:
        return max(kpi.interval, self.datasource.history / HISTORY_POINTS)

    async def run_batch(self, members: tuple[_Member, ...]) -> list[Observation]:
        now = self._clock()
        pending = {m: m.backfill for m in members if m.backfill is not None}
        offsets: dict[float, list[_Member]] = {}
        for m in members:
            if m.kpi.thresholds.baseline is not None:
                offsets.setdefault(m.kpi.thresholds.baseline.offset, []).append(m)
        holds: dict[float, list[_Member]] = {}
        for m in members:
            if m.newest is None and m.kpi.thresholds.hold > 0:
                holds.setdefault(m.kpi.thresholds.hold, []).append(m)
        # Instant values, history, hold windows and baselines go out together: the run takes
        # as long as the slowest of them, not their sum.
        (current, history, held), pasts = await gather(
            gather(
                self._instant(members, None),
                self._backfill(pending),  # type: ignore[arg-type]
                self._hold_windows(holds, now),
            ),
            gather(*(self._instant(group, now - offset) for offset, group in offsets.items())),
        )
        for m, points in held.items():
            history[m] = [*history.get(m, ()), *points]
        emptied = [m for m in members if _recall_when_empty(m, current[m])]
        if emptied:
            recalled = await self._ranges(
                emptied, (now - LOOKBACK, now), LOOKBACK / LOOKBACK_POINTS
            )
            for m, points in recalled.items():
                history[m] = [*history.get(m, ()), *points]
        before: dict[_Member, Result] = {}
        for past in pasts:
            before.update(past)
        observations = []
        slis: list[tuple[CheckId, float, Result]] = []
        for m in members:
            if m.window is not None:
                slis.append((m.check, m.window, current[m]))
                continue
            outcome, baseline = current[m], before.get(m)
            error = next((r for r in (outcome, baseline) if isinstance(r, FetchError)), None)
            if error is not None:
                observations.append(Observation(m.check, error))
                continue  # a pending backfill stays pending until a run succeeds
            assert isinstance(outcome, list)
            reading = _reading(m.kpi, outcome, now, history.get(m, ()), baseline)
            self._remember(m, now, loaded=m in pending)
            observations.append(Observation(m.check, reading))
        observations.extend(sli_observations(slis, now))
        return observations

    def _remember(self, m: _Member, now: float, *, loaded: bool) -> None:
        """After a good run: what history the next run should load, if any."""
        if loaded:
            m.backfill = None  # loaded, or failed: history is decoration, not retried
        if self.datasource.history > 0:
            window = None
            if m.newest is None:  # the first value: the whole window before it
                window = (now - self.datasource.history - 0.001, now)  # keep the start point
            elif m.last_ok is not None and now - m.last_ok > GAP_INTERVALS * m.kpi.interval:
                window = (m.newest, now) if m.newest < now else None  # the missed points
            if window is not None and m.backfill is not None:
                window = (min(window[0], m.backfill[0]), max(window[1], m.backfill[1]))
            m.backfill = window or m.backfill
        m.newest = now if m.newest is None else max(m.newest, now)
        m.last_ok = now

    # -- instant queries -----------------------------------------------------------------------

    async def _instant(self, members: Sequence[_Member], at: float | None) -> dict[_Member, Result]:
        """Each member's series at `at` (now if None): one request for all that can share one."""
        together = [m for m in members if not m.alone]
        if len(together) < 2:
            together = []
        alone = [m for m in members if m.alone or not together]
        gathered: list[Any] = await gather(
            self._together(together, at), *(self._alone(m, at) for m in alone)
        )
        batched: dict[_Member, Result] = gathered[0]
        answers: list[tuple[str, Result]] = gathered[1:]
        results = dict(batched)
        results.update((m, answer) for m, (_, answer) in zip(alone, answers, strict=True))
        return results

    async def _alone(self, m: _Member, at: float | None) -> tuple[str, Result]:
        try:
            return await self.client.query_typed(m.kpi.query, at)
        except FetchFailed as failed:
            return "", failed.error

    async def _together(self, members: list[_Member], at: float | None) -> dict[_Member, Result]:
        if not members:
            return {}
        try:
            _, series = await self.client.query_typed(combine([m.kpi.query for m in members]), at)
            parts = split(series, len(members))
        except FetchFailed as failed:
            if failed.error.kind is not ErrorKind.BAD_QUERY:
                return {m: failed.error for m in members}
            return await self._isolate(members, at, failed.error)
        return dict(zip(members, parts, strict=True))

    async def _isolate(
        self, members: list[_Member], at: float | None, error: FetchError
    ) -> dict[_Member, Result]:
        """Rerun a rejected batch KPI by KPI, so only a broken query reports in its own words."""
        answers = await gather(*(self._alone(m, at) for m in members))
        results: dict[_Member, Result] = {}
        for m, (kind, answer) in zip(members, answers, strict=True):
            rejected = isinstance(answer, FetchError) and answer.kind is ErrorKind.BAD_QUERY
            if kind == "scalar" or rejected:
                m.alone = True
            results[m] = answer
        if not any(m.alone for m in members):
            # Each query works on its own but not combined (a limit on one query's samples or
            # length, say): stop batching these rather than fail and rerun every run.
            log.warning("%s: a batch failed (%s); its queries run on their own", self.name, error)
            for m in members:
                m.alone = True
        return results

    # -- history -------------------------------------------------------------------------------

    async def _backfill(self, pending: dict[_Member, tuple[float, float]]) -> dict[_Member, Points]:
        """The points of each pending window, strictly inside it; {} for a failed range."""
        together = [m for m in pending if not m.alone]
        if len(together) < 2:
            together = []
        alone = [m for m in pending if m.alone or not together]
        gathered: list[Any] = await gather(
            self._range_together(together, pending),
            *(self._range_alone(m, pending[m]) for m in alone),
        )
        batched: dict[_Member, Points] = gathered[0]
        answers: list[Points] = gathered[1:]
        results = dict(batched)
        results.update((m, points) for m, points in zip(alone, answers, strict=True) if points)
        return results

    def hold_step(self, kpi: Kpi) -> float:
        """The step of a hold window's range: fine enough to date a breach within the hold."""
        hold = kpi.thresholds.hold
        return max(min(kpi.interval, hold / HOLD_POINTS), hold / MAX_HOLD_POINTS, 0.001)

    async def _hold_windows(
        self, holds: dict[float, list[_Member]], now: float
    ) -> dict[_Member, Points]:
        """Each KPI's points over its `for:` window (and two steps before it), batched per hold."""
        answers = await gather(*(self._hold_window(group, now) for group in holds.values()))
        results: dict[_Member, Points] = {}
        for answer in answers:
            results.update(answer)
        return results

    async def _hold_window(self, members: list[_Member], now: float) -> dict[_Member, Points]:
        step = self.hold_step(members[0].kpi)
        window = (now - members[0].kpi.thresholds.hold - 2 * step, now)
        return await self._ranges(members, window, step)

    async def _ranges(
        self, members: list[_Member], window: tuple[float, float], step: float
    ) -> dict[_Member, Points]:
        """Each member's points inside `window`, batched where the queries can share one."""
        windows = dict.fromkeys(members, window)
        together = [m for m in members if not m.alone]
        if len(together) < 2:
            together = []
        alone = [m for m in members if m.alone or not together]
        batched, answers = await gather(
            self._range_together(together, windows, step),
            gather(*(self._range_alone(m, window, step) for m in alone)),
        )
        results: dict[_Member, Points] = dict(batched)
        results.update((m, points) for m, points in zip(alone, answers, strict=True) if points)
        return results

    async def _range_alone(
        self, m: _Member, window: tuple[float, float], step: float | None = None
    ) -> Points:
        start, end = window
        try:
            result = await self.client.query_range(
                m.kpi.query, start, round(end, 3), step or self.history_step(m.kpi)
            )
        except FetchFailed as failed:
            log.debug("history of %s not loaded: %s", m.check, failed.error)
            return []
        return _inside(worst_points(result, m.kpi.thresholds.direction), start, end)

    async def _range_together(
        self,
        members: list[_Member],
        pending: dict[_Member, tuple[float, float]],
        step: float | None = None,
    ) -> dict[_Member, Points]:
        if not members:
            return {}
        start = min(pending[m][0] for m in members)
        end = max(pending[m][1] for m in members)
        # one interval per batch, so one step
        step = step or self.history_step(members[0].kpi)
        query = combine([m.kpi.query for m in members])
        try:
            parts = split_ranges(
                await self.client.query_range(query, start, round(end, 3), step), len(members)
            )
        except FetchFailed as failed:
            if failed.error.kind is not ErrorKind.BAD_QUERY:
                log.debug("history of %s not loaded: %s", self.name, failed.error)
                return {}
            answers = await gather(*(self._range_alone(m, pending[m], step) for m in members))
            return dict(zip(members, answers, strict=True))
        return {
            m: _inside(worst_points(part, m.kpi.thresholds.direction), *pending[m])
            for m, part in zip(members, parts, strict=True)
        }


def _recall_when_empty(m: _Member, current: Result) -> bool:
    """A first answer that is empty, of a KPI judged by a line and with no meaning for empty:
    its last value within `LOOKBACK` says whether it was in breach when its data stopped."""
    kpi = m.kpi
    return (
        m.newest is None
        and m.window is None
        and current == []
        and kpi.nodata.mode is NodataMode.NODATA
        and bool(kpi.thresholds.levels)
    )


def _inside(points: Points, start: float, end: float) -> Points:
    """Points at or before `start` are held already; the one at `end` was reported then."""
    return [(t, v) for t, v in points if start < t < round(end, 3)]


def _reading(
    kpi: Kpi,
    current: Sequence[Series],
    now: float,
    history: Sequence[tuple[float, float]],
    before: Result | None,
) -> Reading:
    baseline = None
    if isinstance(before, list) and before:
        baseline = worst_series(before, kpi.thresholds.direction).value
    if not current:
        return Reading(
            at=now, empty=True, series_count=0, history=tuple(history), baseline=baseline
        )
    worst = worst_series(current, kpi.thresholds.direction)
    return Reading(
        at=now,
        value=worst.value,
        labels=dict(worst.labels),
        series_count=len(current),
        history=tuple(history),
        baseline=baseline,
    )


class _BatchRun(JobRun):
    """The job of one batch of queries of one interval."""

    def __init__(self, source: PrometheusSource, members: tuple[_Member, ...]) -> None:
        self._source = source
        self._members = members

    async def __call__(self) -> Sequence[Observation]:
        return await self._source.run_batch(self._members)
