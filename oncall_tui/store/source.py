"""`RecordingSource`: fills a DashboardState from a recording, so every screen works on it.

Two ways to drive it:
- as a `Source` (its one job returns what was recorded since the last run), for a follower
  of a file another process is writing;
- by time, for a replay or `oncall status --at`: `seek(t)` builds the state as it stood at
  `t`, `advance(t)` plays the rows up to `t`. Rows are applied in one-second groups with the
  state's clock set to the recorded time, so `for:` holds, `since` and ages come out as they
  were.

The verdicts are judged again with the config the source is given (tune thresholds against
a real incident); `as_recorded=True` gives each check the verdict it had when recorded.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from oncall_tui.config.model import Config, Kpi, Service
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import (
    CheckId,
    DashboardRecord,
    Job,
    JobRun,
    Observation,
    Reading,
    Source,
)
from oncall_tui.store.reader import Recording, Row, open_recording

HISTORY = 900.0  # seconds of sparkline history loaded by a seek
HISTORY_POINTS = 90  # at most this many points of it per check
GROUP = 1.0  # seconds: rows closer than this are applied together


class ReplayClock:
    """The state's clock during a replay: the recorded time being played."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self._wall = False

    def __call__(self) -> float:
        return time.time() if self._wall else self.now

    def release(self) -> None:
        """From now on the wall clock: a state seeded from a recording goes on live."""
        self._wall = True


def without_holds(config: Config) -> Config:
    """The config with every `for:` at 0: recorded verdicts already include their holds."""

    def kpi(k: Kpi) -> Kpi:
        return dataclasses.replace(k, thresholds=dataclasses.replace(k.thresholds, hold=0.0))

    def service(s: Service) -> Service:
        return dataclasses.replace(
            s,
            kpis=tuple(kpi(k) for k in s.kpis),
            panels=tuple(kpi(k) for k in s.panels),
            health=tuple(dataclasses.replace(p, hold=0.0) for p in s.health),
        )

    return dataclasses.replace(
        config, services={name: service(s) for name, s in config.services.items()}
    )


class RecordingSource(Source):
    """Observations read back from a recording file."""

    def __init__(
        self,
        config: Config,
        path: Path | Recording,
        *,
        as_recorded: bool = False,
        clock: ReplayClock | None = None,
        interval: float | None = None,
    ) -> None:
        self.name = "recording"
        self.recording = path if isinstance(path, Recording) else open_recording(path)
        self.as_recorded = as_recorded
        self.config = without_holds(config) if as_recorded else config
        self.clock = clock or ReplayClock()
        self.cursor: float | None = None  # the recorded time the state stands at
        self._interval = interval if interval is not None else config.refresh
        self._wanted = self._config_checks(config)
        self._source_ok: dict[str, bool] = {}

    # -- the Source interface (a follower) -------------------------------------------------

    def jobs(self) -> Sequence[Job]:
        return (Job("recording", self._interval, _FollowRun(self), (), source=self.name),)

    async def follow(self) -> Sequence[Observation]:
        """What was written since the last run (from now - 2 refreshes on the first)."""
        start = self.cursor if self.cursor is not None else time.time() - 2 * self._interval
        rows = list(self.recording.rows_between(start, float("inf")))
        if rows:
            self.cursor = rows[-1].at
        return [self._observation(r) for r in rows]

    async def aclose(self) -> None:
        self.recording.close()

    # -- driven by time ---------------------------------------------------------------------

    def new_state(self) -> DashboardState:
        return DashboardState(self.config, self.clock)

    def seek(
        self, at: float, *, history: float = HISTORY, points: int = HISTORY_POINTS
    ) -> DashboardState:
        """A fresh state as it stood at recorded time `at`.

        Replays, per check, the row of its last status change and its last row; for a check
        with `for:`, every row of its hold and two refreshes before `at`. Earlier
        values come back as sparkline history, one point per HISTORY_STEP seconds.
        """
        state = self.new_state()
        refresh = self.config.refresh
        default = 0.0  # a check without `for:`: its last row (and its last change) will do
        holds = self._holds()
        ids = self.recording.checks()
        windows = {cid: holds[check] + 2 * refresh for cid, check in ids.items() if check in holds}
        widest = max([default, *windows.values()])
        self._source_ok = {}
        self.recording.prime(at - widest - refresh)
        rows = self.recording.seek_rows(at, windows, default)
        rows = self._from_the_start(rows, windows)
        rows = self._with_targets(rows, at)
        first_at: dict[CheckId | DashboardRecord, float] = {}
        first_row: dict[CheckId | DashboardRecord, Row] = {}
        for row in rows:
            first_at.setdefault(row.check, row.at)
            first_row.setdefault(row.check, row)
        backfill: dict[CheckId | DashboardRecord, tuple[tuple[float, float], ...]] = {}
        step = max(refresh, history / points)
        for cid, check in ids.items():
            if isinstance(check, CheckId) and check in self._wanted and check in first_at:
                backfill[check] = self.recording.thinned_values(
                    cid, at - history, first_at[check] - 0.001, step
                )
        rows = [self._with_history(r, backfill) for r in rows]
        self._sources(state, float("-inf"), at)
        self._resume(state, ids, windows, first_row)
        self._apply(state, rows)
        self.clock.now = at
        self._sources_alive(state, rows)
        self.cursor = at
        return state

    def _from_the_start(self, rows: list[Row], windows: dict[int, float]) -> list[Row]:
        """A held check whose replay begins within its window of its first recorded row is
        replayed from that row: whether its breach lasted its hold is decided from there."""
        ids = {check: cid for cid, check in self.recording.checks().items()}
        starts: dict[CheckId | DashboardRecord, float] = {}
        for row in rows:
            starts.setdefault(row.check, row.at)
        extra: list[Row] = []
        for check, begins in starts.items():
            cid = ids.get(check)
            if cid is None or cid not in windows:
                continue
            first = self.recording.first_at(cid, float("-inf"))
            if first is not None and begins - windows[cid] < first < begins:
                extra.extend(self.recording.check_rows(cid, first, begins))
        if not extra:
            return rows
        return sorted([*extra, *rows], key=lambda r: r.at)

    def _with_targets(self, rows: list[Row], at: float) -> list[Row]:
        """Each service's targets check as it went over the replayed span: whether its targets
        were down decides whether a rate row is a reading or stale, so a rate check replayed
        from its last judged row meets the targets going down where the recording did."""
        from oncall_tui.config.targets import TARGETS_KEY
        from oncall_tui.sources.base import CheckKind

        earliest: dict[str, float] = {}
        for row in rows:
            if isinstance(row.check, CheckId):
                earliest.setdefault(row.check.service, row.at)
        extra: list[Row] = []
        for cid, check in self.recording.checks().items():
            if not isinstance(check, CheckId) or check.kind is not CheckKind.KPI:
                continue
            if check.key != TARGETS_KEY or check.service not in earliest:
                continue
            extra.extend(self.recording.rows_at_changes(cid, earliest[check.service], at))
        if not extra:
            return rows
        unique = {(r.check, r.at): r for r in [*rows, *extra]}
        return sorted(unique.values(), key=lambda r: r.at)

    def _resume(
        self,
        state: DashboardState,
        ids: dict[int, CheckId | DashboardRecord],
        windows: dict[int, float],
        first_row: dict[CheckId | DashboardRecord, Row],
    ) -> None:
        """A held check replayed from its first recorded row, where the recording had counted
        a breach already: that breach began before the file did, so it stays counted rather
        than held again from the file's start (never quieter than the recording)."""
        for cid, check in ids.items():
            row = first_row.get(check)
            if cid not in windows or row is None or not isinstance(check, CheckId):
                continue
            if self.recording.first_at(cid, float("-inf")) != row.at:
                continue
            if row.verdict.is_breach:
                self.clock.now = row.at
                state.resume(check, row.verdict, row.level, row.at)

    def _holds(self) -> dict[CheckId, float]:
        from oncall_tui.sources.base import CheckKind

        holds: dict[CheckId, float] = {}
        for svc in self.config.services.values():
            for kpi in svc.polled_kpis:
                if kpi.thresholds.hold > 0:
                    holds[CheckId(svc.name, CheckKind.KPI, kpi.key)] = kpi.thresholds.hold
            for probe in svc.health:
                if probe.hold > 0:
                    holds[CheckId(svc.name, CheckKind.HEALTH, probe.name)] = probe.hold
        return holds

    def advance(self, state: DashboardState, to: float) -> int:
        """Play the rows after the cursor up to `to` into `state`; the number applied."""
        start = self.cursor if self.cursor is not None else to
        rows = list(self.recording.rows_between(start, to))
        self._apply(state, rows)
        self._sources(state, start, to)
        self.clock.now = to
        self._sources_alive(state, rows)
        self.cursor = to
        return len(rows)

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _config_checks(config: Config) -> set[CheckId]:
        from oncall_tui.sources.base import CheckKind

        wanted: set[CheckId] = set()
        for svc in config.services.values():
            wanted.update(CheckId(svc.name, CheckKind.KPI, k.key) for k in svc.polled_kpis)
            wanted.update(CheckId(svc.name, CheckKind.HEALTH, p.name) for p in svc.health)
            if svc.kubernetes is not None:
                wanted.add(CheckId(svc.name, CheckKind.KUBERNETES, "workloads"))
            wanted.add(CheckId(svc.name, CheckKind.ALERTS, "alerts"))
        return wanted

    def _keep(self, row: Row) -> bool:
        """Only the services of the config (a `--service` run, or a service since removed)."""
        if isinstance(row.check, DashboardRecord):
            return True
        return row.check.service in self.config.services

    def _with_history(
        self, row: Row, backfill: dict[CheckId | DashboardRecord, tuple[tuple[float, float], ...]]
    ) -> Row:
        points = backfill.pop(row.check, None)
        outcome = row.observation.outcome
        if not points or not isinstance(outcome, Reading):
            return row
        reading = dataclasses.replace(outcome, history=points)
        return dataclasses.replace(row, observation=Observation(row.check, reading))

    def _observation(self, row: Row) -> Observation:
        if not self.as_recorded or not isinstance(row.observation.outcome, Reading):
            return row.observation
        # as recorded: the verdict the recording gave, not one judged again
        reading = dataclasses.replace(row.observation.outcome, status=row.verdict)
        return Observation(row.check, reading)

    def _sources(self, state: DashboardState, start: float, end: float) -> None:
        """Sources going down and coming back, as recorded (the header's source health)."""
        keep = self.clock.now
        for at, name, ok, error in self.recording.source_changes(start, end):
            self.clock.now = at
            state.record_source(name, ok, error)
            self._source_ok[name] = ok
        self.clock.now = keep

    def _sources_alive(self, state: DashboardState, rows: Sequence[Row]) -> None:
        """Only changes of a source are recorded: while rows keep coming, a source that was
        last seen well is answering now (its age in the header stays that of the data)."""
        if not rows:
            return
        for name, ok in self._source_ok.items():
            if ok:
                state.record_source(name, True)

    def _apply(self, state: DashboardState, rows: Iterable[Row]) -> None:
        group: list[Observation] = []
        group_end = float("-inf")
        for row in rows:
            if not self._keep(row):
                continue
            if group and row.at > group_end:
                state.apply(group)
                group = []
            if not group:
                group_end = row.at + GROUP
            self.clock.now = row.at
            group.append(self._observation(row))
        if group:
            state.apply(group)


class _FollowRun(JobRun):
    """The follower's one job: the rows written since its last run."""

    def __init__(self, source: RecordingSource) -> None:
        self._source = source

    async def __call__(self) -> Sequence[Observation]:
        return await self._source.follow()
