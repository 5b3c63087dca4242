"""Links from panels to runbook sections: explicit, guessed, broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config.model import Config, HealthProbe, Kpi, ProbeKind, Service
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import (
    LinkProblem,
    ResolvedLink,
    check_links,
    guess_section,
    link_for,
    resolve_link,
)

SVC = """\
# Service runbook

## Runbook: High Error Rate
```promql
x
```
## High Latency
## Low Cache Hit Rate
## Cache Miss Spike
## Connection Pool Exhausted
## Queue Backlog
## Traffic
## Service Not Ready
## Errors in the billing job
"""


@pytest.fixture
def index(tmp_path: Path) -> RunbookIndex:
    (tmp_path / "svc.md").write_text(SVC)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "db.md").write_text("# Database\n\n## Failover\n")
    return RunbookIndex.load([tmp_path])


def test_explicit_link_resolves_to_the_section(index: RunbookIndex) -> None:
    found = resolve_link(index, "svc.md#high-latency")
    assert isinstance(found, ResolvedLink)
    assert found.explicit and found.anchor == "high-latency"
    assert found.line == found.runbook.section("high-latency").start_line  # type: ignore[union-attr]
    nested = resolve_link(index, "other/db.md#failover")
    assert isinstance(nested, ResolvedLink) and nested.section is not None


def test_anchor_only_link_uses_the_service_runbook(index: RunbookIndex) -> None:
    found = resolve_link(index, "#queue-backlog", service_runbook="svc.md")
    assert isinstance(found, ResolvedLink) and found.file.name == "svc.md"
    problem = resolve_link(index, "#queue-backlog")
    assert isinstance(problem, LinkProblem) and problem.kind == "no-runbook"


def test_link_without_anchor_opens_the_whole_file(index: RunbookIndex) -> None:
    found = resolve_link(index, "svc.md")
    assert isinstance(found, ResolvedLink) and found.section is None and found.line == 1


def test_missing_anchor_names_it_and_suggests_near_ones(index: RunbookIndex) -> None:
    problem = resolve_link(index, "svc.md#high-error-rate")
    assert isinstance(problem, LinkProblem) and problem.kind == "missing-anchor"
    assert "#high-error-rate" in problem.message and "svc.md" in problem.message
    assert problem.candidates[0] == "#runbook-high-error-rate"


def test_missing_file_names_it_and_suggests_near_ones(index: RunbookIndex) -> None:
    problem = resolve_link(index, "svcs.md#high-latency")
    assert isinstance(problem, LinkProblem) and problem.kind == "missing-file"
    assert "svcs.md" in problem.message and "svc.md" in problem.candidates


@pytest.mark.parametrize(
    ("name", "kind", "title"),
    [
        ("error_rate", "kpi", "Runbook: High Error Rate"),
        ("latency_p99", "kpi", "High Latency"),
        ("latency_p50", "kpi", "High Latency"),
        ("latency_p95", "kpi", "High Latency"),
        ("cache_hit_rate", "kpi", "Low Cache Hit Rate"),
        ("pool_usage", "kpi", "Connection Pool Exhausted"),
        ("queue_depth", "kpi", "Queue Backlog"),
        ("request_rate", "kpi", "Traffic"),
        ("ready", "probe", "Service Not Ready"),
        ("grpc", "probe", "Service Not Ready"),
        ("db", "probe", "Service Not Ready"),
        ("HighErrorRate", "alert", "Runbook: High Error Rate"),
        ("CQARHighErrorRate", "alert", "Runbook: High Error Rate"),
        ("CQARLowCacheHitRate", "alert", "Low Cache Hit Rate"),
        ("CQARDatabasePoolExhausted", "alert", "Connection Pool Exhausted"),
        ("SlowResponseTime", "alert", "High Latency"),
    ],
)
def test_guess_finds_the_heading_by_synonym(
    index: RunbookIndex, name: str, kind: str, title: str
) -> None:
    found = guess_section(index, "svc.md", name, kind)
    assert isinstance(found, ResolvedLink)
    assert not found.explicit and name in found.reason
    assert found.section is not None and found.section.title == title


def test_cache_guess_falls_back_to_cache_miss_spike(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("# R\n## Cache Miss Spike\n## High Latency\n")
    found = guess_section(RunbookIndex.load([tmp_path]), "r.md", "cache_hit_rate")
    assert isinstance(found, ResolvedLink) and found.anchor == "cache-miss-spike"


def test_guess_without_match_opens_the_whole_runbook_and_says_so(index: RunbookIndex) -> None:
    found = guess_section(index, "svc.md", "disk_usage", "kpi")
    assert isinstance(found, ResolvedLink) and found.section is None and not found.explicit
    assert "no heading matches disk_usage" in found.reason


def test_guess_without_service_runbook_is_a_problem(index: RunbookIndex) -> None:
    assert isinstance(guess_section(index, None, "error_rate"), LinkProblem)
    missing = guess_section(index, "gone.md", "error_rate")
    assert isinstance(missing, LinkProblem) and missing.kind == "missing-file"


def test_link_for_prefers_the_explicit_link(index: RunbookIndex) -> None:
    service = Service("svc", "Svc", "default", runbook="svc.md")
    linked = Kpi("error_rate", "q", runbook="#traffic")
    unlinked = Kpi("error_rate", "q")
    probe = HealthProbe("ready", ProbeKind.HTTP, "http://x/ready")
    assert link_for(index, service, linked).anchor == "traffic"  # type: ignore[union-attr]
    guessed = link_for(index, service, unlinked)
    assert isinstance(guessed, ResolvedLink) and not guessed.explicit
    assert guessed.anchor == "runbook-high-error-rate"
    assert link_for(index, service, probe).anchor == "service-not-ready"  # type: ignore[union-attr]


def test_check_links_reports_every_broken_link_with_its_place(
    index: RunbookIndex, tmp_path: Path
) -> None:
    service = Service(
        "svc",
        "Svc",
        "default",
        runbook="svc.md",
        kpis=(
            Kpi("error_rate", "q", runbook="svc.md#runbook-high-error-rate", line=10),
            Kpi("latency_p99", "q", runbook="#slow", line=12),
        ),
        health=(HealthProbe("ready", ProbeKind.HTTP, "u", runbook="nope.md#x", line=20),),
    )
    config = Config(path=tmp_path / "oncall.yaml", services={"svc": service})
    problems = check_links(config, index)
    assert [(p.where, p.line, p.kind) for p in problems] == [
        ("services.svc.kpis.latency_p99.runbook", 12, "missing-anchor"),
        ("services.svc.health.ready.runbook", 20, "missing-file"),
    ]
    assert "services.svc.kpis.latency_p99.runbook: no heading #slow" in str(problems[0])
