"""The scripted incident, judged by the real state: every status appears, in story order."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import (
    INCIDENT_PERIOD,
    INCIDENT_START,
    DemoSource,
    demo_config,
    incident_phase,
    incident_time,
)
from oncall_tui.status import Status

BACKENDS = ("cqar", "arq", "bazaruto")
JUDGED = ("latency_p50", "latency_p99", "error_rate", "cache_hit_rate", "pool_usage", "queue_depth")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def play(seconds: float, start_offset: float = 0.0, broken_panel: bool = False):
    """Poll every demo job once a second through the real state; yield (sim time, snapshot)."""
    config = demo_config(broken_panel=broken_panel)
    clock = Clock(1_700_000_000.0)
    source = DemoSource(config, clock, seed=7, start_offset=start_offset)
    state = DashboardState(config, clock)
    jobs = source.jobs()

    async def tick() -> None:
        for job in jobs:
            state.apply(await job.run())

    for _ in range(int(seconds)):
        asyncio.run(tick())
        yield source.sim_time(), state.snapshot()
        clock.now += 1.0


@pytest.fixture(scope="module")
def one_period() -> list[tuple[float, object]]:
    return list(play(INCIDENT_PERIOD))


def statuses_seen(one_period) -> dict[tuple[str, str], dict[Status, list[float]]]:
    seen: dict[tuple[str, str], dict[Status, list[float]]] = defaultdict(lambda: defaultdict(list))
    for t, snapshot in one_period:
        for service in snapshot.services:
            for check in service.of_kind(CheckKind.KPI):
                seen[(service.name, check.id.key)][check.status].append(t)
    return seen


def test_every_judged_kpi_of_every_backend_is_ok_warn_and_crit_within_one_period(
    one_period,
) -> None:
    seen = statuses_seen(one_period)
    for service in BACKENDS:
        for key in JUDGED:
            assert {Status.OK, Status.WARN, Status.CRIT} <= set(seen[(service, key)]), (
                service,
                key,
                {s.value: len(ts) for s, ts in seen[(service, key)].items()},
            )


def test_the_data_trust_statuses_appear_too(one_period) -> None:
    seen = statuses_seen(one_period)
    assert Status.STALE in seen[("bazaruto", "queue_depth")]
    assert Status.NODATA in seen[("arq", "replication_lag")]
    assert not any(Status.ERROR in by for by in seen.values()), "no error unless asked for"


def test_each_backend_rolls_up_to_crit_and_back_to_ok(one_period) -> None:
    by_service: dict[str, set[Status]] = defaultdict(set)
    for _, snapshot in one_period:
        for service in snapshot.services:
            by_service[service.name].add(service.status)
    for name in BACKENDS:
        assert {Status.OK, Status.CRIT} <= by_service[name], name
    final = {s.name: s.status for s in one_period[-1][1].services}
    assert final["cqar"] is Status.OK


def test_the_dashboard_is_all_green_for_a_while_in_every_period(one_period) -> None:
    green = [t for t, snap in one_period if all(s.status is Status.OK for s in snap.services)]
    assert len(green) >= 30


def test_the_story_runs_cache_then_latency_then_errors(one_period) -> None:
    seen = statuses_seen(one_period)

    def first_breach(key: str) -> float:
        return min(min(seen[("arq", key)].get(s, [1e9])) for s in (Status.WARN, Status.CRIT))

    saturation = min(first_breach("pool_usage"), first_breach("error_rate"))
    assert first_breach("cache_hit_rate") < first_breach("latency_p50") < saturation


def test_for_holds_the_p99_breach_before_it_shows(one_period) -> None:
    seen = statuses_seen(one_period)
    p99 = seen[("cqar", "latency_p99")]
    p50 = seen[("cqar", "latency_p50")]
    hold = demo_config().services["cqar"].kpis[2].thresholds.hold
    assert hold == 30.0
    # p50 has no hold and breaches within seconds of p99's raw breach; p99 waits `for:`
    assert min(p99[Status.WARN] + p99[Status.CRIT]) >= min(p50[Status.WARN]) + hold - 10


def test_incident_phases_follow_in_order_and_repeat_every_period() -> None:
    order: list[str] = []
    for t in range(int(INCIDENT_START["cqar"]), int(INCIDENT_START["cqar"] + INCIDENT_PERIOD)):
        phase = incident_phase("cqar", float(t))
        if not order or order[-1] != phase:
            order.append(phase)
        assert incident_phase("cqar", t + INCIDENT_PERIOD) == phase
    assert order == ["cache", "latency", "saturation", "recovery", "calm"]
    assert incident_phase("gateway", 100.0) == "calm"


@pytest.mark.parametrize("phase", ["calm", "cache", "latency", "saturation", "recovery"])
@pytest.mark.parametrize("service", BACKENDS)
def test_incident_time_lands_in_the_phase(service: str, phase: str) -> None:
    assert incident_phase(service, incident_time(service, phase)) == phase


def test_a_frozen_clock_at_saturation_shows_the_incident_on_the_first_poll() -> None:
    # what `oncall screenshot --demo --at SECONDS` relies on
    (t, snapshot), *_ = play(1, start_offset=incident_time("cqar", "saturation"))
    assert incident_phase("cqar", t) == "saturation"
    cqar = snapshot.service("cqar")
    assert cqar is not None and cqar.status is Status.CRIT
    error_rate = cqar.check(CheckKind.KPI, "error_rate")
    assert error_rate is not None and error_rate.status is Status.CRIT
    assert len(error_rate.history) > 100, "sparklines are full at once"


def test_the_broken_panel_shows_error_through_the_state() -> None:
    (_, snapshot), *_ = play(1, broken_panel=True)
    gateway = snapshot.service("gateway")
    assert gateway is not None
    panel = gateway.check(CheckKind.KPI, "cert_expiry")
    assert panel is not None and panel.status is Status.ERROR
    assert panel.error is not None and "parse error" in panel.error.message
