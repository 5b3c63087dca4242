"""The service screen answers the first minute: the cause in one line, breaching panels first
and in view, health one line when well, hints only where the focus is, the runbook pane beside
reflowing the panels."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from ui_builders import NOW, check, dashboard, hand_app, kpi, screen_text, service, thresholds

from oncall_tui.config.model import Direction
from oncall_tui.render.cause import cause_line
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import incident_time
from oncall_tui.status import Status
from oncall_tui.ui.headless import WARMUP, demo_app, replay
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.health_pane import HealthPane
from oncall_tui.ui.widgets.kpi_panel import FOCUSED_HINT, KpiPanel

SINCE = NOW - 300


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def cache_incident(*, probe: Status = Status.OK):
    """cqar: cache hit rate 52 % against a 70 % crit (lower is worse), last in config order,
    behind six ok KPIs; four probes."""
    ok = [
        kpi("cqar", key, value, Status.OK, unit, thresholds=thresholds(10, 20))
        for key, value, unit in (
            ("request_rate", 784.0, "req/s"),
            ("latency_p50", 0.004, "s"),
            ("latency_p99", 0.018, "s"),
            ("error_rate", 0.0004, "ratio"),
            ("pool_usage", 0.41, "ratio"),
            ("queue_depth", 3.0, "count"),
        )
    ]
    cache = kpi(
        "cqar",
        "cache_hit_rate",
        0.52,
        Status.CRIT,
        "ratio",
        thresholds=thresholds(0.8, 0.7, Direction.BELOW),
        level="crit",
        since=SINCE,
    )
    probes = [
        replace(
            check("cqar", CheckKind.HEALTH, name, probe if name == "ready" else Status.OK),
            value=0.003,
        )
        for name in ("live", "ready", "grpc", "deep")
    ]
    return dashboard([service("cqar", [*ok, cache, *probes])])


async def open_cqar(pilot):
    await pilot.pause()
    pilot.app.open_service("cqar")
    for _ in range(4):
        await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ServiceScreen)
    return screen


def test_the_cause_line_names_the_check_its_value_the_line_and_since_when():
    line = cause_line(cache_incident().services[0], NOW)
    assert line == f"✖ cache hit rate 52 % <= 70 % since {clock(SINCE)}"


def test_the_cause_line_of_a_pending_breach_says_when_it_counts_and_a_stale_one_its_age():
    p99 = kpi(
        "arq",
        "latency_p99",
        0.095,
        Status.PENDING,
        "s",
        thresholds=thresholds(0.02, 0.05),
        pending=Status.CRIT,
        pending_since=NOW - 35,
        hold=60.0,
    )
    line = cause_line(service("arq", [p99]), NOW)
    assert line == f"◔ latency p99 95 ms >= 50 ms CRIT in 25 s since {clock(NOW - 35)}"
    stale = replace(
        p99, status=Status.STALE, last_verdict=Status.CRIT, pending=None, updated_at=NOW - 40
    )
    errors = kpi("arq", "error_rate", 0.02, Status.WARN, "ratio", thresholds=thresholds(0.01, 0.1))
    line = cause_line(service("arq", [errors, stale]), NOW)
    assert line.startswith("✖ latency p99 95 ms >= 50 ms ◌ STALE 40 s since")
    assert line.endswith(" · +1 more")


def test_the_cause_line_of_a_well_service_says_so():
    ok = kpi("arq", "error_rate", 0.0, Status.OK, "ratio", thresholds=thresholds(0.01, 0.1))
    assert cause_line(service("arq", [ok]), NOW) == "● every check within its lines"


@pytest.mark.parametrize("probe", [Status.OK, Status.CRIT])
async def test_at_120x40_the_cause_is_in_the_header_and_the_breaching_panel_first_in_view(probe):
    app, _ = hand_app(cache_incident(probe=probe))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cqar(pilot)
        lines = screen_text(app).splitlines()
        cause = next(i for i, line in enumerate(lines) if "cache hit rate 52 % <= 70 %" in line)
        assert cause <= 4  # the header block, above every panel
        panels = [p for p in screen.query(KpiPanel) if p.display]
        assert panels[0].check_id.key == "cache_hit_rate"  # breaching first, whatever the config
        region = panels[0].region
        assert region.y >= 0 and region.bottom <= 39, region  # in view, above the footer
        assert app.focused is panels[0] or probe is Status.CRIT
        pane = screen.query_one(HealthPane)
        if probe is Status.OK:
            assert pane.all_well and pane.region.height == 1  # one line when all is well
            assert any("● health 4/4 ok · live 3 ms" in line for line in lines)
        else:
            assert not pane.all_well and "✖ CRIT ready" in "\n".join(lines)


async def test_only_the_focused_panel_says_its_keys():
    app, _ = hand_app(cache_incident())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cqar(pilot)
        panels = [p for p in screen.query(KpiPanel) if p.display]
        assert app.focused is panels[0]
        hinted = [p for p in panels if FOCUSED_HINT in str(p.border_subtitle)]
        assert hinted == [panels[0]]
        await pilot.press("down")
        await pilot.pause()
        assert app.focused is panels[1], app.focused
        hinted = [p for p in panels if FOCUSED_HINT in str(p.border_subtitle)]
        assert hinted == [panels[1]]
        assert str(panels[0].border_subtitle) == "✖ CRIT"


async def test_the_runbook_pane_beside_the_panels_reflows_them_into_the_room_left():
    from oncall_tui.ui.runbook.opened import open_pane
    from oncall_tui.ui.runbook.pane import RunbookPane

    app, clock_ = demo_app(seed=7, at=incident_time("cqar", "cache"), service="cqar")
    async with app.run_test(size=(160, 45)) as pilot:
        await replay(app, clock_, WARMUP)
        for _ in range(40):
            await pilot.pause(0.05)
            if isinstance(app.screen, ServiceScreen) and app.screen.query(KpiPanel):
                break
        below = app.screen
        assert isinstance(below, ServiceScreen)
        await pilot.press("r")
        for _ in range(60):
            await pilot.pause(0.05)
            if open_pane(app) is not None:
                break
        pane = open_pane(app)
        assert isinstance(pane, RunbookPane) and app.screen is below
        body = below.query_one("#service-body")
        assert pane.has_class("-side")
        await pilot.pause(0.2)
        assert body.region.right <= pane.region.x
        assert not below.query_one("#timeline-pane").display
        for panel in below.query(KpiPanel):
            if panel.display:
                assert panel.region.right <= pane.region.x, (panel, panel.region, pane.region)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert open_pane(app) is None
        assert below.query_one("#timeline-pane").display
        assert body.region.width == below.size.width


def test_the_alerts_own_severity_is_said_beside_the_dashboards_verdict_and_which_pages():
    from oncall_tui.render.cause import dashboard_line, paging_line
    from oncall_tui.sources.alerts.records import Alert, ServiceAlerts

    warning = Alert("CQARHighErrorRate", "firing", "warning", {}, {}, service="cqar")
    errors = kpi(
        "cqar", "error_rate", 0.05, Status.CRIT, "ratio", thresholds=thresholds(0.01, 0.02)
    )
    errors = replace(errors, level="major")  # a policy tier named on its own
    alerts = replace(
        check("cqar", CheckKind.ALERTS, "alerts", Status.WARN),
        value=1.0,
        detail=ServiceAlerts((warning,)),
    )
    cqar = service("cqar", [errors, alerts])
    line = paging_line(cqar)
    assert line is not None
    assert "▲ CQARHighErrorRate warning" in line
    assert "dashboard ✖ CRIT major" in line and "does not page" in line
    detail = dashboard_line(cqar, warning)
    assert "✖ CRIT major" in detail and "what pages is this alert's severity (warning)" in detail
    assert paging_line(service("cqar", [errors])) is None


async def test_the_service_header_says_which_alert_pages_with_what_severity():
    from oncall_tui.sources.alerts.records import Alert, ServiceAlerts

    warning = Alert("CQARCacheLow", "firing", "warning", {}, {}, service="cqar")
    snapshot = cache_incident()
    cqar = snapshot.services[0]
    alerts = replace(
        check("cqar", CheckKind.ALERTS, "alerts", Status.WARN),
        value=1.0,
        detail=ServiceAlerts((warning,)),
    )
    snapshot = replace(snapshot, services=(replace(cqar, checks=(*cqar.checks, alerts)),))
    app, _ = hand_app(snapshot)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_cqar(pilot)
        lines = screen_text(app).splitlines()
        paging = next(i for i, line in enumerate(lines) if "alerts do:" in line)
        assert paging <= 5 and "▲ CQARCacheLow warning" in lines[paging]
        assert "dashboard ✖ CRIT" in lines[paging]


async def test_focus_moves_to_the_loudest_panel_when_the_focused_probe_row_folds_away():
    app, state = hand_app(cache_incident(probe=Status.CRIT))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cqar(pilot)
        row = screen.query_one("#probe-ready")
        row.focus()
        await pilot.pause()
        state.set(cache_incident(probe=Status.OK))  # every probe well: rows fold into a line
        app.tick()
        for _ in range(4):
            await pilot.pause()
        assert screen.query_one(HealthPane).all_well
        assert isinstance(app.focused, KpiPanel) and app.focused.check_id.key == "cache_hit_rate"


async def test_entering_a_service_focuses_the_check_the_cause_line_names_and_r_opens_its_section():
    """In the demo's recovery, cqar's availability SLO is crit and shown first, but the cause
    line names latency p99 (the KPI that crossed): focus starts there, and `r` opens the
    section its `runbook:` links, not a guess for the SLO."""
    from oncall_tui.render.cause import cause_check
    from oncall_tui.sources.demo import INCIDENT_START
    from oncall_tui.ui.runbook.command_block import CommandBlock
    from oncall_tui.ui.runbook.opened import open_pane
    from oncall_tui.ui.widgets.slo_panel import SloPanel

    app, clock_ = demo_app(seed=7, at=INCIDENT_START["cqar"] + 58.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock_, WARMUP)
        await pilot.pause()
        app.open_service("cqar")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, ServiceScreen) and isinstance(app.focused, KpiPanel):
                break
        screen = app.screen
        assert isinstance(screen, ServiceScreen)
        service_ = app.snapshot.service("cqar")
        assert service_ is not None
        cause = cause_check(service_)
        assert cause is not None and cause.id.key == "latency_p99"
        assert "latency p99" in str(screen.query_one("#service-cause").render())
        slos = [p for p in screen.query(SloPanel) if p.display]
        assert any(p.snapshot is not None and p.snapshot.status is Status.CRIT for p in slos)
        focused = app.focused
        assert isinstance(focused, KpiPanel) and focused.check_id == cause.id
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            pane = open_pane(app)
            if pane is not None and pane.location is not None and pane.query(CommandBlock):
                break
        pane = open_pane(app)
        assert pane is not None and pane.location is not None
        assert pane.location.runbook.path.name == "cqar.md"
        assert pane.location.anchor == "high-latency"
