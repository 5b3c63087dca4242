"""The scheduler's rules, on small in-process sources (the real ones have their own tests)."""

import asyncio

from oncall_tui.config.model import Config, Datasource, Kpi, Service
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, Job, Observation, Reading, Source
from oncall_tui.status import Status

CHECK = CheckId("svc", CheckKind.KPI, "request_rate")


def config() -> Config:
    return Config(
        path=None,
        datasources={"default": Datasource("default", "http://x")},
        services={"svc": Service("svc", "svc", "default", kpis=(Kpi("request_rate", "q"),))},
    )


class SlowSource(Source):
    name = "slow"

    def __init__(self, delay: float, interval: float = 0.05, timeout: float = 5.0) -> None:
        self.delay, self.interval, self.timeout = delay, interval, timeout
        self.running = 0
        self.max_running = 0
        self.runs = 0

    def jobs(self):
        return [Job("k", self.interval, self._run, (CHECK,), timeout=self.timeout, source="slow")]

    async def _run(self):
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await asyncio.sleep(self.delay)
            self.runs += 1
            return [Observation(CHECK, Reading(at=0.0, value=float(self.runs)))]
        finally:
            self.running -= 1


async def test_a_job_slower_than_its_interval_never_overlaps_itself_and_still_finishes():
    source = SlowSource(delay=0.2, interval=0.05)
    poller = Poller([source], DashboardState(config()))
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.9)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert source.max_running == 1
    assert source.runs >= 3


async def test_a_hung_job_is_cut_at_its_timeout_and_reported_stale():
    source = SlowSource(delay=30, timeout=0.2)
    state = DashboardState(config())
    state.apply([Observation(CHECK, Reading(at=0.0, value=1.0))])
    loop = asyncio.get_running_loop()
    started = loop.time()
    await Poller([source], state).poll_once()
    assert loop.time() - started < 1.0
    check = state.snapshot().service("svc").check(CheckKind.KPI, "request_rate")
    assert check.status is Status.STALE
    assert "timeout" in str(check.error)
    assert not state.snapshot().sources[0].ok


async def test_pause_starts_no_new_runs_and_resume_refreshes_at_once():
    source = SlowSource(delay=0.0, interval=0.05)
    state = DashboardState(config())
    poller = Poller([source], state)
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.2)
    poller.pause()
    await asyncio.sleep(0.05)
    runs = source.runs
    await asyncio.sleep(0.3)
    assert source.runs == runs
    assert state.snapshot().paused
    poller.resume()
    await asyncio.sleep(0.05)
    assert source.runs > runs
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def test_paused_is_held_by_the_state_alone_and_the_poller_reads_it():
    state = DashboardState(config())
    poller = Poller([SlowSource(delay=0.0)], state)
    poller.pause()
    assert state.paused and poller.paused and state.snapshot().paused
    version = state.version
    poller.pause()  # no change: no new snapshot for the screens to draw
    assert state.version == version
    state.set_paused(False)  # whoever sets the state's flag, the poller sees it
    assert not poller.paused and not state.snapshot().paused


async def test_a_failing_job_backs_off():
    class Broken(SlowSource):
        async def _run(self):
            self.runs += 1
            raise RuntimeError("boom")

    source = Broken(delay=0, interval=0.05)
    state = DashboardState(config())
    poller = Poller([source], state)
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    # Without backoff that is 20 runs; doubling from 50 ms gives 5 or 6.
    assert 3 <= source.runs <= 7
    check = state.snapshot().service("svc").check(CheckKind.KPI, "request_rate")
    assert "boom" in str(check.error)


class ConfigBroken(Source):
    """Every check of the job fails as configured (a Kubernetes context that will not load)."""

    name = "kubernetes prod"

    def jobs(self):
        return [Job("kube", 1.0, self._run, (CHECK,), source=self.name)]

    async def _run(self):
        from oncall_tui.sources.base import ErrorKind, FetchError

        return [Observation(CHECK, FetchError(ErrorKind.CONFIG, "context prod not in kubeconfig"))]


async def test_a_source_whose_every_check_is_a_config_error_is_not_shown_green():
    state = DashboardState(config())
    poller = Poller([ConfigBroken()], state)
    await poller.poll_once()
    (source,) = state.snapshot().sources
    assert source.name == "kubernetes prod" and not source.ok
    assert source.error is not None and "kubeconfig" in source.error.message
