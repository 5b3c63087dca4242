"""One scheduler for every source: each job on its own interval, concurrently.

Rules (after k9s' refresh loop): never two runs of one job at once; a hard timeout around
every run; capped exponential backoff with jitter while a job keeps failing, and meanwhile
a cheap readiness check of its source on the base interval, so that values return within one
interval of the source's return; a failure is data (FetchError observations), never an
exception that stops the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oncall_tui.engine.state import DashboardState
from oncall_tui.lazy_log import lazy_logger
from oncall_tui.sources.base import ErrorKind, FetchError, Job, Observation, Reading, Source
from oncall_tui.sources.tasks import gather, wait_for

if TYPE_CHECKING:
    # the scheduler loop runs on asyncio; a one-shot `poll_once` may run with no loop
    # (`sources.tasks`), and then asyncio is never loaded
    import asyncio

log = lazy_logger(__name__)

MAX_BACKOFF = 60.0  # seconds; a dead source is still retried at least this often
READY_TIMEOUT = 3.0  # seconds a readiness check may take
#: kinds that say the source itself is unwell (not one bad query)
SOURCE_FAILURES = {
    ErrorKind.UNREACHABLE,
    ErrorKind.TIMEOUT,
    ErrorKind.HTTP,
    ErrorKind.AUTH,
    ErrorKind.MALFORMED,
}


@dataclass
class _Slot:
    """One job of one source, when it is next due and its run."""

    source: Source
    job: Job
    due: float = 0.0
    failures: int = 0
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


@dataclass
class _ReadinessCheck:
    """A source's readiness check while its jobs back off."""

    source: Source
    due: float = 0.0  # 0: none scheduled
    failing: bool = False  # some job of the source is backing off
    seen_down: bool = False  # a check failed since the jobs began failing
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Poller:
    def __init__(self, sources: Sequence[Source], state: DashboardState) -> None:
        self.sources = tuple(sources)
        self.state = state
        self._slots = [_Slot(src, job) for src in self.sources for job in src.jobs()]
        # per source with a readiness check: when the next one is due, and the one running
        self._checks: dict[int, _ReadinessCheck] = {
            id(src): _ReadinessCheck(src) for src in self.sources if src.has_readiness
        }
        self.readiness_checks = 0  # how many were run (for tests and benchmarks)
        self._wake: asyncio.Event | None = None
        self.ticks = 0  # scheduler passes that started at least one job

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(slot.job for slot in self._slots)

    @property
    def paused(self) -> bool:
        """The state's flag (its one owner): no new runs start while it is set."""
        return self.state.paused

    def pause(self) -> None:
        """Start no new runs; runs in flight finish. The state says PAUSED."""
        self.state.set_paused(True)

    def resume(self) -> None:
        """Run everything at once, then on the usual intervals."""
        self.state.set_paused(False)
        self.refresh_now()

    def refresh_now(self) -> None:
        for slot in self._slots:
            slot.due = 0.0
        if self._wake is not None:
            self._wake.set()

    def next_due(self) -> float | None:
        """When (the loop's time) the next run of a job is due, if one is scheduled."""
        dues = [s.due for s in self._slots if s.due > 0]
        return min(dues) if dues else None

    async def poll_once(self) -> None:
        """Every job once, concurrently; returns when all have finished or timed out. On a
        loop as tasks, or with none (a one-shot command) on threads: `sources.tasks`."""
        await gather(*(self._run(slot) for slot in self._slots))

    async def run(self) -> None:
        """The scheduler loop; runs until cancelled."""
        import asyncio

        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                now = loop.time()
                if not self.paused:
                    started = False
                    for slot in self._slots:
                        if slot.due <= now and not slot.running:
                            slot.due = next_due(slot.due, slot.job.interval, now)
                            slot.task = asyncio.create_task(self._run(slot, loop))
                            started = True
                    self.ticks += started
                    self._start_readiness_checks(now, loop)
                waits = [s.due for s in self._slots if not s.running]
                waits += [c.due for c in self._checks.values() if c.failing and not c.running]
                delay = max(0.0, min(waits) - loop.time()) if waits else 1.0
                if self.paused:
                    delay = 3600.0
                self._wake.clear()
                # a timer sets the event, rather than wait_for around its wait: no task per
                # pass, and on Python 3.11 wait_for can swallow a cancel that arrives as the
                # wait ends, which left the loop running on closed clients
                timer = loop.call_later(min(delay, 3600.0), self._wake.set)
                try:
                    await self._wake.wait()
                finally:
                    timer.cancel()
        finally:
            for slot in self._slots:
                if slot.task is not None:
                    slot.task.cancel()
            for check in self._checks.values():
                if check.task is not None:
                    check.task.cancel()
            tasks = [s.task for s in self._slots if s.task is not None]
            tasks += [c.task for c in self._checks.values() if c.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)

    def _start_readiness_checks(self, now: float, loop: asyncio.AbstractEventLoop) -> None:
        """While a source's jobs back off, check on the base interval whether it is back."""
        import asyncio

        for check in self._checks.values():
            failing = [
                s
                for s in self._slots
                if s.source is check.source and s.failures and not s.running and s.due > now
            ]
            check.failing = bool(failing)
            if not failing or check.running:
                continue
            if check.due == 0.0:  # the first failure: check one base interval from now
                check.due = now + min(s.job.interval for s in failing)
            if check.due <= now:
                check.due = now + min(s.job.interval for s in failing)
                check.task = asyncio.create_task(self._check_ready(check, loop))

    async def _check_ready(self, check: _ReadinessCheck, loop: asyncio.AbstractEventLoop) -> None:
        import asyncio

        self.readiness_checks += 1
        try:
            ready = await asyncio.wait_for(check.source.ready(), timeout=READY_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed check is only "not yet"
            ready = False
        if not ready:
            check.seen_down = True
        elif check.seen_down:  # back after being down: every backed-off job runs at once
            # (a source that answers the check while its queries fail keeps the backoff)
            check.due = 0.0
            check.seen_down = False
            for slot in self._slots:
                if slot.source is check.source and slot.failures and not slot.running:
                    slot.due = loop.time()
        if self._wake is not None:
            self._wake.set()

    async def aclose(self) -> None:
        for source in self.sources:
            try:
                await source.aclose()
            except Exception:  # closing must not hide the others' close
                log.exception("closing source %s", source.name)

    async def _run(self, slot: _Slot, loop: asyncio.AbstractEventLoop | None = None) -> None:
        job = slot.job
        try:
            observations = list(await wait_for(job.run(), timeout=job.timeout))
        except TimeoutError:  # `wait_for` raises the builtin one, on 3.10 too
            error = FetchError(ErrorKind.TIMEOUT, f"no answer within {job.timeout:g} s")
            observations = [Observation(check, error) for check in job.checks]
        # a source bug must not stop the dashboard: show it as data (a cancellation is a
        # BaseException, not caught here)
        except Exception as exc:
            log.exception("job %s failed", job.key)
            error = FetchError(ErrorKind.MALFORMED, f"internal error in {job.key}: {exc!r}")
            observations = [Observation(check, error) for check in job.checks]
        self.state.apply(observations)
        readings = [o for o in observations if isinstance(o.outcome, Reading)]
        failed = bool(observations) and not readings
        if job.source:
            failure = source_failure(observations, failed)
            self.state.record_source(job.source, failure is None, failure)
        slot.failures = slot.failures + 1 if failed else 0
        if loop is not None and slot.failures and job.backoff:
            import random  # only the scheduler loop backs off; a one-shot poll never does

            backoff = min(job.interval * 2 ** min(slot.failures - 1, 10), MAX_BACKOFF)
            slot.due = loop.time() + max(backoff, job.interval) * random.uniform(0.9, 1.1)
        if not slot.failures and id(slot.source) in self._checks:
            check = self._checks[id(slot.source)]
            check.due, check.seen_down = 0.0, False
        if self._wake is not None:
            self._wake.set()  # a finished run may be due sooner than the scheduler's sleep


def next_due(due: float, interval: float, now: float) -> float:
    """The run after one due at `due` and started at `now`: on the job's own grid, so that a
    wake a few milliseconds late does not shift every later run (the UI's refresh keeps its
    place between rounds); from `now` when it fell a whole interval behind (or never ran)."""
    following = due + interval
    return following if following > now else now + interval


def source_failure(observations: Sequence[Observation], failed: bool) -> FetchError | None:
    """The error that says the source itself is unwell, if any: a transport failure, or a
    config error on every check of the job (a Kubernetes context that will not load, say: the
    header must not show a source green while every one of its cells is ERROR)."""
    errors = [o.outcome for o in observations if isinstance(o.outcome, FetchError)]
    found = next((e for e in errors if e.kind in SOURCE_FAILURES), None)
    if found is None and failed:
        found = next((e for e in errors if e.kind is ErrorKind.CONFIG), None)
    return found
