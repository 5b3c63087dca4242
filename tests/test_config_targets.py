"""`up:` per service: the scrape health of its job, polled as its own check."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oncall_tui.config.errors import ConfigErrors
from oncall_tui.config.loader import load_config
from oncall_tui.config.targets import TARGETS_KEY, is_rate_based
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, Observation, Reading
from oncall_tui.status import Status


def load(tmp_path: Path, service: str):
    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources:\n  default: {url: http://localhost:9090}\nservices:\n  cqar:\n"
        + textwrap.indent(textwrap.dedent(service), "    ")
    )
    return load_config(path, environ={})


RATE = "      request_rate: {query: 'sum(rate(calls_total{job=\"$job\"}[5m]))', unit: req/s}\n"


def test_a_service_with_a_job_var_gets_up_of_its_job_by_default(tmp_path):
    svc = load(tmp_path, "vars: {job: cqar}\nkpis:\n" + RATE).services["cqar"]
    assert svc.targets is not None and svc.targets.key == TARGETS_KEY
    assert 'up{job="cqar"}' in svc.targets.query
    assert TARGETS_KEY in {k.key for k in svc.polled_kpis}
    assert TARGETS_KEY not in {k.key for k in svc.all_kpis}  # not one of the config's KPIs


def test_up_takes_a_query_or_false(tmp_path):
    svc = load(
        tmp_path, 'vars: {job: cqar}\nup: \'up{job="cqar", env="prod"}\'\nkpis:\n' + RATE
    ).services["cqar"]
    assert 'env="prod"' in svc.targets.query
    off = load(tmp_path, "vars: {job: cqar}\nup: false\nkpis:\n" + RATE).services["cqar"]
    assert off.targets is None
    no_job = load(tmp_path, "kpis:\n" + RATE.replace("$job", "cqar")).services["cqar"]
    assert no_job.targets is None


def test_an_up_query_naming_an_unknown_var_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigErrors) as caught:
        load(tmp_path, "vars: {job: cqar}\nup: 'up{job=\"$jobb\"}'\nkpis:\n" + RATE)
    (error,) = caught.value.errors
    assert "$jobb" in error.message and "services.cqar.up" in str(error)


def test_rate_based_queries_are_told_apart():
    assert is_rate_based('sum(rate(x_total{job="a"}[5m]))')
    assert is_rate_based("increase(x_total[1h])") and is_rate_based("irate(x[1m])")
    assert not is_rate_based('sum(queue_depth{job="a"})')
    assert not is_rate_based("histogram_quantile(0.99, x_bucket)")


def test_targets_down_makes_rate_kpis_stale_and_keeps_their_last_value(tmp_path):
    config = load(
        tmp_path,
        "vars: {job: cqar}\nkpis:\n" + RATE + "      queue_depth: {query: 'sum(q)', crit: 100}\n",
    )
    state = DashboardState(config, lambda: 1000.0)
    targets = CheckId("cqar", CheckKind.KPI, TARGETS_KEY)
    rate = CheckId("cqar", CheckKind.KPI, "request_rate")
    queue = CheckId("cqar", CheckKind.KPI, "queue_depth")
    state.apply(
        [
            Observation(targets, Reading(1000.0, 1.0)),
            Observation(rate, Reading(1000.0, 271.0)),
            Observation(queue, Reading(1000.0, 3.0)),
        ]
    )
    # the job's process died: up is 0, and rate() answers a decaying average
    state.apply(
        [
            Observation(rate, Reading(1001.0, 179.0)),  # before the targets in the batch
            Observation(targets, Reading(1001.0, 0.0)),
            Observation(queue, Reading(1001.0, 3.0)),
        ]
    )
    svc = state.snapshot().service("cqar")
    shown = svc.check(CheckKind.KPI, "request_rate")
    assert shown.status is Status.STALE and shown.value == 271.0
    assert shown.error.kind is ErrorKind.TARGETS_DOWN and "targets down" in str(shown.error)
    assert svc.check(CheckKind.KPI, TARGETS_KEY).status is Status.CRIT
    assert svc.check(CheckKind.KPI, "queue_depth").status is Status.OK  # not a rate
    assert svc.status is Status.CRIT
    # the up series gone altogether is down too
    state.apply([Observation(targets, Reading(1002.0, empty=True, series_count=0))])
    svc = state.snapshot().service("cqar")
    assert svc.check(CheckKind.KPI, TARGETS_KEY).status is Status.CRIT
    assert "gone" in str(svc.check(CheckKind.KPI, "request_rate").error)
    # back up: the next reading counts again
    state.apply(
        [Observation(targets, Reading(1003.0, 1.0)), Observation(rate, Reading(1003.0, 250.0))]
    )
    shown = state.snapshot().service("cqar").check(CheckKind.KPI, "request_rate")
    assert shown.status is Status.OK and shown.value == 250.0


def test_validate_checks_the_up_query_syntax_on_its_key(tmp_path, capsys):
    from oncall_tui.cli import main

    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources:\n  default: {url: http://localhost:9090}\nservices:\n  cqar:\n"
        "    vars: {job: cqar}\n    up: 'up{job=\"$job\"'\n    kpis:\n" + RATE
    )
    assert main(["validate", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "services.cqar.up: not valid PromQL" in err
