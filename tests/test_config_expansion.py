"""Durations, `${VAR}` expansion from the environment and `$var` replacement in queries."""

from __future__ import annotations

import pytest

from oncall_tui.config.durations import format_duration, parse_duration
from oncall_tui.config.expand import expand_env, replace_vars


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("5s", 5.0),
        ("1m", 60.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("1w", 604800.0),
        ("1m30s", 90.0),
        ("1h2m3s", 3723.0),
        ("1.5s", 1.5),
        ("2s250ms", 2.25),
        ("10", 10.0),
        ("0.25", 0.25),
        (7, 7.0),
        (2.5, 2.5),
    ],
)
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5x", "s", "1m 30s", "30s1m", "1m1m", "-5", -1, True, "5 s"])
def test_bad_durations_are_rejected(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration_is_the_inverse_spelling() -> None:
    assert [format_duration(s) for s in (0.5, 5, 90, 3600, 604800 + 60)] == [
        "500ms",
        "5s",
        "1m30s",
        "1h",
        "1w1m",
    ]


def test_env_expansion_fills_set_variables_and_reports_missing_ones() -> None:
    env = {"HOST": "prom", "PORT": "9090"}
    assert expand_env("http://${HOST}:${PORT}", env) == ("http://prom:9090", [])
    assert expand_env("${NOPE}/${ALSO_NOPE}", env) == (
        "${NOPE}/${ALSO_NOPE}",
        ["NOPE", "ALSO_NOPE"],
    )
    assert expand_env("${NOPE:-fallback}", env) == ("fallback", [])
    assert expand_env("${HOST:-fallback}", env) == ("prom", [])


def test_double_dollar_escapes_env_expansion() -> None:
    assert expand_env("$${HOST} and ${HOST}", {"HOST": "h"}) == ("${HOST} and h", [])


def test_plain_dollar_names_are_left_to_query_vars() -> None:
    assert expand_env('rate(x{job="$job"}[5m])', {}) == ('rate(x{job="$job"}[5m])', [])


def test_query_vars_replace_dollar_identifiers_only() -> None:
    query = 'label_replace(x{job="$job"}, "a", "$1", "b", "(.*)") / $pool_max'
    filled, unknown = replace_vars(query, {"job": "cqar", "pool_max": "50"})
    assert filled == 'label_replace(x{job="cqar"}, "a", "$1", "b", "(.*)") / 50'
    assert unknown == []
    assert replace_vars('x{ns="$namespace"}', {"job": "cqar"})[1] == ["namespace"]


def test_braced_names_in_queries_are_environment_variables_not_vars() -> None:
    # `${job}` is expanded from the environment first; `$job` then comes from the vars
    expanded, missing = expand_env('x{a="${job}", b="$job"}', {})
    assert missing == ["job"]
    expanded, _ = expand_env('x{a="${JOB}", b="$job"}', {"JOB": "from-env"})
    assert replace_vars(expanded, {"job": "from-vars"})[0] == 'x{a="from-env", b="from-vars"}'
