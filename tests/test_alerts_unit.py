"""Alert records, matching and observations, on recorded Alertmanager and Prometheus JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config.model import Alertmanager, Config, Datasource, Service
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.alerts import alertmanager, prometheus_alerts
from oncall_tui.sources.alerts.matching import service_for
from oncall_tui.sources.alerts.records import Alert, AlertList, ServiceAlerts
from oncall_tui.sources.alerts.rules_state import RulesEvaluator, fill_template, load_rules
from oncall_tui.sources.alerts.silences import SilenceClient, matchers_for, silence_body
from oncall_tui.sources.alerts.source import (
    ALERT_LIST,
    AlertSource,
    alert_check,
    observations_of,
)
from oncall_tui.sources.base import CheckKind, ErrorKind, FetchError, FetchFailed, Series
from oncall_tui.status import Status

NOW = 1_700_000_000.0
CQAR = Service("cqar", "CQAR", "default", vars={"job": "cqar-prod"})
ARQ = Service("arq", "ARQ", "default")
BAZ = Service("bazaruto", "Bazaruto", "default", alert_match={"team": "claims", "env": "prod"})
SERVICES = (CQAR, ARQ, BAZ)


def am_item(name: str, state: str = "active", severity: str = "critical", **extra) -> dict:
    labels = {"alertname": name, "severity": severity, **extra.pop("labels", {})}
    return {
        "labels": labels,
        "annotations": {"summary": f"{name} summary", "runbook_url": "cqar.md#high-error-rate"},
        "startsAt": "2023-11-14T22:10:00.123456789Z",
        "endsAt": "2099-01-01T00:00:00Z",
        "fingerprint": f"fp-{name}",
        "status": {
            "state": state,
            "silencedBy": extra.pop("silenced", []),
            "inhibitedBy": extra.pop("inhibited", []),
        },
    }


def config(**kw) -> Config:
    ds = Datasource("default", "http://127.0.0.1:1")
    return Config(
        path=None, datasources={"default": ds}, services={s.name: s for s in SERVICES}, **kw
    )


# -- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "service"),
    [
        ({"job": "cqar-prod"}, "cqar"),  # vars.job
        ({"service": "cqar"}, "cqar"),  # the name
        ({"job": "cqar"}, "cqar"),
        ({"service": "arq"}, "arq"),
        ({"team": "claims", "env": "prod"}, "bazaruto"),  # alert_match: all pairs
        ({"team": "claims"}, None),
        ({"service": "bazaruto"}, None),  # alert_match replaces the default rule
        ({"job": "postgres"}, None),
        ({}, None),
    ],
)
def test_alert_belongs_to_the_service_its_labels_match(labels, service) -> None:
    assert service_for(labels, SERVICES) == service


# -- parsing -------------------------------------------------------------------------------


def test_alertmanager_states_from_status_and_silenced_by() -> None:
    body = [
        am_item("Silenced", "suppressed", silenced=["s1"], labels={"service": "cqar"}),
        am_item("Inhibited", "suppressed", inhibited=["fp-x"], labels={"service": "cqar"}),
        am_item("Firing", "active", labels={"service": "cqar"}),
        am_item("Warning", "active", "warning", labels={"job": "arq"}),
        am_item("Unknown", "unprocessed", labels={"job": "nobody"}),
        {**am_item("Old", "active"), "endsAt": "2023-11-14T22:00:00Z"},
    ]
    alerts = alertmanager.parse_alerts(body, SERVICES, NOW)
    by_name = {a.name: a for a in alerts}
    assert by_name["Silenced"].state == "silenced" and by_name["Silenced"].silenced_by == ("s1",)
    assert by_name["Inhibited"].state == "inhibited"
    assert by_name["Firing"].state == "firing" and by_name["Firing"].service == "cqar"
    assert by_name["Unknown"].state == "firing" and by_name["Unknown"].service is None
    assert by_name["Old"].state == "resolved"
    assert by_name["Firing"].starts_at == pytest.approx(NOW - 200 + 0.123456)
    assert by_name["Firing"].fingerprint == "fp-Firing"
    # firing (critical first) before silenced before inhibited before resolved
    assert [a.name for a in alerts] == [
        "Firing",
        "Unknown",
        "Warning",
        "Silenced",
        "Inhibited",
        "Old",
    ]


def test_alertmanager_answer_that_is_not_a_list_is_malformed() -> None:
    with pytest.raises(FetchFailed) as info:
        alertmanager.parse_alerts({"error": "x"}, SERVICES, NOW)
    assert info.value.error.kind is ErrorKind.MALFORMED


def test_prometheus_alerts_are_pending_or_firing_with_active_at() -> None:
    body = {
        "status": "success",
        "data": {
            "alerts": [
                {
                    "labels": {"alertname": "Slow", "job": "arq", "severity": "warning"},
                    "annotations": {"summary": "slow"},
                    "state": "pending",
                    "activeAt": "2023-11-14T22:13:20Z",
                    "value": "2.5e+00",
                },
                {
                    "labels": {"alertname": "Down", "job": "cqar", "severity": "page"},
                    "annotations": {},
                    "state": "firing",
                    "activeAt": "2023-11-14T22:00:00Z",
                    "value": "0",
                },
            ]
        },
    }
    slow_pending, down_firing = sorted(
        prometheus_alerts.parse_alerts(body, SERVICES), key=lambda a: a.name, reverse=True
    )
    assert slow_pending.state == "pending" and slow_pending.starts_at == NOW
    assert slow_pending.value == "2.5e+00" and slow_pending.service == "arq"
    assert down_firing.state == "firing" and down_firing.status is Status.CRIT
    assert down_firing.fingerprint and down_firing.fingerprint != slow_pending.fingerprint


# -- observations --------------------------------------------------------------------------


def alert(name: str, state: str, severity: str, service: str | None) -> Alert:
    return Alert(name, state, severity, {"alertname": name}, service=service)  # type: ignore[arg-type]


def test_each_service_gets_its_firing_count_and_worst_severity() -> None:
    alerts = (
        alert("A", "firing", "warning", "cqar"),
        alert("B", "firing", "critical", "cqar"),
        alert("C", "pending", "critical", "arq"),
        alert("D", "silenced", "critical", "arq"),
        alert("E", "firing", "major", "bazaruto"),
        alert("F", "firing", "critical", None),
    )
    obs = {
        o.check: o.outcome
        for o in observations_of(AlertList(alerts, "x", NOW), list(config().services))
    }
    cqar, arq, baz = (obs[alert_check(n)] for n in ("cqar", "arq", "bazaruto"))
    assert (cqar.value, cqar.status) == (2.0, Status.CRIT)
    assert (arq.value, arq.status) == (0.0, Status.OK)  # pending and silenced do not count
    assert (baz.value, baz.status) == (1.0, Status.WARN)
    assert isinstance(cqar.detail, ServiceAlerts)
    assert [a.name for a in cqar.detail.alerts] == ["A", "B"]
    assert isinstance(obs[ALERT_LIST].detail, AlertList)
    assert obs[ALERT_LIST].detail.other == (alerts[-1],)


def test_alert_list_reaches_the_snapshot_extras_and_the_service_checks() -> None:
    state = DashboardState(config(), clock=lambda: NOW)
    alerts = (alert("B", "firing", "critical", "cqar"),)
    state.apply(
        observations_of(AlertList(alerts, "alertmanager", NOW), ["cqar", "arq", "bazaruto"])
    )
    snap = state.snapshot()
    assert snap.extras.alerts is not None and snap.extras.alerts.alerts == alerts
    cqar_check = snap.service("cqar").check(CheckKind.ALERTS, "alerts")
    assert cqar_check.status is Status.CRIT and snap.service("cqar").status is Status.CRIT


def test_status_entry_has_the_json_fields() -> None:
    a = Alert(
        "HighErrorRate",
        "firing",
        "critical",
        {"alertname": "HighErrorRate"},
        {"summary": "too many", "runbook_url": "https://w/cqar.md#x"},
        starts_at=NOW,
    )
    assert a.status_entry() == {
        "name": "HighErrorRate",
        "severity": "critical",
        "state": "firing",
        "since": "2023-11-14T22:13:20Z",
        "summary": "too many",
        "runbook": "https://w/cqar.md#x",
    }
    assert a.status_entry(runbook="cqar.md#high-error-rate")["runbook"] == "cqar.md#high-error-rate"


# -- which API ------------------------------------------------------------------------------


def test_source_picks_alertmanager_then_rules_then_prometheus(tmp_path: Path) -> None:
    rules = tmp_path / "r.yml"
    rules.write_text("groups: []\n")
    am = Alertmanager("http://127.0.0.1:9093", interval=7.0)
    with_am = AlertSource(config(alertmanager=am, rules=(rules,)))
    assert with_am.name == "alertmanager" and with_am.jobs()[0].interval == 7.0
    with_rules = AlertSource(config(rules=(rules,)), query=lambda e: None)  # type: ignore[arg-type]
    assert with_rules.name == "prometheus rules"
    plain = AlertSource(config())
    assert plain.name == "prometheus alerts" and plain.jobs()[0].interval == 5.0
    assert set(plain.jobs()[0].checks) == {alert_check(n) for n in ("cqar", "arq", "bazaruto")} | {
        ALERT_LIST
    }
    assert AlertSource(Config(path=None)).jobs() == []


async def test_unreachable_api_reports_fetch_errors_on_every_alert_check() -> None:
    source = AlertSource(config(alertmanager=Alertmanager("http://127.0.0.1:9", interval=1)))
    try:
        obs = await source.poll()
    finally:
        await source.aclose()
    assert {o.check for o in obs} == {alert_check(n) for n in ("cqar", "arq", "bazaruto")} | {
        ALERT_LIST
    }
    assert all(isinstance(o.outcome, FetchError) for o in obs)
    assert obs[0].outcome.kind is ErrorKind.UNREACHABLE


# -- rules: files ----------------------------------------------------------------------------


async def test_rules_evaluation_fires_per_series_and_notes_that_for_is_skipped(tmp_path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - alert: QueueBacklog\n    expr: queue_depth > 100\n    for: 5m\n"
        "    labels: {severity: critical}\n"
        "    annotations: {summary: 'queue {{ $labels.queue }} at {{ $value }}'}\n"
        "  - alert: Broken\n    expr: rate(x[5m]\n"
        "  - alert: Quiet\n    expr: quiet > 1\n"
    )
    answers = {
        "queue_depth > 100": [
            Series({"__name__": "queue_depth", "job": "arq", "queue": "mail"}, 250.0)
        ],
        "quiet > 1": [],
    }

    async def query(expr: str):
        if expr not in answers:
            raise FetchFailed(FetchError(ErrorKind.BAD_QUERY, "parse error"))
        return answers[expr]

    rules, problems = load_rules([path])
    clock = [NOW]
    evaluator = RulesEvaluator(rules, SERVICES, query, problems)
    alerts, errors = await evaluator.evaluate(clock[0])
    (backlog,) = alerts
    assert backlog.state == "firing" and backlog.service == "arq"
    assert backlog.labels["alertname"] == "QueueBacklog" and "__name__" not in backlog.labels
    assert backlog.summary == "queue mail at 250"
    assert "`for: 5m` not applied" in backlog.note
    assert errors and "Broken" in errors[0] and "parse error" in errors[0]
    later, _ = await evaluator.evaluate(NOW + 30)
    assert later[0].starts_at == NOW  # first seen, kept across polls


async def test_rules_evaluation_with_the_datasource_down_is_a_fetch_error(tmp_path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: a > 1\n")

    async def query(expr: str):
        raise FetchFailed(FetchError(ErrorKind.UNREACHABLE, "refused"))

    source = AlertSource(config(rules=(path,)), query=query)
    obs = await source.poll()
    assert all(isinstance(o.outcome, FetchError) for o in obs)


def test_fill_template_handles_value_and_labels() -> None:
    text = "{{ $value | humanizePercentage }} on {{ $labels.instance }}"
    assert fill_template(text, {"instance": "db1"}, 0.25) == "0.25 on db1"


# -- silences --------------------------------------------------------------------------------


def test_silence_body_matches_exactly_the_alerts_labels(monkeypatch) -> None:
    monkeypatch.setenv("USER", "alice")
    a = Alert("X", "firing", "critical", {"alertname": "X", "job": "cqar", "instance": "h:1"})
    body = silence_body(a, 3600, "deploying fix", now=NOW)
    assert body["matchers"] == [
        {"name": "alertname", "value": "X", "isRegex": False, "isEqual": True},
        {"name": "instance", "value": "h:1", "isRegex": False, "isEqual": True},
        {"name": "job", "value": "cqar", "isRegex": False, "isEqual": True},
    ]
    assert body["createdBy"] == "alice" and body["comment"] == "deploying fix"
    assert body["startsAt"] == "2023-11-14T22:13:20.000Z"
    assert body["endsAt"] == "2023-11-14T23:13:20.000Z"
    assert [str(m) for m in matchers_for(a)][0] == 'alertname="X"'


async def test_silencing_is_refused_unless_allowed() -> None:
    a = Alert("X", "firing", "critical", {"alertname": "X"})
    client = SilenceClient(Alertmanager("http://127.0.0.1:9", allow_silence=False))
    created = await client.create(a, 600, "why")
    assert not created.ok and "allow_silence" in created.error.message
    assert created.request_body is not None and created.status is None  # shown, never sent
    expired = await client.expire("abc")
    assert not expired.ok and expired.error.kind is ErrorKind.CONFIG
    none = await SilenceClient(None).list()
    assert not none.ok and "alertmanager" in none.error.message
