"""Placeholder filling: vars and built-ins, quoting of outside values, what stays untouched."""

from __future__ import annotations

import shlex
from datetime import datetime, timezone

import pytest

from oncall_tui.config.model import Config, Datasource, KubernetesTarget, Service
from oncall_tui.runbooks.placeholders import (
    BUILTIN,
    OUTSIDE,
    UNFILLED,
    VAR,
    FillContext,
    context_for,
    fill,
)

EVIL = "x; rm -rf /"
CTX = FillContext(
    vars={"namespace": "cqar", "db_host": "cqar-db", "job": "cqar"},
    builtins={"service": "cqar", "now": "2025-01-02T03:04:05Z"},
)


def test_all_placeholder_forms_are_filled_case_insensitively() -> None:
    text = "kubectl -n $NAMESPACE get pods ${NAMESPACE} {{ service }} {{service}} <db_host>\n"
    result = fill(text, CTX, "bash")
    assert result.text == "kubectl -n cqar get pods cqar cqar cqar cqar-db\n"
    assert result.unfilled == ()
    assert [(s.name, s.source) for s in result.spans] == [
        ("NAMESPACE", VAR),
        ("NAMESPACE", VAR),
        ("service", BUILTIN),
        ("service", BUILTIN),
        ("db_host", VAR),
    ]
    for span in result.filled:
        assert result.text[span.start : span.end] in {"cqar", "cqar-db"}


def test_config_vars_are_trusted_and_substituted_as_written() -> None:
    ctx = FillContext(vars={"selector": "app=cqar,tier in (api)"})
    assert fill("kubectl get pods -l <selector>", ctx).text == (
        "kubectl get pods -l app=cqar,tier in (api)"
    )


@pytest.mark.parametrize(
    "template",
    ["kubectl logs <pod>", 'kubectl logs "<pod>"', "kubectl logs '<pod>'", "echo ${POD}"],
)
def test_outside_value_stays_one_inert_shell_argument(template: str) -> None:
    ctx = FillContext(outside={"pod": EVIL})  # no cluster known: no kubectl flags added
    result = fill(template, ctx, "bash")
    words = shlex.split(result.text)
    assert words == [*shlex.split(template.rsplit(" ", 1)[0]), EVIL]
    assert [s.source for s in result.filled] == [OUTSIDE]


def test_outside_value_with_quotes_and_substitution_stays_inert() -> None:
    value = "a'b\"c $(reboot) `id`"
    result = fill('grep "<pattern>" app.log', FillContext(outside={"pattern": value}), "sh")
    assert shlex.split(result.text) == ["grep", value, "app.log"]


def test_safe_outside_value_is_not_decorated() -> None:
    ctx = FillContext(outside={"pod": "cqar-7f9c-abcde"})
    assert fill("kubectl logs <pod>", ctx, "bash").text == "kubectl logs cqar-7f9c-abcde"


def test_outside_value_in_promql_is_escaped_as_a_string() -> None:
    ctx = FillContext(vars={"job": "cqar"}, outside={"method": 'Get"Asset\\'})
    result = fill('up{job="$job", method="<method>"} or up{method=<method>}', ctx, "promql")
    assert result.text == (
        'up{job="cqar", method="Get\\"Asset\\\\"} or up{method="Get\\"Asset\\\\"}'
    )


def test_outside_values_win_over_vars() -> None:
    ctx = FillContext(vars={"pod": "from-config"}, outside={"pod": "from-label"})
    assert fill("<pod>", ctx, "bash").text == "from-label"


def test_shell_syntax_is_left_alone() -> None:
    text = (
        "for f in *.log; do echo $f; done\n"
        "DATE=$(date +%Y%m%d)\n"
        "pg_dump > backup_$DATE.sql 2>&1 < /dev/null\n"
        "cat <<EOF\nbody\nEOF\n"
        "awk '{print $1}' | sort; echo $? $@ $# $$ \\$NAMESPACE ${NAMESPACE:-x} $HOME\n"
        "echo $((1 + 2))\n"
    )
    result = fill(text, CTX, "bash")
    assert result.text == text
    assert result.unfilled == ()


def test_unfilled_placeholders_stay_and_are_reported_with_spans() -> None:
    text = "# restart <pod> in $NAMESPACE\nkubectl -n $NAMESPACE delete pod <pod> $REGION\n"
    result = fill(text, FillContext(vars={"namespace": "cqar"}), "bash")
    assert result.text == "# restart <pod> in cqar\nkubectl -n cqar delete pod <pod> $REGION\n"
    assert result.unfilled_names == ("<pod>", "$REGION")
    assert all(s.source == UNFILLED for s in result.unfilled)
    for span in result.unfilled:
        assert result.text[span.start : span.end] == span.written
    # comments stay, and are filled like the rest
    assert result.text.startswith("# restart")


def test_unknown_lowercase_shell_variables_are_not_reported_but_promql_ones_are() -> None:
    assert fill("echo $thing", FillContext(), "bash").unfilled == ()
    assert fill('up{job="$job"}', FillContext(), "promql").unfilled_names == ("$job",)


def test_prometheus_templates_in_yaml_blocks_are_not_placeholders() -> None:
    text = 'description: "{{ $value | humanizePercentage }} on {{ $labels.instance }}"\n'
    result = fill(text, CTX, "yaml")
    assert result.text == text and result.unfilled == ()


def test_single_line_of_a_block_keeps_its_spans() -> None:
    result = fill("echo one\nkubectl -n $NAMESPACE logs <pod>\n", CTX, "bash")
    line = result.line(1)
    assert line.text == "kubectl -n cqar logs <pod>"
    assert line.unfilled_names == ("<pod>",)
    assert line.text[line.filled[0].start : line.filled[0].end] == "cqar"


def test_context_for_service_has_vars_and_builtins() -> None:
    service = Service(
        name="cqar",
        title="CQAR",
        datasource="default",
        vars={"db_host": "cqar-db"},
        kubernetes=KubernetesTarget(namespace="cqar-prod", selector="app=cqar", context="prod"),
    )
    config = Config(
        path=None,
        datasources={"default": Datasource("default", "http://prom:9090")},
        services={"cqar": service},
    )
    moment = datetime(2025, 10, 16, 12, 34, 56, tzinfo=timezone.utc)
    ctx = context_for(service, config, now=moment)
    text = (
        "{{ service }} $NAMESPACE {{datasource_url}} <prometheus_url> $now {{ context }} <db_host>"
    )
    assert fill(text, ctx, "bash").text == (
        "cqar cqar-prod http://prom:9090 http://prom:9090 2025-10-16T12:34:56Z prod cqar-db"
    )


def test_angle_placeholder_needs_an_identifier() -> None:
    text = "a < b > c; x <-y; <1abc> <a b> List<T>"
    result = fill(text, FillContext(), "go")
    assert result.text == text
    assert result.unfilled_names == ("<T>",)
