"""The alerts screen against a real Prometheus (real rule file) and a real Alertmanager.

The exporter's pool gauge is driven over the rule's threshold and the app's alerts screen
shows the alert pending, then firing; a silence is created through the form and confirm
screen, the alert turns silenced, the silence is expired from the silences view and the
alert fires again; then Alertmanager stops and the alerts go stale while the KPIs stay fresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from oncall_tui.config.model import (
    Alertmanager,
    Config,
    Datasource,
    HttpOptions,
    Kpi,
    Level,
    Service,
    Thresholds,
)
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.alerts.screen import AlertsScreen
from oncall_tui.ui.alerts.silence_form import ConfirmScreen, ExchangeScreen, SilenceForm
from oncall_tui.ui.alerts.silences import SilencesScreen
from oncall_tui.ui.alerts.table import AlertTable
from oncall_tui.ui.app import OncallApp
from oncall_tui.units import RATIO

pytestmark = pytest.mark.integration

ALERT = "CQARDatabasePoolExhausted"
RULES = f"""\
groups:
  - name: cqar
    interval: 1s
    rules:
      - alert: {ALERT}
        expr: cqar_db_pool_active_connections / cqar_db_pool_max_connections > 0.90
        for: 3s
        labels:
          severity: critical
          service: cqar
        annotations:
          summary: "pool usage {{{{ $value }}}}"
          runbook_url: https://git.example.com/runbooks/cqar.md#connection-pool-exhausted
"""
POOL_QUERY = "cqar_db_pool_active_connections / cqar_db_pool_max_connections"
RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"


def make_config(prom_url: str, am_url: str | None) -> Config:
    pool = Kpi(
        "pool_usage",
        POOL_QUERY,
        unit=RATIO,
        thresholds=Thresholds(levels=(Level("crit", 0.99, Status.CRIT),)),
        interval=1.0,
    )
    service = Service(
        "cqar", "CQAR", "default", vars={"job": "cqar"}, kpis=(pool,), runbook="cqar.md"
    )
    am = (
        Alertmanager(am_url, HttpOptions(timeout=15.0), interval=1.0, allow_silence=True)
        if am_url
        else None
    )
    return Config(
        path=None,
        refresh=1.0,
        datasources={"default": Datasource("default", prom_url)},
        services={"cqar": service},
        alertmanager=am,
        runbooks=(RUNBOOKS,),
    )


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "cqar-rules.yml"
    path.write_text(RULES)
    return path


def alert_states(app: OncallApp) -> list[str]:
    screen = app.screen
    if not isinstance(screen, AlertsScreen):
        return []
    return [a.state for a in screen.alerts if a.name == ALERT]


async def poll_until(
    pilot, condition: Callable[[], bool], what: str, timeout: float = 25.0, poll: bool = True
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if poll:
            await pilot.app.poll_once()
        await pilot.pause(0.05)
        if condition():
            return
        await pilot.pause(0.2)
    raise AssertionError(f"{what} not seen within {timeout} s; screen: {pilot.app.screen}")


def table_text(app: OncallApp) -> str:
    table = app.screen.query_one(AlertTable)
    return "\n".join(" | ".join(c.plain for c in table.get_row(r.key)) for r in table.ordered_rows)


async def test_alert_goes_pending_then_firing_on_the_alerts_screen(
    exporter, prometheus_factory, rule_file
) -> None:
    exporter.pool(10, 100)
    prom = prometheus_factory([exporter.target], rule_files=[rule_file])
    prom.wait_for_series(POOL_QUERY)
    app = OncallApp(make_config(prom.url, None), live=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.poll_once()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen) and alert_states(app) == []
        exporter.pool(95, 100)
        await poll_until(pilot, lambda: alert_states(app) == ["pending"], "pending")
        assert "◔ pending" in table_text(app)
        await poll_until(pilot, lambda: alert_states(app) == ["firing"], "firing")
        assert "✖ critical | CQARDatabasePoolExhausted | cqar | ◉ firing" in table_text(app)
        cqar = app.snapshot.service("cqar")
        assert cqar.check(CheckKind.ALERTS, "alerts").status is Status.CRIT


async def test_silence_created_and_expired_through_the_ui_then_alertmanager_outage(
    exporter, alertmanager, prometheus_factory, rule_file
) -> None:
    exporter.pool(95, 100)
    prom = prometheus_factory(
        [exporter.target], rule_files=[rule_file], alertmanager_url=alertmanager.url
    )
    prom.wait_for_series(POOL_QUERY)
    app = OncallApp(make_config(prom.url, alertmanager.url), live=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await app.poll_once()
        await pilot.press("a")
        await poll_until(pilot, lambda: alert_states(app) == ["firing"], "firing in Alertmanager")
        alerts_screen = app.screen

        # s: the form, prefilled; enter: the confirm screen with the exact matchers
        await pilot.press("s")
        await poll_until(pilot, lambda: isinstance(app.screen, SilenceForm), "form", poll=False)
        form = app.screen
        assert form.query_one("#silence-duration", Input).value == "1h"
        assert form.query_one("#silence-creator", Input).value  # from $USER or a default
        form.query_one("#silence-comment", Input).value = "pool resize in progress"
        await pilot.press("enter")
        await poll_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm", poll=False
        )
        confirm_text = str(app.screen.query_one("#confirm-text").render())
        assert f'alertname="{ALERT}"' in confirm_text and 'severity="critical"' in confirm_text
        assert f"POST {alertmanager.url}/api/v2/silences" in confirm_text
        assert '"comment": "pool resize in progress"' in confirm_text
        await pilot.press("y")
        await poll_until(
            pilot, lambda: isinstance(app.screen, ExchangeScreen), "the answer", poll=False
        )
        answer = app.screen.exchange
        assert answer.ok and answer.status == 200 and answer.silence_id
        assert f"silence created: {answer.silence_id}" in str(
            app.screen.query_one("#exchange-text").render()
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is alerts_screen
        await poll_until(pilot, lambda: alert_states(app) == ["silenced"], "silenced")
        assert "◌ silenced" in table_text(app)

        # S: the silences view lists it; x and y expire it
        await pilot.press("S")
        await poll_until(
            pilot,
            lambda: isinstance(app.screen, SilencesScreen) and bool(app.screen.silences),
            "silence listed",
            poll=False,
        )
        assert [s.id for s in app.screen.silences] == [answer.silence_id]
        await pilot.press("x")
        await poll_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm", poll=False
        )
        await pilot.press("y")
        await poll_until(
            pilot, lambda: isinstance(app.screen, ExchangeScreen), "expire answer", poll=False
        )
        assert app.screen.exchange.ok and app.screen.exchange.method == "DELETE"
        await pilot.press("escape")
        await poll_until(
            pilot,
            lambda: isinstance(app.screen, SilencesScreen) and app.screen.silences == (),
            "silence gone from the list",
            poll=False,
        )
        await pilot.press("escape")
        await poll_until(pilot, lambda: alert_states(app) == ["firing"], "firing again")

        # Alertmanager goes away: alerts stale, the KPI from Prometheus carries on
        alertmanager.stop()
        await poll_until(pilot, lambda: alerts_screen.stale, "stale alerts")
        text = str(app.screen.query_one("#alerts-stale").render())
        assert "alertmanager unreachable: showing alerts from" in text
        assert alert_states(app) == ["firing"]  # the last list stays, marked
        pool = app.snapshot.service("cqar").check(CheckKind.KPI, "pool_usage")
        assert pool.status is Status.OK and pool.error is None
        assert pool.value == pytest.approx(0.95)
