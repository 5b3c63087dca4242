"""`oncall import-rules`: alert rules become KPIs with thresholds, or comments saying why not."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from oncall_tui.commands import import_rules
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import Direction
from oncall_tui.rules import promql
from oncall_tui.rules.reader import AlertRule, parse_duration, read_rule_file
from oncall_tui.rules.translate import camel_words, runbook_link, translate
from oncall_tui.status import Status

RULES = Path(__file__).parent / "data" / "rules"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """import-rules finds ./runbooks from the current folder: run from the repository."""
    monkeypatch.chdir(REPO)


def rule(expr: str, severity: str = "critical", name: str = "Test", **kw: object) -> AlertRule:
    labels = {"severity": severity, "service": "svc"}
    return AlertRule(name=name, expr=expr, labels=labels, **kw)  # type: ignore[arg-type]


def only(expr: str, severity: str = "critical"):
    result = translate([rule(expr, severity)])
    assert not result.skipped, result.skipped
    (kpi,) = result.kpis
    return kpi


def run_import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *files: str, service=None):
    args = argparse.Namespace(files=[str(RULES / f) for f in files], service=service)
    assert import_rules.run(args) == 0
    text = capsys.readouterr().out
    out = tmp_path / "oncall.yaml"
    out.write_text(text)
    return text, load_config(out)


# -- expression shapes ---------------------------------------------------------------------


def test_comparison_inside_braces_and_strings_is_not_the_top_level_one() -> None:
    kpi = only('sum(rate(x_total{status=~"5..",path!="a>b"}[5m])) / sum(rate(x_total[5m])) > 0.01')
    assert kpi.query == 'sum(rate(x_total{status=~"5..",path!="a>b"}[5m])) / sum(rate(x_total[5m]))'
    assert (kpi.crit, kpi.warn, kpi.direction) == (0.01, None, "above")


@pytest.mark.parametrize(
    ("op", "direction"), [(">", "above"), (">=", "above"), ("<", "below"), ("<=", "below")]
)
def test_operator_gives_direction(op: str, direction: str) -> None:
    assert only(f"my_gauge {op} 3", "warning").direction == direction


def test_threshold_on_the_left_is_flipped() -> None:
    kpi = only("0.5 > avg(pool_ratio)", "warning")
    assert (kpi.query, kpi.direction, kpi.warn) == ("avg(pool_ratio)", "below", 0.5)


def test_multi_line_expression_keeps_its_lines_and_drops_comments() -> None:
    kpi = only("histogram_quantile(0.99,\n  rate(h_bucket[5m])  # p99\n) > 0.050\n", "warning")
    assert kpi.query == "histogram_quantile(0.99,\n  rate(h_bucket[5m])\n)"
    assert kpi.key == "latency_p99" and kpi.warn == 0.05


def test_trailing_and_unless_are_noted_and_skipped() -> None:
    kpi = only("errors_ratio > 0.02\n  and on() sum(rate(req_total[5m])) > 1\n  unless maint == 1")
    assert kpi.query == "errors_ratio"
    assert any("and on() sum(rate(req_total[5m])) > 1" in n for n in kpi.notes)
    assert any("unless maint == 1" in n for n in kpi.notes)


def test_whole_expression_in_parentheses_is_unwrapped() -> None:
    assert only("(queue_size > 10)").query == "queue_size"


def test_equal_to_zero_is_a_breach_at_or_below_zero() -> None:
    kpi = only('up{job="x"} == 0')
    assert kpi.custom and (kpi.crit, kpi.warn, kpi.direction) == (0, None, "below")
    assert only("queue_size == 0", "warning").warn == 0


def test_equal_to_a_number_counts_past_it_and_says_so() -> None:
    kpi = only("replicas_failed == 1")
    assert (kpi.crit, kpi.direction) == (1, "above")
    assert any("== 1" in n and "above" in n for n in kpi.notes)
    assert only("temperature_c == -5").direction == "below"


def test_not_equal_becomes_a_panel_without_thresholds() -> None:
    kpi = only("replicas != 3")
    assert kpi.custom and kpi.warn is None and kpi.crit is None and kpi.direction is None
    assert any("!= 3" in n for n in kpi.notes)


def test_an_up_rule_names_the_job_of_a_service_named_by_its_file_or_by_service() -> None:
    down = AlertRule(name="ShopDown", expr='up{job="shop"} == 0', labels={"severity": "page"})
    assert translate([down], fallback_service="rules").service_jobs == {"rules": "shop"}
    assert translate([down], service="shop").service_jobs == {"shop": "shop"}
    # in the rules of another named service it watches a dependency: a note, no job
    dep = AlertRule(
        name="DbDown",
        expr='up{job="postgres"} == 0',
        labels={"service": "shop", "severity": "page"},
    )
    result = translate([dep])
    assert result.service_jobs == {}
    assert any("'postgres'" in n and "vars: {job: postgres}" in n for n in result.kpis[0].notes)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("absent(up{job='x'})", "no top-level comparison"),
        ("a > 1 or b > 1", "`or`"),
        ("queue_size > bool 10", "bool"),
        ("used > limit * 0.9", "not a number"),
        ("used > on(instance) group_left 5", "vector matching"),
        ("sum(rate(x[5m]) > 1", "unclosed"),
        ("a > 1 < 2", "more than one"),
    ],
)
def test_untranslatable_rules_are_skipped_with_a_reason(expr: str, reason: str) -> None:
    result = translate([rule(expr)])
    assert not result.kpis
    (skipped,) = result.skipped
    assert reason in skipped.reason


def test_an_expression_that_is_not_promql_is_skipped_with_its_position() -> None:
    result = translate([rule("sum(rate(x_total[5m])) > > 1")])
    assert not result.kpis
    (skipped,) = result.skipped
    assert skipped.reason.startswith("not valid PromQL at 1:26 (near '>')")


def test_prometheus_2_functions_are_accepted() -> None:
    kpi = only("holt_winters(queue_size[10m], 0.3, 0.3) > 100", "warning")
    assert (kpi.query, kpi.warn) == ("holt_winters(queue_size[10m], 0.3, 0.3)", 100)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0.01", 0.01),
        ("1e3", 1000.0),
        ("-5", -5.0),
        ("(0.7)", 0.7),
        ("0x1f", 31.0),
        ("- (2)", -2.0),
        ("Inf", None),
        ("NaN", None),
        ("x", None),
        ("1 + 1", None),
        ("", None),
    ],
)
def test_numbers_are_read_from_the_syntax_tree(text: str, number: float | None) -> None:
    assert promql.parse_number(text) == number


@pytest.mark.parametrize(
    ("query", "ratio"),
    [
        ("a / b", True),
        ("(a / b)", True),
        ("a / b * 100", True),
        ("(a / b) * 100", False),
        ("sum(a / b)", False),
        ('rate(x{path="/a/b"}[5m])', False),
        ("a / on(x) group_left b", True),
    ],
)
def test_ratio_is_read_from_the_syntax_tree(query: str, ratio: bool) -> None:
    assert promql.has_top_level_division(query) is ratio


def test_top_level_spans_skip_nested_groups_and_quotes() -> None:
    expr = 'a{x="(>"} / (b > 1)'
    spans = [expr[a:b] for a, b in promql.top_level_spans(expr)]
    assert spans == ["a", " / "]


# -- severities, merging, standard keys -----------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("critical", "crit"),
        ("page", "crit"),
        ("warning", "warn"),
        ("major", "warn"),
        ("minor", "warn"),
    ],
)
def test_severity_label_picks_warn_or_crit(severity: str, level: str) -> None:
    kpi = only("x_gauge > 5", severity)
    assert (kpi.warn if level == "warn" else kpi.crit) == 5


def test_alerts_on_the_same_query_merge_into_warn_and_crit() -> None:
    rules = [
        rule("lat_p99_seconds  >  0.05", "critical", "Crit", for_=60.0, for_text="1m"),
        rule("lat_p99_seconds > 0.02", "warning", "Warn", for_=300.0, for_text="5m"),
    ]
    (kpi,) = translate(rules).kpis
    assert (kpi.warn, kpi.crit, kpi.for_text) == (0.02, 0.05, "1m")
    assert kpi.alerts == ("Crit", "Warn")


def test_minor_major_critical_become_levels() -> None:
    q = "sum(rate(r_total{status=~'5..'}[5m])) / sum(rate(r_total[5m]))"
    rules = [
        rule(f"{q} > {v}", sev, sev)
        for sev, v in (("critical", 0.01), ("minor", 0.001), ("major", 0.005))
    ]
    (kpi,) = translate(rules).kpis
    assert kpi.key == "error_rate"
    assert kpi.levels == (("minor", 0.001), ("major", 0.005), ("critical", 0.01))


@pytest.mark.parametrize(
    ("expr", "key", "unit"),
    [
        (
            'sum(rate(c_total{status_code!="OK"}[5m])) / sum(rate(c_total[5m])) > 0.01',
            "error_rate",
            "ratio",
        ),
        ("histogram_quantile(0.5, rate(d_seconds_bucket[5m])) > 0.01", "latency_p50", "s"),
        ("histogram_quantile(0.95, rate(d_seconds_bucket[5m])) > 0.01", "latency_p95", "s"),
        ("histogram_quantile(0.9, rate(d_seconds_bucket[5m])) > 0.01", None, "s"),
        (
            "sum(rate(hit_total[5m])) / (sum(rate(hit_total[5m])) + sum(rate(miss[5m]))) < 0.7",
            "cache_hit_rate",
            "ratio",
        ),
        ("db_pool_active / db_pool_max > 0.9", "pool_usage", "ratio"),
        ("max(jobs_queue_depth) > 100", "queue_depth", "count"),
        ("kafka_consumer_lag > 1000", "queue_depth", "count"),
        ("rate(http_requests_total{status=~'5..'}[5m]) > 0.1", None, ""),
        ("node_temperature > 80", None, ""),
    ],
)
def test_standard_key_is_chosen_when_recognisable(expr: str, key: str | None, unit: str) -> None:
    kpi = only(expr)
    if key is None:
        assert kpi.custom and kpi.title == "Test"
    else:
        assert kpi.key == key and not kpi.custom
    assert kpi.unit.text == unit


def test_second_query_of_the_same_kind_becomes_a_panel() -> None:
    rules = [
        rule("histogram_quantile(0.99, rate(a_seconds_bucket[5m])) > 1", name="ReadSlow"),
        rule("histogram_quantile(0.99, rate(b_seconds_bucket[5m])) > 1", name="WriteSlow"),
    ]
    first, second = translate(rules).kpis
    assert first.key == "latency_p99" and not first.custom
    assert second.custom and second.key == "write_slow"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (
            "https://git.example.com/ops/blob/main/runbooks/cqar.md#high-error-rate",
            "cqar.md#high-error-rate",
        ),
        ("runbooks/arq.md", "arq.md"),
        ("https://wiki.example.com/display/OPS/Bazaruto", "bazaruto.md"),
        ("https://wiki.example.com/ops/Arq#High-Latency", "arq.md#high-latency"),
        ("https://wiki.example.com/", None),
    ],
)
def test_runbook_url_becomes_a_file_link(url: str, link: str | None) -> None:
    assert runbook_link(url) == link


def test_alert_names_become_titles() -> None:
    assert camel_words("CQARHighErrorRate") == "CQAR High Error Rate"
    assert camel_words("HighCPUUsage") == "High CPU Usage"


def test_durations_parse_like_prometheus() -> None:
    assert parse_duration("1h30m") == 5400 and parse_duration("500ms") == 0.5
    with pytest.raises(ValueError):
        parse_duration("5 minutes")


def test_reader_keeps_lines_and_recording_rules() -> None:
    rf = read_rule_file(RULES / "arq.yml")
    assert [r.name for r in rf.alerts][:3] == [
        "ArqErrorRateMinor",
        "ArqErrorRateMajor",
        "ArqErrorRateCritical",
    ]
    assert rf.alerts[0].line == 5 and rf.alerts[0].for_ == 300
    assert [r.record for r in rf.recordings] == ["job:arq_http_requests:rate5m"]


# -- the command's output is a config that loads --------------------------------------------


def test_cqar_rules_from_the_guide_become_the_cqar_kpis(tmp_path, capsys) -> None:
    text, config = run_import(tmp_path, capsys, "cqar.yml")
    cqar = config.services["cqar"]
    kpis = {k.key: k for k in cqar.all_kpis}
    assert kpis["error_rate"].thresholds.warn == 0.001
    assert kpis["error_rate"].thresholds.crit == 0.01
    assert kpis["error_rate"].thresholds.hold == 300
    assert kpis["error_rate"].runbook == "cqar.md#high-error-rate"
    assert kpis["latency_p99"].thresholds.warn == 0.05
    assert kpis["cache_hit_rate"].thresholds.direction is Direction.BELOW
    assert kpis["pool_usage"].thresholds.crit == 0.9
    down = kpis["cqar_service_down"]  # up{job="cqar"} == 0: crit at or below 0
    assert down.custom and down.thresholds.crit == 0
    assert down.thresholds.direction is Direction.BELOW
    assert 'cqar_grpc_calls_total{status_code!="OK"}' in kpis["error_rate"].query
    assert cqar.vars["job"] == "cqar"
    assert config.datasources["default"].url == "http://localhost:9090"


def test_arq_policy_tiers_load_as_levels(tmp_path, capsys) -> None:
    _text, config = run_import(tmp_path, capsys, "arq.yml")
    kpis = {k.key: k for k in config.services["arq"].all_kpis}
    levels = kpis["error_rate"].thresholds.levels
    assert [(lv.name, lv.value, lv.status) for lv in levels] == [
        ("minor", 0.001, Status.WARN),
        ("major", 0.005, Status.WARN),
        ("critical", 0.01, Status.CRIT),
    ]
    assert kpis["latency_p99"].thresholds.warn == 2 and kpis["latency_p99"].thresholds.crit == 5
    assert kpis["queue_depth"].thresholds.crit == 100


def test_bazaruto_rules_become_panels_and_skips_are_comments(tmp_path, capsys) -> None:
    text, config = run_import(tmp_path, capsys, "bazaruto.yml")
    assert list(config.services) == ["bazaruto"]
    kpis = {k.key: k for k in config.services["bazaruto"].all_kpis}
    assert kpis["latency_p95"].thresholds.warn == 2
    assert kpis["high_cpu_usage"].custom and kpis["high_cpu_usage"].title == "High CPU Usage"
    assert kpis["high_error_rate"].runbook == "bazaruto.md"


def test_every_form_file_loads_and_lists_what_it_skipped(tmp_path, capsys) -> None:
    text, config = run_import(tmp_path, capsys, "forms.yml")
    skipped_part = text.split("# Not translated:")[1].split("# Recording rules")[0]
    skipped = [line.split()[2] for line in skipped_part.splitlines() if line.startswith("#")]
    assert skipped == [
        "EitherFails:",
        "BoolCompare:",
        "NoComparison:",
        "ComparedToSeries:",
        "VectorMatching:",
    ]
    assert "# Recording rules" in text and "shop:requests:rate5m" in text
    assert set(config.services) == {"shop"}
    assert yaml.safe_load(text)["services"]["shop"]["kpis"]["queue_depth"]["for"] == "3m"


def test_service_option_puts_every_rule_under_one_service(tmp_path, capsys) -> None:
    _text, config = run_import(tmp_path, capsys, "cqar.yml", "arq.yml", service="platform")
    assert list(config.services) == ["platform"]
    keys = [k.key for k in config.services["platform"].all_kpis]
    assert "error_rate" in keys and len(keys) == len(set(keys))


def test_unreadable_rule_file_is_an_error(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("groups: [\n")
    assert import_rules.run(argparse.Namespace(files=[str(bad)], service=None)) == 2
    assert "not valid YAML" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["cqar.yml", "arq.yml", "bazaruto.yml", "forms.yml"])
@pytest.mark.parametrize("with_runbooks", [True, False])
def test_output_passes_oncall_validate(tmp_path, capsys, monkeypatch, name, with_runbooks) -> None:
    from oncall_tui.cli import main

    # the repository's runbooks/ are found from its root; elsewhere links stay comments
    monkeypatch.chdir(REPO if with_runbooks else tmp_path)
    text, _config = run_import(tmp_path, capsys, name)
    has_link = "\n        runbook: " in text
    assert has_link == (with_runbooks and name != "forms.yml")
    if not with_runbooks and name != "forms.yml":
        assert "# runbook: " in text and "not found in a runbooks folder" in text
    assert main(["validate", "--config", str(tmp_path / "oncall.yaml")]) == 0, capsys.readouterr()
