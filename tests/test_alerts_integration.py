"""Alerts end to end: a real Prometheus evaluating a real rule file, a real Alertmanager.

The exporter's pool gauge is driven over the rule's threshold; the alert is seen going
pending then firing through `AlertSource` (Prometheus `/api/v1/alerts` and Alertmanager),
silenced and unsilenced through `SilenceClient`, and going stale when Alertmanager stops
while the KPIs of the same dashboard carry on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from oncall_tui.config.model import (
    Alertmanager,
    Config,
    Datasource,
    Kpi,
    Level,
    Service,
    Thresholds,
)
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.alerts import AlertList, AlertSource
from oncall_tui.sources.alerts.silences import SilenceClient
from oncall_tui.sources.base import CheckKind, DashboardRecord, FetchError, Reading
from oncall_tui.sources.prometheus import PrometheusSource
from oncall_tui.status import Status
from oncall_tui.units import RATIO

pytestmark = pytest.mark.integration

RULES = """\
groups:
  - name: cqar
    interval: 1s
    rules:
      - alert: CQARDatabasePoolExhausted
        expr: cqar_db_pool_active_connections / cqar_db_pool_max_connections > 0.90
        for: 3s
        labels:
          severity: critical
          service: cqar
        annotations:
          summary: "pool usage {{ $value }}"
          runbook_url: https://git.example.com/runbooks/cqar.md#connection-pool-exhausted
"""
POOL_QUERY = "cqar_db_pool_active_connections / cqar_db_pool_max_connections"


def make_config(prom_url: str, am_url: str | None) -> Config:
    pool = Kpi(
        "pool_usage",
        POOL_QUERY,
        unit=RATIO,
        thresholds=Thresholds(levels=(Level("crit", 0.9, Status.CRIT),)),
        interval=1.0,
    )
    services = {
        "cqar": Service("cqar", "CQAR", "default", vars={"job": "cqar"}, kpis=(pool,)),
        "arq": Service("arq", "ARQ", "default"),
    }
    am = Alertmanager(am_url, interval=1.0, allow_silence=True) if am_url else None
    return Config(
        path=None,
        refresh=1.0,
        datasources={"default": Datasource("default", prom_url)},
        services=services,
        alertmanager=am,
    )


async def wait_for(
    poll: Callable[[], Awaitable[AlertList | None]],
    predicate: Callable[[AlertList], bool],
    what: str,
    timeout: float = 20.0,
) -> AlertList:
    deadline = time.monotonic() + timeout
    last: AlertList | None = None
    while time.monotonic() < deadline:
        last = await poll()
        if last is not None and predicate(last):
            return last
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what} not seen within {timeout} s; last: {last}")


def fetcher(source: AlertSource) -> Callable[[], Awaitable[AlertList | None]]:
    async def poll() -> AlertList | None:
        observations = await source.poll()
        listing = next(o for o in observations if o.check is DashboardRecord.ALERT_LIST)
        assert isinstance(listing.outcome, Reading), listing.outcome
        assert isinstance(listing.outcome.detail, AlertList)
        return listing.outcome.detail

    return poll


def states(alert_list: AlertList) -> set[str]:
    return {a.state for a in alert_list.alerts if a.name == "CQARDatabasePoolExhausted"}


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "cqar-rules.yml"
    path.write_text(RULES)
    return path


async def test_alert_goes_pending_then_firing_then_silenced_and_back(
    exporter, alertmanager, prometheus_factory, rule_file
) -> None:
    exporter.pool(10, 100)
    prom = prometheus_factory(
        [exporter.target], rule_files=[rule_file], alertmanager_url=alertmanager.url
    )
    prom.wait_for_series(POOL_QUERY)
    via_prom = AlertSource(make_config(prom.url, None))
    via_am = AlertSource(make_config(prom.url, alertmanager.url))
    silences = SilenceClient(make_config(prom.url, alertmanager.url).alertmanager)
    try:
        quiet = await fetcher(via_prom)()
        assert quiet is not None and states(quiet) == set()

        exporter.pool(95, 100)
        pending = await wait_for(fetcher(via_prom), lambda al: states(al) == {"pending"}, "pending")
        (alert,) = pending.for_service("cqar")
        assert alert.severity == "critical" and alert.starts_at is not None
        assert alert.summary.startswith("pool usage 0.95")
        firing = await wait_for(fetcher(via_prom), lambda al: states(al) == {"firing"}, "firing")
        assert firing.source == "prometheus alerts"

        # the same alert through Alertmanager, which Prometheus notifies once it fires
        in_am = await wait_for(fetcher(via_am), lambda al: states(al) == {"firing"}, "AM firing")
        (alert,) = in_am.for_service("cqar")
        assert alert.fingerprint and alert.runbook_url.endswith("#connection-pool-exhausted")
        observations = {o.check: o.outcome for o in await via_am.poll()}
        cqar_alerts = next(o for c, o in observations.items() if c.service == "cqar")
        assert cqar_alerts.value == 1.0 and cqar_alerts.status is Status.CRIT

        created = await silences.create(alert, 600, "pool resize in progress", created_by="test")
        assert created.ok, created.error
        assert created.status == 200 and created.silence_id
        assert {m["name"] for m in created.request_body["matchers"]} == set(alert.labels)
        listed = await silences.list()
        assert [s.id for s in listed.silences] == [created.silence_id]
        assert listed.silences[0].matches(alert.labels)

        silenced = await wait_for(
            fetcher(via_am), lambda al: states(al) == {"silenced"}, "silenced"
        )
        (alert,) = silenced.for_service("cqar")
        assert alert.silenced_by == (created.silence_id,)
        observations = {o.check: o.outcome for o in await via_am.poll()}
        cqar_alerts = next(o for c, o in observations.items() if c.service == "cqar")
        assert cqar_alerts.value == 0.0 and cqar_alerts.status is Status.OK

        expired = await silences.expire(created.silence_id)
        assert expired.ok and expired.status == 200
        await wait_for(fetcher(via_am), lambda al: states(al) == {"firing"}, "firing again")
        assert (await silences.list()).silences == ()
    finally:
        await via_prom.aclose()
        await via_am.aclose()
        await silences.aclose()


async def test_unreachable_alertmanager_makes_alerts_stale_and_leaves_kpis_alone(
    exporter, alertmanager, prometheus
) -> None:
    exporter.pool(50, 100)
    prometheus.wait_for_series(f"{POOL_QUERY} == 0.5")  # scraped since the gauge was set
    config = make_config(prometheus.url, alertmanager.url)
    state = DashboardState(config)
    prom_source = PrometheusSource(
        config.datasources["default"], list(config.services.values()), time.time
    )
    alert_source = AlertSource(config)
    poller = Poller([prom_source, alert_source], state)
    try:
        await poller.poll_once()
        snap = state.snapshot()
        cqar = snap.service("cqar")
        assert cqar.check(CheckKind.ALERTS, "alerts").status is Status.OK
        assert isinstance(snap.extras.alerts, AlertList)

        alertmanager.stop()
        await poller.poll_once()
        snap = state.snapshot()
        cqar = snap.service("cqar")
        alerts_check = cqar.check(CheckKind.ALERTS, "alerts")
        assert alerts_check.status is Status.STALE
        assert isinstance(alerts_check.error, FetchError)
        assert snap.service("arq").check(CheckKind.ALERTS, "alerts").status is Status.STALE
        assert isinstance(snap.extras.alerts, AlertList)  # the last list stays, marked
        assert isinstance(snap.extras.alerts_error, FetchError)
        pool = cqar.check(CheckKind.KPI, "pool_usage")
        assert pool.status is Status.OK and pool.value == pytest.approx(0.5)
        assert pool.error is None
    finally:
        await poller.aclose()


async def test_rules_files_show_firing_alerts_without_alertmanager(
    exporter, prometheus, rule_file
) -> None:
    exporter.pool(95, 100)
    prometheus.wait_for_series(f"{POOL_QUERY} > 0.9")
    base = make_config(prometheus.url, None)
    config = Config(
        path=None,
        refresh=1.0,
        datasources=base.datasources,
        services=base.services,
        rules=(rule_file,),
    )
    source = AlertSource(config)
    try:
        assert source.name == "prometheus rules"
        alert_list = await fetcher(source)()
        assert alert_list is not None and alert_list.errors == ()
        (alert,) = alert_list.for_service("cqar")
        assert alert.state == "firing" and "`for: 3s` not applied" in alert.note
        assert alert.labels["job"] == "exporter" and alert.summary == "pool usage 0.95"
        exporter.pool(10, 100)
        await wait_for(fetcher(source), lambda al: not al.alerts, "resolved", timeout=10)
    finally:
        await source.aclose()
