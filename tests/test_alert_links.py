"""From an alert to its runbook section, on the example runbooks in runbooks/."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config.model import Config, Service
from oncall_tui.runbooks.alert_links import (
    ExternalRunbook,
    alert_runbook,
    runbook_text,
    status_runbook,
)
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import LinkProblem, ResolvedLink
from oncall_tui.sources.alerts.records import Alert

RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"
SERVICES = {
    "cqar": Service("cqar", "CQAR", "default", runbook="cqar.md"),
    "arq": Service("arq", "ARQ", "default", runbook="arq.md"),
    "bare": Service("bare", "no runbook", "default"),
}


@pytest.fixture(scope="module")
def index() -> RunbookIndex:
    return RunbookIndex.load([RUNBOOKS])


def alert(name: str, service: str | None = "cqar", runbook_url: str = "") -> Alert:
    annotations = {"runbook_url": runbook_url} if runbook_url else {}
    return Alert(name, "firing", "critical", {"alertname": name}, annotations, service=service)


def section_of(result: object) -> tuple[str, str | None]:
    assert isinstance(result, ResolvedLink), result
    return result.file.name, result.anchor


@pytest.mark.parametrize(
    "url",
    [
        "cqar.md#connection-pool-exhausted",
        "https://git.example.com/team/runbooks/blob/main/cqar.md#connection-pool-exhausted",
        "https://wiki.example.com/Runbooks/cqar#connection-pool-exhausted",
        "http://wiki.example.com/runbooks/CQAR.md#Connection-Pool-Exhausted",
    ],
)
def test_runbook_url_naming_our_file_and_anchor_opens_that_section(
    index: RunbookIndex, url: str
) -> None:
    result = alert_runbook(alert("CQARHighErrorRate", runbook_url=url), index, SERVICES)
    assert section_of(result) == ("cqar.md", "connection-pool-exhausted")
    assert result.explicit and "runbook_url" in result.reason


def test_runbook_url_in_another_services_file_is_followed(index: RunbookIndex) -> None:
    url = "https://wiki.example.com/runbooks/arq.md#queue-backlog"
    result = alert_runbook(alert("Whatever", runbook_url=url), index, SERVICES)
    assert section_of(result) == ("arq.md", "queue-backlog")


@pytest.mark.parametrize("name", ["HighErrorRate", "CQARHighErrorRate", "cqar_high_error_rate"])
def test_without_runbook_url_the_alert_name_finds_the_heading(
    index: RunbookIndex, name: str
) -> None:
    result = alert_runbook(alert(name), index, SERVICES)
    assert section_of(result) == ("cqar.md", "high-error-rate")
    assert not result.explicit


def test_latency_and_pool_alert_names_find_their_sections(index: RunbookIndex) -> None:
    assert section_of(alert_runbook(alert("CQARHighLatencyP99"), index, SERVICES)) == (
        "cqar.md",
        "high-latency",
    )
    assert section_of(alert_runbook(alert("ArqDbPoolExhausted", "arq"), index, SERVICES)) == (
        "arq.md",
        "connection-pool-exhausted",
    )


def test_an_unknown_alert_name_opens_the_whole_service_runbook(index: RunbookIndex) -> None:
    result = alert_runbook(alert("CertificateRotationOverdue"), index, SERVICES)
    assert section_of(result) == ("cqar.md", None)


def test_our_file_with_a_missing_anchor_falls_back_to_the_alert_name(index: RunbookIndex) -> None:
    url = "https://git.example.com/runbooks/cqar.md#no-such-heading"
    result = alert_runbook(alert("CQARHighErrorRate", runbook_url=url), index, SERVICES)
    assert section_of(result) == ("cqar.md", "high-error-rate")
    assert "no heading #no-such-heading" in result.reason


def test_a_url_we_do_not_have_is_kept_in_full_with_the_local_guess(index: RunbookIndex) -> None:
    url = "https://runbooks.example.com/payments/HighErrorRate?tab=steps#first-steps"
    result = alert_runbook(alert("CQARHighErrorRate", runbook_url=url), index, SERVICES)
    assert isinstance(result, ExternalRunbook)
    assert result.url == url and url in result.message
    assert section_of(result.fallback) == ("cqar.md", "high-error-rate")
    assert runbook_text(result, index) == url


def test_a_url_we_do_not_have_for_an_unmatched_alert_has_no_fallback(index: RunbookIndex) -> None:
    url = "https://runbooks.example.com/x"
    result = alert_runbook(alert("Foo", service=None, runbook_url=url), index, SERVICES)
    assert isinstance(result, ExternalRunbook) and result.fallback is None


def test_unmatched_alert_without_runbook_url_is_a_problem_not_a_crash(index: RunbookIndex) -> None:
    result = alert_runbook(alert("Foo", service=None), index, SERVICES)
    assert isinstance(result, LinkProblem) and "no service" in result.message
    bare = alert_runbook(alert("Foo", service="bare"), index, SERVICES)
    assert isinstance(bare, LinkProblem) and bare.kind == "no-runbook"


def test_status_json_runbook_is_the_resolved_link_else_the_annotation(index: RunbookIndex) -> None:
    config = Config(path=None, services=SERVICES, runbooks=(RUNBOOKS,))
    wiki = "https://wiki.example.com/Runbooks/cqar#high-latency"
    assert status_runbook(alert("X", runbook_url=wiki), index, config) == "cqar.md#high-latency"
    assert status_runbook(alert("CQARHighErrorRate"), index, config) == "cqar.md#high-error-rate"
    outside = "https://elsewhere.example.com/rb"
    assert status_runbook(alert("X", runbook_url=outside), index, config) == outside
    assert status_runbook(alert("Foo", service=None), index, config) is None


def test_alert_links_stays_free_of_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, oncall_tui.runbooks.alert_links; "
        "sys.exit(1 if 'textual' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_status_json_alert_entries_carry_the_resolved_runbook(index: RunbookIndex) -> None:
    from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot, ServiceSnapshot
    from oncall_tui.render.status_report import to_json
    from oncall_tui.sources.alerts.records import ServiceAlerts
    from oncall_tui.sources.base import CheckId, CheckKind
    from oncall_tui.status import Status

    config = Config(path=None, services=SERVICES, runbooks=(RUNBOOKS,))
    firing = alert("CQARHighErrorRate", runbook_url="https://wiki.example.com/cqar#high-latency")
    check = CheckSnapshot(
        CheckId("cqar", CheckKind.ALERTS, "alerts"),
        "alerts",
        Status.CRIT,
        detail=ServiceAlerts((firing,)),
    )
    snapshot = DashboardSnapshot(
        0.0, 1, (ServiceSnapshot("cqar", "CQAR", Status.CRIT, 0.0, (check,)),)
    )
    plain = to_json(snapshot)["services"]["cqar"]["alerts"][0]
    assert plain["runbook"] == "https://wiki.example.com/cqar#high-latency"
    resolved = to_json(snapshot, lambda a: status_runbook(a, index, config))
    assert resolved["services"]["cqar"]["alerts"][0]["runbook"] == "cqar.md#high-latency"
