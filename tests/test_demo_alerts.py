"""Demo alerts follow the scripted incident: pending before firing, resolved after recovery."""

from __future__ import annotations

from oncall_tui.sources.demo import demo_config, incident_time
from oncall_tui.sources.demo.alerts import alerts_at
from oncall_tui.sources.demo.incidents import INCIDENT_START

SERVICES = list(demo_config().services.values())
NOW = 1_767_225_600.0


def states_at(u: float, service: str = "cqar") -> dict[str, str]:
    listing = alerts_at(SERVICES, INCIDENT_START[service] + u, NOW)
    return {a.name: a.state for a in listing.for_service(service)}


def test_calm_has_no_alerts():
    assert alerts_at(SERVICES, incident_time("cqar", "calm"), NOW).for_service("cqar") == ()


def test_cache_alert_is_pending_before_it_fires_and_error_rate_is_critical_later():
    assert states_at(7.0) == {"CQARCacheHitRateLow": "pending"}
    assert states_at(12.0)["CQARCacheHitRateLow"] == "firing"
    assert states_at(32.0)["CQARHighErrorRate"] == "pending"
    firing = alerts_at(SERVICES, INCIDENT_START["cqar"] + 40.0, NOW)
    crit = next(a for a in firing.alerts if a.name == "CQARHighErrorRate")
    assert crit.state == "firing" and crit.severity == "critical"
    assert crit.runbook_url == "cqar.md#high-error-rate"
    assert crit.starts_at == NOW - 10.0  # activeAt: when the expression first held
    assert states_at(79.0) == {}


def test_only_the_service_in_its_incident_alerts():
    listing = alerts_at(SERVICES, incident_time("arq", "saturation"), NOW)
    assert {a.service for a in listing.alerts} == {"arq"}
    assert listing.firing and listing.source == "demo alerts"


def test_the_demo_source_has_an_alerts_job_for_the_screen():
    from oncall_tui.sources.demo import DemoSource

    source = DemoSource(demo_config(), lambda: NOW, 7)
    keys = {job.key for job in source.jobs()}
    assert {"alerts:demo:list", "alerts:demo:cqar", "alerts:demo:gateway"} <= keys
