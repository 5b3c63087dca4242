"""Incident policy config and the clocks it drives: escalation, targets, update intervals."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.config.errors import ConfigErrors
from oncall_tui.config.incidents import DEFAULT_POLICY
from oncall_tui.config.loader import load_config
from oncall_tui.engine.incident import Incident, Milestone, clocks
from oncall_tui.render.incident_text import clock, header_line, is_loud, level_text

T0 = 1_800_000_000.0
MIN = 60.0

BASE = """
datasources:
  default: {url: http://localhost:9090}
services:
  cqar:
    kpis:
      request_rate: {query: 'sum(rate(x[5m]))'}
"""

CUSTOM_LADDER = """
incidents:
  severities:
    P0: {description: "Everything down", respond: 5m, resolve: 1h, updates_every: 15m}
    P1: {respond: 15m, updates_every: 15m}
    P2: {respond: 1h, updates_every: 15m}
    P3: {updates_every: 15m}
  escalation:
    - {after: 30m, level: "Team lead"}
    - {after: 60m, level: "Director", note: "joins the bridge"}
    - {after: 120m, level: "VP", updates_every: 5m}
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "oncall.yaml"
    path.write_text(textwrap.dedent(text))
    return load_config(path, environ={})


def incident(**kw) -> Incident:
    values = dict(
        id=1,
        title="errors",
        severity="P1",
        services=("cqar",),
        commander="ana",
        started_at=T0,
    )
    values.update(kw)
    return Incident(**values)  # type: ignore[arg-type]


def test_default_policy_escalates_at_15_and_30_minutes() -> None:
    inc = incident()
    at_10 = clocks(inc, DEFAULT_POLICY, T0 + 10 * MIN)
    assert at_10.level is not None and at_10.level.level == "L2 On-call engineer"
    assert at_10.next_level is not None and at_10.next_level.level == "L3 Engineering lead"
    assert at_10.next_level_in == pytest.approx(5 * MIN)
    assert level_text(at_10) == "L2 On-call engineer · L3 Engineering lead in 5:00"
    at_16 = clocks(inc, DEFAULT_POLICY, T0 + 16 * MIN)
    assert at_16.level.level == "L3 Engineering lead"  # type: ignore[union-attr]
    at_31 = clocks(inc, DEFAULT_POLICY, T0 + 31 * MIN)
    assert at_31.level.level == "L4 Executive"  # type: ignore[union-attr]
    assert at_31.next_level is None


def test_update_interval_follows_severity_then_the_level_reached() -> None:
    inc = incident()  # P1: updates every 15 min until L4 says every 5
    assert clocks(inc, DEFAULT_POLICY, T0 + MIN).update_interval == 15 * MIN
    assert clocks(inc, DEFAULT_POLICY, T0 + MIN).next_update_at == T0 + 15 * MIN
    sent = replace(inc, last_update_at=T0 + 30 * MIN)
    late = clocks(sent, DEFAULT_POLICY, T0 + 31 * MIN)
    assert late.update_interval == 5 * MIN
    assert late.next_update_at == T0 + 35 * MIN
    assert clocks(sent, DEFAULT_POLICY, T0 + 36 * MIN).update_overdue


def test_respond_target_counts_down_then_is_late_until_acknowledged() -> None:
    inc = incident()  # P1: respond within 15 min
    early = clocks(inc, DEFAULT_POLICY, T0 + 5 * MIN)
    respond = next(t for t in early.targets if t.name == "respond")
    assert respond.left(early.now) == pytest.approx(10 * MIN)
    assert not is_loud(early)
    late = clocks(inc, DEFAULT_POLICY, T0 + 17 * MIN)
    assert is_loud(late)
    assert "respond 2:00 late" in header_line(inc, late)
    acked = replace(inc, milestones={Milestone.ACKNOWLEDGED: T0 + 10 * MIN})
    met = clocks(acked, DEFAULT_POLICY, T0 + 17 * MIN)
    assert not any(t.missed(met.now) for t in met.targets if t.name == "respond")
    assert "respond" not in header_line(acked, met)


def test_resolution_freezes_the_clocks_and_stops_escalation() -> None:
    inc = incident(milestones={Milestone.RESOLVED: T0 + 20 * MIN})
    later = clocks(inc, DEFAULT_POLICY, T0 + 3 * 60 * MIN)
    assert later.elapsed == 20 * MIN
    assert later.next_level is None
    assert later.next_update_at is None
    assert inc.state == "resolved"


def test_detection_comes_from_the_first_breach_unless_stamped() -> None:
    inc = incident()
    assert clocks(inc, DEFAULT_POLICY, T0 + MIN, detected_at=T0 - 4 * MIN).since_detection == (
        5 * MIN
    )
    stamped = replace(inc, milestones={Milestone.DETECTED: T0 - 2 * MIN})
    assert clocks(stamped, DEFAULT_POLICY, T0, detected_at=T0 - 4 * MIN).detected_at == (
        T0 - 2 * MIN
    )


def test_a_custom_ladder_validates_and_drives_the_clocks(tmp_path: Path) -> None:
    config = load(tmp_path, CUSTOM_LADDER + BASE)
    policy = config.incident_policy(("cqar",))
    assert [s.name for s in policy.severities] == ["P0", "P1", "P2", "P3"]
    inc = incident(severity="P0")
    at_29 = clocks(inc, policy, T0 + 29 * MIN)
    assert at_29.level is None  # nobody before 30 min on this ladder
    assert at_29.next_level.level == "Team lead"  # type: ignore[union-attr]
    assert at_29.update_interval == 15 * MIN
    assert [t.name for t in at_29.targets] == ["respond", "resolve"]
    assert at_29.targets[1].due == T0 + 60 * MIN
    at_61 = clocks(inc, policy, T0 + 61 * MIN)
    assert at_61.level.level == "Director"  # type: ignore[union-attr]
    assert at_61.next_level_in == pytest.approx(59 * MIN)
    at_121 = clocks(inc, policy, T0 + 121 * MIN)
    assert at_121.level.level == "VP"  # type: ignore[union-attr]
    assert at_121.update_interval == 5 * MIN


def test_a_service_overrides_only_the_parts_it_names(tmp_path: Path) -> None:
    text = (
        CUSTOM_LADDER
        + BASE
        + "    incidents:\n      escalation:\n        - {after: 0m, level: SRE}\n"
    )
    config = load(tmp_path, text)
    policy = config.incident_policy(("cqar",))
    assert [lv.level for lv in policy.escalation] == ["SRE"]
    assert [s.name for s in policy.severities] == ["P0", "P1", "P2", "P3"]  # from the top level
    assert config.incident_policy(()).escalation[0].level == "Team lead"


def test_no_policy_gives_the_default(tmp_path: Path) -> None:
    config = load(tmp_path, BASE)
    assert config.incident_policy(("cqar",)) is DEFAULT_POLICY


@pytest.mark.parametrize(
    ("snippet", "where", "words"),
    [
        ("escalation: [{after: 30m, level: A}, {after: 10m, level: B}]", "escalation[1]", "order"),
        ("escalation: [{level: A}]", "escalation[0]", "missing required key 'after'"),
        ("severities: {P1: {respond: soon}}", "severities.P1.respond", "duration"),
        ("severities: {P1: {respnd: 5m}}", "severities.P1.respnd", "did you mean 'respond'"),
        ("templates: {update: ./nope.md}", "templates.update", "not found"),
        ("escalation: []", "escalation", "at least one level"),
    ],
)
def test_bad_policies_are_reported_with_line_and_key(
    tmp_path: Path, snippet: str, where: str, words: str
) -> None:
    with pytest.raises(ConfigErrors) as caught:
        load(tmp_path, f"incidents:\n  {snippet}\n" + BASE)
    found = [e for e in caught.value.errors if e.path == f"incidents.{where}"]
    assert found, caught.value.errors
    assert words in found[0].message
    assert found[0].line in (2, 3)


def test_clock_text() -> None:
    assert clock(252) == "4:12"
    assert clock(3723) == "1:02:03"
    assert clock(-130) == "2:10"
