"""One scheduler for every source: each job on its own interval, concurrently.

Rules (after k9s' refresh loop): never two runs of one job at once; a hard timeout around
every run; capped exponential backoff with jitter while a job keeps failing; a failure is
data (FetchError observations), never an exception that stops the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import ErrorKind, FetchError, Job, Observation, Reading, Source

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0  # seconds; a dead source is still retried at least this often
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
    source: Source
    job: Job
    due: float = 0.0
    failures: int = 0
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Poller:
    def __init__(self, sources: Sequence[Source], state: DashboardState) -> None:
        self.sources = tuple(sources)
        self.state = state
        self._slots = [_Slot(src, job) for src in self.sources for job in src.jobs()]
        self._wake: asyncio.Event | None = None
        self._paused = False
        self.ticks = 0  # scheduler passes that started at least one job

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(slot.job for slot in self._slots)

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Start no new runs; runs in flight finish. The state says PAUSED."""
        self._paused = True
        self.state.set_paused(True)

    def resume(self) -> None:
        """Run everything at once, then on the usual intervals."""
        self._paused = False
        self.state.set_paused(False)
        self.refresh_now()

    def refresh_now(self) -> None:
        for slot in self._slots:
            slot.due = 0.0
        if self._wake is not None:
            self._wake.set()

    async def poll_once(self) -> None:
        """Every job once, concurrently; returns when all have finished or timed out."""
        await asyncio.gather(*(self._run(slot) for slot in self._slots))

    async def run(self) -> None:
        """The scheduler loop; runs until cancelled."""
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                now = loop.time()
                if not self._paused:
                    started = False
                    for slot in self._slots:
                        if slot.due <= now and not slot.running:
                            slot.due = now + slot.job.interval
                            slot.task = asyncio.create_task(self._run(slot, loop))
                            started = True
                    self.ticks += started
                waits = [s.due for s in self._slots if not s.running]
                delay = max(0.0, min(waits) - loop.time()) if waits else 1.0
                if self._paused:
                    delay = 3600.0
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=min(delay, 3600.0))
                except asyncio.TimeoutError:
                    pass
        finally:
            for slot in self._slots:
                if slot.task is not None:
                    slot.task.cancel()
            tasks = [s.task for s in self._slots if s.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for source in self.sources:
            try:
                await source.aclose()
            except Exception:  # closing must not hide the others' close
                log.exception("closing source %s", source.name)

    async def _run(self, slot: _Slot, loop: asyncio.AbstractEventLoop | None = None) -> None:
        job = slot.job
        try:
            observations = list(await asyncio.wait_for(job.run(), timeout=job.timeout))
        except asyncio.TimeoutError:
            error = FetchError(ErrorKind.TIMEOUT, f"no answer within {job.timeout:g} s")
            observations = [Observation(check, error) for check in job.checks]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source bug must not stop the dashboard: show it as data
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
        if loop is not None and slot.failures:
            backoff = min(job.interval * 2 ** min(slot.failures - 1, 10), MAX_BACKOFF)
            slot.due = loop.time() + max(backoff, job.interval) * random.uniform(0.9, 1.1)
        if self._wake is not None:
            self._wake.set()  # a finished run may be due sooner than the scheduler's sleep


def source_failure(observations: Sequence[Observation], failed: bool) -> FetchError | None:
    """The error that says the source itself is unwell, if any: a transport failure, or a
    config error on every check of the job (a Kubernetes context that will not load, say: the
    header must not show a source green while every one of its cells is ERROR)."""
    errors = [o.outcome for o in observations if isinstance(o.outcome, FetchError)]
    found = next((e for e in errors if e.kind in SOURCE_FAILURES), None)
    if found is None and failed:
        found = next((e for e in errors if e.kind is ErrorKind.CONFIG), None)
    return found
