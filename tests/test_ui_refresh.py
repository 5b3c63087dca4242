"""The app refreshes fast until every source has answered once, then once a second."""

from __future__ import annotations

import asyncio

from oncall_tui.config.model import Config, Datasource, Kpi, Service
from oncall_tui.sources.base import CheckId, CheckKind, Job, Observation, Reading, Source
from oncall_tui.ui.app import OncallApp
from oncall_tui.units import RATIO, Unit


def config() -> Config:
    kpis = (Kpi("request_rate", "q", unit=Unit("req/s")), Kpi("error_rate", "q", unit=RATIO))
    return Config(
        path=None,
        datasources={"default": Datasource("default", "http://x")},
        services={"svc": Service("svc", "svc", "default", kpis=kpis)},
    )


class Delayed(Source):
    def __init__(self, name: str, key: str, delay: float, value: float) -> None:
        self.name, self.key, self.delay, self.value = name, key, delay, value

    def jobs(self):
        check = CheckId("svc", CheckKind.KPI, self.key)

        async def run():
            await asyncio.sleep(self.delay)
            return [Observation(check, Reading(at=0.0, value=self.value))]

        return [Job(f"{self.name}:{self.key}", 30.0, run, (check,), source=self.name)]


async def test_a_slow_source_is_shown_as_soon_as_it_answers_not_a_slow_tick_later():
    sources = [
        Delayed("fast", "request_rate", 0.0, 120.0),
        Delayed("slow", "error_rate", 0.6, 0.5),
    ]
    app = OncallApp(config(), sources=sources)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.snapshot is not None and app.snapshot.sources:
                break
        assert {s.name for s in app.snapshot.sources} == {"fast"}
        assert not app._settled  # still refreshing fast: the slow source has not answered
        for _ in range(100):
            await pilot.pause(0.05)
            if app._settled:
                break
        assert {s.name for s in app.snapshot.sources} == {"fast", "slow"}
        check = app.snapshot.service("svc").check(CheckKind.KPI, "error_rate")
        assert check.value == 0.5
