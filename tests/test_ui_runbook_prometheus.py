"""A runbook's PromQL block run from the pane against a real Prometheus scraping an exporter."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer
from ui_builders import config_for, hand_app, incident, screen_text

from oncall_tui.config.model import Config, Datasource, Kpi, Service
from oncall_tui.runbooks.links import resolve_link
from oncall_tui.ui.runbook.command_block import CommandBlock
from oncall_tui.ui.runbook.opened import open_pane

pytestmark = pytest.mark.integration

RUNBOOK = """# ARQ

## Connection Pool Exhausted

```promql
max(cqar_db_pool_max_connections{job="$job"})
```

```promql
cqar_queue_depth{job="$job"}
```

```promql
sum(rate(cqar_grpc_calls_total{job="$job"}[1m]) by (
```
"""


def pool_config(tmp_path: Path, url: str) -> Config:
    (tmp_path / "arq.md").write_text(RUNBOOK)
    services = dict(config_for(incident()).services)
    services["arq"] = Service(
        "arq",
        "ARQ",
        "default",
        vars={"job": "exporter"},
        runbook="arq.md",
        kpis=(Kpi("pool_usage", "q", runbook="arq.md#connection-pool-exhausted"),),
    )
    return Config(
        path=tmp_path / "oncall.yaml",
        datasources={"default": Datasource("default", url)},
        services=services,
        runbooks=(tmp_path / "arq.md",),
    )


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


async def test_a_promql_block_runs_against_prometheus_and_shows_its_value(
    exporter: Exporter, prometheus: PrometheusServer, tmp_path: Path
):
    exporter.pool(5, 20)
    exporter.queue_depth(7, queue="default")
    exporter.queue_depth(3, queue="mail")
    prometheus.wait_for_series('cqar_queue_depth{queue="mail"} == 3', timeout=20)
    prometheus.wait_for_series("cqar_db_pool_max_connections == 20", timeout=20)
    app, _ = hand_app(incident(), config=pool_config(tmp_path, prometheus.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        link = resolve_link(app.runbook_index(), "arq.md#connection-pool-exhausted")
        app.open_runbook(link, service="arq")
        await wait_for(pilot, lambda: open_pane(app) is not None)
        screen = open_pane(app)
        await wait_for(pilot, lambda: len(screen.query(CommandBlock)) == 3)
        value, table, broken = screen.query(CommandBlock)

        await wait_for(pilot, lambda: app.focused is value)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "= 20 at " in value.result_text)
        assert "UTC" in value.result_text

        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "= 2 series" in table.result_text)
        assert 'queue="mail"' in table.result_text and 'queue="default"' in table.result_text

        broken.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "bad_query" in broken.result_text)
        assert "parse error" in broken.result_text  # Prometheus's own words
        assert app.is_running
