"""The demo source: deterministic, fast, sane values that move like traffic."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import oncall_tui
from oncall_tui.config.model import STANDARD_KPIS, Direction, Kpi
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import check_links
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.sources.demo import (
    INCIDENT_PERIOD,
    DemoSource,
    demo_config,
    incident_time,
)
from oncall_tui.sources.demo.curves import DAY
from oncall_tui.sources.demo.source import BACKFILL, BACKFILL_STEP
from oncall_tui.status import Status

NOW = 1_700_000_000.0


def run_all(source: DemoSource) -> list[Observation]:
    async def go() -> list[Observation]:
        found: list[Observation] = []
        for job in source.jobs():
            found.extend(await job.run())
        return found

    return asyncio.run(go())


def kpi_of(service: str, key: str) -> Kpi:
    return next(k for k in demo_config().services[service].all_kpis if k.key == key)


def value_at(source: DemoSource, service: str, key: str, now: float) -> float | None:
    outcome = source.observe(service, kpi_of(service, key), now).outcome
    return outcome.value if isinstance(outcome, Reading) else None


# -- the config ---------------------------------------------------------------------------


def test_demo_config_has_the_example_services_on_one_demo_datasource() -> None:
    config = demo_config()
    assert list(config.services)[:3] == ["cqar", "arq", "bazaruto"]
    assert len(config.services) >= 3
    (ds,) = config.datasources.values()
    assert (ds.name, ds.type, ds.url) == ("demo", "demo", "demo://")
    assert config.path is None
    for service in config.services.values():
        assert service.datasource == "demo"
        keys = [k.key for k in service.kpis]
        assert keys == [k for k in STANDARD_KPIS if k in keys], "in the matrix's column order"
        assert all(k.interval == 1.0 for k in service.all_kpis)
        assert "$" not in "".join(k.query for k in service.all_kpis), "vars are filled in"


def test_backend_services_have_every_standard_kpi_and_a_custom_panel() -> None:
    config = demo_config()
    wanted = {k for k in STANDARD_KPIS if k != "latency_p95"}
    for name in ("cqar", "arq", "bazaruto"):
        service = config.services[name]
        assert {k.key for k in service.kpis} == wanted
        assert service.panels and all(p.custom for p in service.panels)
        assert {"job", "namespace", "db_host", "redis_host"} <= set(service.vars)


def test_thresholds_follow_the_ops_guides() -> None:
    arq_errors = kpi_of("arq", "error_rate").thresholds
    assert [(lv.name, lv.value, lv.status) for lv in arq_errors.levels] == [
        ("minor", 0.001, Status.WARN),
        ("major", 0.005, Status.CRIT),
        ("critical", 0.01, Status.CRIT),
    ]
    arq_cache = kpi_of("arq", "cache_hit_rate").thresholds
    assert (arq_cache.direction, arq_cache.warn, arq_cache.crit) == (Direction.BELOW, 0.85, 0.70)
    arq_p99 = kpi_of("arq", "latency_p99")
    assert (arq_p99.unit.text, arq_p99.thresholds.warn, arq_p99.thresholds.crit) == ("s", 1.0, 2.0)
    assert kpi_of("cqar", "latency_p99").thresholds.hold > 0, "one KPI demonstrates `for:`"
    assert kpi_of("cqar", "error_rate").runbook == "cqar.md#high-error-rate"


def test_runbooks_point_at_the_repository_folder_and_every_link_resolves() -> None:
    config = demo_config()
    folder = Path(oncall_tui.__file__).resolve().parents[1] / "runbooks"
    assert config.runbooks == (folder,)
    problems = check_links(config, RunbookIndex.load(config.runbooks))
    assert problems == []


def test_the_broken_panel_is_only_there_when_asked_for() -> None:
    assert all(k.key != "cert_expiry" for s in demo_config().services.values() for k in s.panels)
    gateway = demo_config(broken_panel=True).services["gateway"]
    assert [p.key for p in gateway.panels][-1] == "cert_expiry"


# -- determinism ----------------------------------------------------------------------------


def test_same_seed_and_clock_give_the_same_observations() -> None:
    first = run_all(DemoSource(demo_config(), lambda: NOW, seed=7))
    second = run_all(DemoSource(demo_config(), lambda: NOW, seed=7))
    assert first == second
    kpis = [o for o in first if isinstance(o.check, CheckId) and o.check.kind is CheckKind.KPI]
    assert len(kpis) == sum(len(s.all_kpis) for s in demo_config().services.values())


def test_another_seed_gives_other_values_but_the_same_incident() -> None:
    at = incident_time("cqar", "saturation")
    a = DemoSource(demo_config(), lambda: NOW, seed=1, start_offset=at)
    b = DemoSource(demo_config(), lambda: NOW, seed=2, start_offset=at)
    assert value_at(a, "cqar", "request_rate", NOW) != value_at(b, "cqar", "request_rate", NOW)
    crit = kpi_of("cqar", "error_rate").thresholds.crit
    assert value_at(a, "cqar", "error_rate", NOW) > crit
    assert value_at(b, "cqar", "error_rate", NOW) > crit


def test_values_depend_on_simulation_time_not_on_when_the_demo_started() -> None:
    early = DemoSource(demo_config(), lambda: 1000.0, seed=7, start_offset=50.0)
    late = DemoSource(demo_config(), lambda: NOW, seed=7, start_offset=50.0)
    for offset in (0.0, 3.0, 17.5):
        assert value_at(early, "arq", "latency_p99", 1000.0 + offset) == value_at(
            late, "arq", "latency_p99", NOW + offset
        )


def test_without_an_offset_simulation_time_is_the_clock() -> None:
    source = DemoSource(demo_config(), lambda: NOW, seed=7, start_offset=None)
    assert source.sim_time() == NOW
    assert DemoSource(demo_config(), lambda: NOW, seed=7, start_offset=42.0).sim_time() == 42.0


# -- history backfill ---------------------------------------------------------------------


def test_first_run_backfills_thirty_minutes_then_adds_no_history() -> None:
    now = NOW + 7.0  # off the 15 s grid
    source = DemoSource(demo_config(), lambda: now, seed=7)
    job = next(j for j in source.jobs() if j.key == "kpi:demo:cqar:latency_p99")
    (first,) = asyncio.run(job.run())
    (second,) = asyncio.run(job.run())
    assert isinstance(first.outcome, Reading) and isinstance(second.outcome, Reading)
    history = first.outcome.history
    assert len(history) == int(BACKFILL / BACKFILL_STEP)
    times = [t for t, _ in history]
    assert times == sorted(times) and all(t < now for t in times)
    assert now - times[0] <= BACKFILL and now - times[-1] <= BACKFILL_STEP
    assert {round(b - a, 6) for a, b in zip(times, times[1:], strict=False)} == {BACKFILL_STEP}
    assert second.outcome.history == ()


def test_backfill_leaves_out_the_moments_a_panel_had_no_data() -> None:
    # 30 minutes cover several of the replica exporter's drop-outs
    source = DemoSource(demo_config(), lambda: NOW, seed=7)
    outcome = source.observe("arq", kpi_of("arq", "replication_lag"), NOW, backfill=True).outcome
    assert isinstance(outcome, Reading)
    assert 0 < len(outcome.history) < int(BACKFILL / BACKFILL_STEP)


# -- values ---------------------------------------------------------------------------------


def sweep(seconds: float, step: float = 1.0, seed: int = 7):
    source = DemoSource(demo_config(broken_panel=True), lambda: 0.0, seed=seed, start_offset=0.0)
    config = demo_config()
    for i in range(int(seconds / step)):
        now = i * step
        for service in config.services.values():
            for kpi in service.all_kpis:
                yield service.name, kpi, now, source.observe(service.name, kpi, now).outcome


def test_values_stay_in_sane_ranges_through_a_day_and_its_incidents() -> None:
    seen = 0
    for service, kpi, now, outcome in sweep(DAY, step=2.0):
        if not isinstance(outcome, Reading) or outcome.value is None:
            continue
        seen += 1
        value = outcome.value
        assert math.isfinite(value) and value >= 0, (service, kpi.key, now, value)
        if kpi.unit.text == "ratio":
            assert value <= 1.0, (service, kpi.key, now, value)
        if kpi.unit.text == "count":
            assert value == int(value)
        if kpi.unit.text == "s":
            assert value < 60.0
    assert seen > 10_000


def test_request_rate_follows_a_daily_curve() -> None:
    source = DemoSource(demo_config(), lambda: 0.0, seed=7, start_offset=0.0)
    rates = [value_at(source, "cqar", "request_rate", t) for t in range(0, int(DAY), 10)]
    assert max(rates) > 2.5 * min(rates)  # busy afternoon against the night


def test_latency_and_pool_usage_rise_with_traffic() -> None:
    source = DemoSource(demo_config(), lambda: 0.0, seed=7, start_offset=0.0)
    night, day = [], []
    for t in range(0, int(DAY), 5):
        if source_phase_is_calm(t):
            rate = value_at(source, "arq", "request_rate", t)
            pair = (
                value_at(source, "arq", "pool_usage", t),
                value_at(source, "arq", "latency_p99", t),
            )
            (day if rate > 400 else night if rate < 200 else []).append(pair)
    assert night and day
    assert mean(p for p, _ in day) > 1.5 * mean(p for p, _ in night)
    assert mean(lat for _, lat in day) > 1.1 * mean(lat for _, lat in night)


def source_phase_is_calm(t: float) -> bool:
    from oncall_tui.sources.demo import incident_phase

    return all(incident_phase(s, t) == "calm" for s in ("cqar", "arq", "bazaruto"))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def test_multi_series_kpi_names_its_worst_series() -> None:
    source = DemoSource(demo_config(), lambda: NOW, seed=7)
    outcome = source.observe("cqar", kpi_of("cqar", "latency_p99"), NOW).outcome
    assert isinstance(outcome, Reading)
    assert outcome.series_count == 3
    assert outcome.labels["method"].startswith("/cqc.services.v1.AssetRegistry/")


def test_baseline_kpi_carries_the_value_one_demo_day_earlier() -> None:
    source = DemoSource(demo_config(), lambda: NOW, seed=7, start_offset=DAY + 100.0)
    outcome = source.observe("cqar", kpi_of("cqar", "request_rate"), NOW).outcome
    assert isinstance(outcome, Reading) and outcome.baseline is not None
    assert outcome.baseline == value_at(source, "cqar", "request_rate", NOW - DAY)


# -- the data-trust statuses ----------------------------------------------------------------


def test_the_queue_query_times_out_during_saturation_only() -> None:
    errors = [
        (now, outcome)
        for service, kpi, now, outcome in sweep(INCIDENT_PERIOD)
        if isinstance(outcome, FetchError) and kpi.key != "cert_expiry"
    ]
    assert errors, "some query times out in every incident"
    assert {(o.kind, o.message) for _, o in errors} == {
        (ErrorKind.TIMEOUT, "query timed out after 3.0 s")
    }
    from oncall_tui.sources.demo import incident_phase

    assert {incident_phase("bazaruto", now) for now, _ in errors} == {"saturation"}


def test_the_replica_lag_panel_drops_out_while_calm() -> None:
    from oncall_tui.sources.demo import incident_phase

    empty = [
        now
        for service, kpi, now, outcome in sweep(INCIDENT_PERIOD)
        if isinstance(outcome, Reading) and outcome.empty
    ]
    assert 10 <= len(empty) <= 40
    assert {incident_phase("arq", now) for now in empty} == {"calm"}


def test_the_broken_panel_reports_a_rejected_query() -> None:
    config = demo_config(broken_panel=True)
    source = DemoSource(config, lambda: NOW, seed=7)
    panel = config.services["gateway"].panels[-1]
    outcome = source.observe("gateway", panel, NOW).outcome
    assert isinstance(outcome, FetchError)
    assert outcome.kind is ErrorKind.BAD_QUERY and "parse error" in outcome.message


def test_jobs_are_one_per_kpi_with_checks_and_a_short_interval() -> None:
    source = DemoSource(demo_config(), lambda: NOW, seed=7)
    jobs = source.jobs()
    assert len({j.key for j in jobs}) == len(jobs)
    for job in jobs:
        (check,) = job.checks
        if not isinstance(check, CheckId) or check.kind is not CheckKind.KPI:
            continue  # workloads, probes and alerts have jobs of their own (see their tests)
        assert job.key == f"kpi:demo:{check.service}:{check.key}"
        assert job.interval == 1.0 and job.source == "demo" == source.name
