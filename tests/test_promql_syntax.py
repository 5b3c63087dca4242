"""PromQL syntax offline: promql-parser with the Prometheus 2.42 language, positions of errors,
and placeholders for template variables. Checked against the real Prometheus parser (promtool
of the installed Prometheus) so that nothing Prometheus accepts is rejected."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from oncall_tui.config.promql import PromqlSyntaxError, check, parse, placeholders

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

# Expressions Prometheus 2.42 accepts, from the corners of the language.
ACCEPTED = [
    'sum by (job) (rate(http_requests_total{job="api", status=~"5.."}[5m]))',
    "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))",
    "holt_winters(x[5m], 0.5, 0.5)",
    "histogram_count(rate(x[5m])) + histogram_sum(rate(x[5m]))",
    "histogram_fraction(0, 1, rate(x[5m]))",
    '{__name__="a"}',
    "x{a=~`5..`}",
    "x offset -5m",
    "x @ start()",
    "x[5m] @ 100",
    "rate(x[5m])[30m:1m] offset 1m",
    "x / on() group_left(a, b) y",
    "x > bool 1",
    "x atan2 y",
    "-Inf",
    ".5 + 5.",
    "0x1f + 1e3",
    'label_join(x, "d", ",", "a", "b")',
    'label_replace(x, "a", "$1", "b", "(.*)")',
    "sum by (on, by) (x)",
    'count_values("v", x)',
    "deg(x) + rad(x) + pi()",
    "quantile_over_time(0.9, x[5m]) + present_over_time(x[5m])",
    "predict_linear(x[1h], 3600) < 0",
    "sum(rate(x[5m])) by (job)\n  # a comment\n  / sum(rate(y[5m])) by (job)",
    "x[1y]",
]

REJECTED = [
    ("sum(rate(x[5m])) +* 2", "1:19"),
    ("foo{a=}", "1:7"),
    ("x[5m] smoothed", "1:7"),
    ("sum(rate(x[5m])) / / sum(rate(y[5m]))", "1:20"),
    ('x{a="b}', "1:5"),
    ("sum by (job (x)", "1:13"),
    ("sum(rate(x[5m])) by (job) /\n  sum(rate(y[5m])) bye (job)", "2:20"),
    ("nosuchfn(x)", "1:1"),
    ("x ! y", "1:3"),
    ('x{a="b"}[5x]', "1:10"),
]


def _promtool_verdict(expr: str, tmp_path: Path) -> str | None:
    """None when Prometheus parses `expr`, else its `line:col` of the error."""
    rules = tmp_path / "r.yml"
    rules.write_text(
        yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]})
    )
    done = subprocess.run(
        [PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True, timeout=30
    )
    if done.returncode == 0:
        return None
    found = re.search(r"could not parse expression: (\d+:\d+)", done.stdout + done.stderr)
    assert found, done.stdout + done.stderr
    return found.group(1)


@pytest.mark.parametrize("expr", ACCEPTED)
def test_what_prometheus_accepts_parses(expr: str, tmp_path: Path) -> None:
    assert _promtool_verdict(expr, tmp_path) is None, "Prometheus itself rejects it"
    assert check(expr) is None


@pytest.mark.parametrize(("expr", "position"), REJECTED)
def test_errors_are_placed_where_prometheus_places_them(
    expr: str, position: str, tmp_path: Path
) -> None:
    assert _promtool_verdict(expr, tmp_path) == position
    problem = check(expr)
    assert problem is not None
    assert problem.position == position
    assert str(problem).startswith(f"at {position}")


def test_unclosed_bracket_names_the_bracket() -> None:
    problem = check("sum(rate(x[5m])")
    assert problem is not None
    assert (problem.position, problem.near) == ("1:4", "(")
    assert "unclosed" in problem.message


def test_a_query_that_only_stops_early_is_placed_at_its_end() -> None:
    problem = check("up ==")
    assert problem is not None
    assert (problem.position, problem.near) == ("1:6", "")
    assert "at the end" in str(problem)


def test_parse_gives_the_tree_or_raises_with_the_position() -> None:
    tree = parse("sum(rate(x[5m])) > 0.5")
    assert str(tree.op) == ">"
    with pytest.raises(PromqlSyntaxError) as raised:
        parse("rate(x[5m]")
    assert raised.value.problem.position == "1:5"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('rate(x{job="$job"}[$__rate_interval])', 'rate(x{job="job"}[5m])'),
        ('x{job=~"${job:regex}"} offset $shift', 'x{job=~"job"} offset 5m'),
        ("topk(5, [[metric]])", "topk(5, var_metric)"),
    ],
)
def test_placeholders_make_template_variables_parse(query: str, expected: str) -> None:
    filled = placeholders(query)
    assert filled == expected
    assert check(filled) is None
    assert check(query) is not None
