"""A gauge in breach whose exporter dies stays in breach, against a real Prometheus.

Prometheus writes a staleness marker for every series of a target it fails to scrape, so an
instant gauge query answers nothing from the next scrape on. That empty answer is not "no
data": the targets are down (the service's `up` check), so the gauge is stale "targets down"
and keeps its crit verdict. Without an `up` check, a KPI in breach whose query just went
empty is stale keeping its verdict too: the louder state wins, never plain nodata.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer

from oncall_tui.config.loader import load_config
from oncall_tui.config.targets import TARGETS_KEY
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.cells import kpi_cell
from oncall_tui.render.status_report import report_exit_code
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, Observation, Reading
from oncall_tui.sources.registry import build_sources
from oncall_tui.status import Status

POOL = "max(cqar_db_pool_active_connections / cqar_db_pool_max_connections)"


def write_config(path: Path, url: str) -> Path:
    path.write_text(
        f"""
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 1s}}
services:
  shop:
    vars: {{job: exporter}}
    kpis:
      pool_usage: {{query: '{POOL}', unit: ratio, warn: 0.8, crit: 0.9}}
  blind:
    up: false
    kpis:
      pool_usage: {{query: '{POOL}', unit: ratio, warn: 0.8, crit: 0.9}}
"""
    )
    return path


async def until(predicate, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting; last: {what()}"
        await asyncio.sleep(0.05)


@pytest.mark.integration
async def test_a_gauge_in_breach_whose_exporter_dies_stays_crit_stale_targets_down(
    exporter: Exporter, prometheus: PrometheusServer, tmp_path
):
    exporter.pool(95, 100)  # 0.95 over the 0.9 crit
    prometheus.wait_for_series(f"{POOL} > 0.9", timeout=20)
    config = load_config(write_config(tmp_path / "oncall.yaml", prometheus.url))
    state = DashboardState(config)
    poller = Poller(build_sources(config), state)
    task = asyncio.create_task(poller.run())

    def pool(service: str):
        return state.snapshot().service(service).check(CheckKind.KPI, "pool_usage")

    def both():
        return pool("shop"), pool("blind")

    try:
        await until(lambda: all(c.status is Status.CRIT for c in both()), 15, both)
        await asyncio.to_thread(exporter.stop)
        # the staleness marker empties the query; the up check sees the target down
        await until(lambda: all(c.status is Status.STALE for c in both()), 20, both)
        # a few more polls of the empty answer: still stale, never nodata
        seen = state.version
        await until(lambda: state.version >= seen + 6, 15, lambda: state.version)
        shop, blind = both()
        for check in (shop, blind):
            assert check.status is Status.STALE, check
            assert check.last_verdict is Status.CRIT and check.loudest is Status.CRIT
            assert check.value == pytest.approx(0.95)
            assert kpi_cell(check, now=time.time()).text.startswith("✖ ")
        assert shop.error is not None and shop.error.kind is ErrorKind.TARGETS_DOWN
        assert "targets down" in str(shop.error)
        assert blind.error is not None and "no data since" in str(blind.error)
        snapshot = state.snapshot()
        assert snapshot.service("shop").status is Status.CRIT
        assert snapshot.service("blind").status is Status.CRIT
        assert report_exit_code(snapshot) == 2
        changes = [
            (e.before, e.after)
            for e in snapshot.timeline
            if e.check.key == "pool_usage" and e.before is Status.CRIT
        ]
        assert changes and all(after is Status.STALE for _, after in changes), changes
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()


def load(tmp_path: Path, service: str):
    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources:\n  default: {url: http://localhost:9090}\nservices:\n  shop:\n"
        + textwrap.indent(textwrap.dedent(service), "    ")
    )
    return load_config(path, environ={})


TARGETS = CheckId("shop", CheckKind.KPI, TARGETS_KEY)
POOL_ID = CheckId("shop", CheckKind.KPI, "pool_usage")
GAUGES = """\
kpis:
  pool_usage: {query: 'max(pool)', warn: 0.8, crit: 0.9}
  queue_depth: {query: 'max(idle)', crit: 5, nodata: ok}
"""


def test_a_gauge_emptied_before_up_sees_the_target_down_turns_stale_targets_down(tmp_path):
    state = DashboardState(load(tmp_path, "vars: {job: shop}\n" + GAUGES), lambda: 1000.0)
    state.apply(
        [Observation(TARGETS, Reading(1000.0, 1.0)), Observation(POOL_ID, Reading(1000.0, 0.5))]
    )
    # the staleness marker empties the gauge one poll before up reads 0
    state.apply(
        [
            Observation(TARGETS, Reading(1001.0, 1.0)),
            Observation(POOL_ID, Reading(1001.0, empty=True)),
        ]
    )
    assert (
        state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage").status is Status.NODATA
    )
    state.apply([Observation(TARGETS, Reading(1002.0, 0.0))])
    pool = state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage")
    assert pool.status is Status.STALE and pool.error.kind is ErrorKind.TARGETS_DOWN


def test_a_breach_gone_empty_stays_stale_until_data_comes_back_and_nodata_ok_opts_out(tmp_path):
    state = DashboardState(load(tmp_path, "up: false\n" + GAUGES), lambda: 1000.0)
    idle = CheckId("shop", CheckKind.KPI, "queue_depth")
    state.apply(
        [Observation(POOL_ID, Reading(1000.0, 0.95)), Observation(idle, Reading(1000.0, 9.0))]
    )
    for at in (1001.0, 1002.0):
        state.apply(
            [
                Observation(POOL_ID, Reading(at, empty=True)),
                Observation(idle, Reading(at, empty=True)),
            ]
        )
        svc = state.snapshot().service("shop")
        pool = svc.check(CheckKind.KPI, "pool_usage")
        assert pool.status is Status.STALE and pool.last_verdict is Status.CRIT, pool
        assert pool.error.kind is ErrorKind.SERIES_GONE and pool.value == 0.95
        # `nodata: ok` says what empty means for that KPI: it is judged, not held
        assert svc.check(CheckKind.KPI, "queue_depth").status is Status.OK
        assert svc.status is Status.CRIT
    state.apply([Observation(POOL_ID, Reading(1003.0, 0.5))])
    pool = state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage")
    assert pool.status is Status.OK and pool.error is None
    # a KPI that was well and goes empty is plain nodata: nothing louder was known
    state.apply([Observation(POOL_ID, Reading(1004.0, empty=True))])
    assert (
        state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage").status is Status.NODATA
    )


def test_a_first_empty_answer_with_the_points_before_it_keeps_the_verdict_they_end_on(tmp_path):
    """The source's look back (an empty first answer brings the points before it): the value
    the data stopped at decides, on the very first poll; a calm last value is plain nodata."""
    state = DashboardState(load(tmp_path, "up: false\n" + GAUGES), lambda: 1000.0)
    dying = ((950.0, 0.5), (960.0, 0.93), (970.0, 0.95))
    state.apply([Observation(POOL_ID, Reading(1000.0, empty=True, history=dying))])
    pool = state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage")
    assert pool.status is Status.STALE and pool.last_verdict is Status.CRIT, pool
    assert pool.error.kind is ErrorKind.SERIES_GONE and "no data since CRIT" in str(pool.error)
    assert (pool.value, pool.updated_at, pool.level) == (0.95, 970.0, "crit")
    assert state.snapshot().service("shop").status is Status.CRIT
    assert report_exit_code(state.snapshot()) == 2

    calm = DashboardState(load(tmp_path, "up: false\n" + GAUGES), lambda: 1000.0)
    calm.apply([Observation(POOL_ID, Reading(1000.0, empty=True, history=((970.0, 0.4),)))])
    assert calm.snapshot().service("shop").check(CheckKind.KPI, "pool_usage").status is (
        Status.NODATA
    )


def test_a_first_empty_answer_over_a_line_inside_its_hold_is_stale_pending(tmp_path):
    held = "up: false\nkpis:\n  pool_usage: {query: 'max(pool)', crit: 0.9, for: 5m}\n"
    state = DashboardState(load(tmp_path, held), lambda: 1000.0)
    state.apply(
        [Observation(POOL_ID, Reading(1000.0, empty=True, history=((900.0, 0.5), (960.0, 0.95))))]
    )
    pool = state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage")
    assert pool.status is Status.STALE and pool.last_verdict is Status.PENDING, pool
    assert report_exit_code(state.snapshot()) >= 1


def test_a_fresh_start_with_the_targets_down_keeps_the_last_value_and_verdict(tmp_path):
    state = DashboardState(load(tmp_path, "vars: {job: shop}\n" + GAUGES), lambda: 1000.0)
    state.apply(
        [
            Observation(TARGETS, Reading(1000.0, 0.0)),
            Observation(POOL_ID, Reading(1000.0, empty=True, history=((970.0, 0.95),))),
        ]
    )
    pool = state.snapshot().service("shop").check(CheckKind.KPI, "pool_usage")
    assert pool.status is Status.STALE and pool.error.kind is ErrorKind.TARGETS_DOWN, pool
    assert (pool.last_verdict, pool.value) == (Status.CRIT, 0.95)


def test_a_rate_in_breach_gone_empty_without_an_up_check_is_stale_not_nodata(tmp_path):
    rates = "up: false\nkpis:\n  error_rate: {query: 'sum(rate(errors[5m]))', warn: 1, crit: 5}\n"
    state = DashboardState(load(tmp_path, rates), lambda: 1000.0)
    errors = CheckId("shop", CheckKind.KPI, "error_rate")
    state.apply([Observation(errors, Reading(1000.0, 9.0))])
    state.apply([Observation(errors, Reading(1001.0, empty=True))])
    rate = state.snapshot().service("shop").check(CheckKind.KPI, "error_rate")
    assert rate.status is Status.STALE and rate.last_verdict is Status.CRIT, rate
    assert "no data since CRIT" in str(rate.error)
    # and on a first poll, from the points before the empty answer
    fresh = DashboardState(load(tmp_path, rates), lambda: 1000.0)
    fresh.apply([Observation(errors, Reading(1000.0, empty=True, history=((990.0, 9.0),)))])
    rate = fresh.snapshot().service("shop").check(CheckKind.KPI, "error_rate")
    assert rate.status is Status.STALE and rate.last_verdict is Status.CRIT, rate


def test_a_rate_in_breach_on_a_first_poll_with_its_targets_down_keeps_its_value_and_verdict(
    tmp_path,
):
    """A one-shot `oncall status` just after the exporter died: `up` is 0, and the rate's
    answer (still over its line) is the only value there is. It is stale "targets down" with
    that value and its crit verdict, not a stale with no value and a nodata verdict."""
    rates = (
        "vars: {job: shop}\nkpis:\n"
        "  error_rate: {query: 'sum(rate(errors[5m]))', warn: 1, crit: 5}\n"
        "  request_rate: {query: 'sum(rate(requests[5m]))', warn: 1, crit: 5}\n"
    )
    state = DashboardState(load(tmp_path, rates), lambda: 1000.0)
    errors = CheckId("shop", CheckKind.KPI, "error_rate")
    calm = CheckId("shop", CheckKind.KPI, "request_rate")
    state.apply(
        [
            Observation(TARGETS, Reading(1000.0, 0.0)),
            Observation(errors, Reading(1000.0, 9.0)),
            Observation(calm, Reading(1000.0, 0.2)),
        ]
    )
    svc = state.snapshot().service("shop")
    rate = svc.check(CheckKind.KPI, "error_rate")
    assert rate.status is Status.STALE and rate.error.kind is ErrorKind.TARGETS_DOWN, rate
    assert (rate.value, rate.last_verdict) == (9.0, Status.CRIT)
    assert kpi_cell(rate, now=1000.0).text.startswith("✖ ")  # the cell says the breach
    # a calm first answer is not taken as news while the targets are down
    quiet = svc.check(CheckKind.KPI, "request_rate")
    assert quiet.status is Status.STALE and quiet.last_verdict is not Status.OK, quiet
    assert report_exit_code(state.snapshot()) == 2
