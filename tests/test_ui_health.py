"""Health probes on screen: the overview column and the service screen's health pane.

Driven by a real HTTP health server through the real HealthSource and poller, and by the
demo's simulated probes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from servers.health import HealthHttpServer
from ui_builders import screen_text

from oncall_tui.config.loader import load_config
from oncall_tui.config.model import ProbeKind
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import demo_config, incident_time
from oncall_tui.sources.health.records import Component, ProbeResult
from oncall_tui.status import Status
from oncall_tui.ui.headless import WARMUP, demo_app, replay
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.health_pane import HealthPane, ProbeRow, component_lines, sparkline

MESSAGE = "error: connection refused (dial tcp 10.0.3.7:6379: connect: connection refused)"
NOT_READY = {
    "status": "not_ready",
    "components": {"database": "ok", "cache": MESSAGE, "eventbus": "ok"},
}


def live_config(tmp_path: Path, server: HealthHttpServer):
    server.answer("/health/live", body={"status": "ok"})
    server.answer("/health/ready", status=503, body=NOT_READY)
    server.answer("/api/v1/alerts", body={"status": "success", "data": {"alerts": []}})
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""
datasources:
  default: {{url: "{server.url("")}"}}
services:
  cqar:
    title: CQAR asset registry
    health:
      - {{name: live, url: "{server.url("/health/live")}", timeout: 2s}}
      - {{name: ready, url: "{server.url("/health/ready")}", timeout: 2s}}
"""
    )
    return load_config(path)


async def wait_for(pilot, condition, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def test_service_screen_shows_the_failing_component_and_its_message_from_a_real_server(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(live_config(tmp_path, health_http_server), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        app.open_service("cqar")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ServiceScreen) and app.screen.query(ProbeRow)
        )
        await pilot.pause()
        text = screen_text(app)
        # the message in full, however the pane wrapped it
        assert MESSAGE in " ".join(re.sub(r"[│█▌▐╭╮╰╯─]", " ", text).split())
        lines = text.splitlines()
        cache = next(i for i, line in enumerate(lines) if "✖ cache" in line)
        database = next(i for i, line in enumerate(lines) if "● database" in line)
        assert cache < database  # the failing component comes first
        assert "error: connection refused" in lines[cache]
        assert "✖ CRIT ready · http 503" in text
        assert "● OK live · http 200" in text
        rows = {row.check_id.key: row for row in app.screen.query(ProbeRow)}
        assert rows["ready"].has_class("-crit") and rows["live"].has_class("-ok")
        assert app.focused is rows["ready"]  # the loudest thing on the screen has focus


async def test_overview_health_column_names_each_probe_with_its_glyph(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(live_config(tmp_path, health_http_server), live=False)
    async with app.run_test(size=(200, 30)) as pilot:
        await app.poll_once()
        await pilot.pause()
        text = screen_text(app)
        assert "health" in text
        assert "live ● ready ✖ CRIT" in text
    health_http_server.answer("/health/ready", body={"status": "ready"})


async def test_a_recovered_probe_updates_the_pane_in_place(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(live_config(tmp_path, health_http_server), live=False, service="cqar")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await wait_for(pilot, lambda: bool(app.screen.query(ProbeRow)))
        health_http_server.answer(
            "/health/ready", body={"status": "ready", "components": {"cache": "ok"}}
        )
        await app.poll_once()
        await pilot.pause()
        text = screen_text(app)
        # every probe well again: the block is one line naming each probe
        assert "● health 2/2 ok · live" in text and " · ready " in text
        assert "connection refused" not in text
        assert app.screen.query_one(HealthPane).all_well


async def test_demo_shows_probes_of_every_kind_and_cqar_not_ready_during_its_cache_phase():
    kinds = {p.kind for s in demo_config().services.values() for p in s.health}
    assert kinds == {ProbeKind.HTTP, ProbeKind.GRPC, ProbeKind.TCP}
    app, clock = demo_app(seed=7, at=incident_time("cqar", "cache"), service="cqar")
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock, WARMUP)
        await wait_for(pilot, lambda: len(app.screen.query(ProbeRow)) == 4)
        await pilot.pause()
        cqar = app.snapshot.service("cqar")
        results = {c.id.key: c.detail for c in cqar.of_kind(CheckKind.HEALTH)}
        assert all(isinstance(r, ProbeResult) for r in results.values())
        assert {r.kind for r in results.values()} == {ProbeKind.HTTP, ProbeKind.GRPC, ProbeKind.TCP}
        assert results["ready"].status is Status.CRIT and results["ready"].http_status == 503
        text = screen_text(app)
        assert "✖ cache" in text and "error: connection refused" in text
        assert "grpc · SERVING" in text
        assert "tcp" in text


async def test_demo_bazaruto_jobs_check_is_degraded_with_pending_jobs_during_saturation():
    app, clock = demo_app(seed=7, at=incident_time("bazaruto", "saturation"), service="bazaruto")
    async with app.run_test(size=(160, 50)) as pilot:
        await replay(app, clock, WARMUP)
        await wait_for(pilot, lambda: bool(app.screen.query(ProbeRow)))
        await pilot.pause()
        detailed = app.snapshot.service("bazaruto").check(CheckKind.HEALTH, "detailed")
        assert detailed.status is Status.WARN
        text = screen_text(app)
        assert "▲ jobs" in text and "pending_jobs=" in text
        assert app.screen.query_one(HealthPane).display


async def test_demo_overview_at_80_columns_condenses_the_health_column_without_losing_names():
    app, clock = demo_app(seed=7, at=incident_time("cqar", "cache"))
    async with app.run_test(size=(80, 24)) as pilot:
        await replay(app, clock, WARMUP)
        await pilot.pause()
        table = app.screen.query_one("#matrix")
        column = next(k for k, c in table.columns.items() if c.label.plain == "health")
        cells = {
            table.get_row(r.key)[1].plain: table.get_cell(r.key, column).plain
            for r in table.ordered_rows
        }
        assert cells["cqar"] == "3/4 ✖ready"
        assert cells["gateway"] == "envoy ●"


def test_sparkline_scales_from_zero_so_jitter_stays_flat_and_spikes_stand_out():
    assert sparkline([]) == ""
    assert sparkline([0.003, 0.0031, 0.0029, 0.06]) == "▁▁▁█"
    assert len(sparkline([1.0] * 40)) == 12


def test_components_list_nested_ones_indented_with_their_fields():
    jobs = Component(
        "jobs",
        Status.WARN,
        "job queue backing up",
        {"pending_jobs": 4600, "failed_jobs": 43},
        (Component("workers", Status.CRIT, "0 of 8 alive"),),
    )
    result = ProbeResult(
        "detailed",
        ProbeKind.HTTP,
        Status.WARN,
        components=(jobs, Component("database", Status.OK, "", {"response_time": "2ms"})),
    )
    lines = [line.plain for line in component_lines(result)]
    assert lines[0].startswith("▲ jobs")
    assert "job queue backing up  pending_jobs=4600 · failed_jobs=43" in lines[0]
    assert lines[1].startswith("✖   workers") and lines[1].endswith("0 of 8 alive")
    assert lines[2].startswith("● database") and "response_time=2ms" in lines[2]


async def test_r_on_a_probe_row_opens_the_runbook_for_that_probe(
    health_http_server: HealthHttpServer, tmp_path: Path
) -> None:
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(live_config(tmp_path, health_http_server), live=False, service="cqar")
    calls = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await wait_for(pilot, lambda: isinstance(app.focused, ProbeRow))
        app.open_runbook_for_check = lambda check, outside: calls.append((check, outside))
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(calls))
    check, outside = calls[0]
    assert check.id.key == "ready" and check.status is Status.CRIT
    assert outside == {"probe": "ready", "target": health_http_server.url("/health/ready")}
