"""Thresholds in the config: direction from warn/crit order, multi-level tiers, for, clear,
baseline and nodata."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oncall_tui.config.errors import ConfigError, ConfigErrors
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import Baseline, Direction, Kpi, Level, NodataMode
from oncall_tui.status import Status

HEAD = """\
datasources: {default: {url: http://localhost:9090}}
services:
  arq:
    kpis:
"""


def kpi_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(body), "      "))
    return path


def kpi(tmp_path: Path, body: str) -> Kpi:
    return load_config(kpi_config(tmp_path, body), environ={}).services["arq"].kpis[0]


def problems(tmp_path: Path, body: str) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(kpi_config(tmp_path, body), environ={})
    return caught.value.errors


def test_crit_above_warn_means_higher_is_worse(tmp_path: Path) -> None:
    found = kpi(tmp_path, "latency_p99: {query: x, warn: 0.02, crit: 0.05}")
    assert found.thresholds.direction is Direction.ABOVE
    assert found.thresholds.levels == (
        Level("warn", 0.02, Status.WARN),
        Level("crit", 0.05, Status.CRIT),
    )


def test_crit_below_warn_means_lower_is_worse(tmp_path: Path) -> None:
    found = kpi(tmp_path, "cache_hit_rate: {query: x, warn: 0.8, crit: 0.7}")
    assert found.thresholds.direction is Direction.BELOW
    assert (found.thresholds.warn, found.thresholds.crit) == (0.8, 0.7)


def test_a_single_level_takes_direction_from_the_direction_key(tmp_path: Path) -> None:
    assert kpi(tmp_path, "queue_depth: {query: x, crit: 100}").thresholds.direction is (
        Direction.ABOVE
    )
    found = kpi(tmp_path, "request_rate: {query: x, warn: 100, direction: below}")
    assert found.thresholds.direction is Direction.BELOW
    assert found.thresholds.levels == (Level("warn", 100.0, Status.WARN),)


def test_direction_contradicting_the_order_is_an_error(tmp_path: Path) -> None:
    [error] = problems(
        tmp_path, "cache_hit_rate: {query: x, warn: 0.8, crit: 0.7, direction: above}"
    )
    assert error.path == "services.arq.kpis.cache_hit_rate.direction"
    assert "contradicts" in error.message and "lower is worse" in error.message
    [error] = problems(tmp_path, "cache_hit_rate: {query: x, warn: 0.8, direction: sideways}")
    assert error.message == "expected above or below, got 'sideways'"


def test_equal_warn_and_crit_is_an_error(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "error_rate: {query: x, warn: 0.01, crit: 0.01}")
    assert error.path == "services.arq.kpis.error_rate.crit"


def test_levels_tiers_are_least_severe_first_and_the_last_is_crit(tmp_path: Path) -> None:
    found = kpi(
        tmp_path,
        """\
        error_rate:
          query: x
          levels: {minor: 0.001, major: 0.005, critical: 0.01}
        """,
    )
    assert found.thresholds.direction is Direction.ABOVE
    assert found.thresholds.levels == (
        Level("minor", 0.001, Status.WARN),
        Level("major", 0.005, Status.WARN),
        Level("critical", 0.01, Status.CRIT),
    )
    assert (found.thresholds.warn, found.thresholds.crit) == (0.001, 0.01)


def test_levels_may_set_each_tier_status_and_fall_for_lower_is_worse(tmp_path: Path) -> None:
    found = kpi(
        tmp_path,
        """\
        cache_hit_rate:
          query: x
          levels:
            target: 0.85
            major: {value: 0.7, status: crit}
            critical: {value: 0.5}
        """,
    )
    assert found.thresholds.direction is Direction.BELOW
    assert [(lv.name, lv.status) for lv in found.thresholds.levels] == [
        ("target", Status.WARN),
        ("major", Status.CRIT),
        ("critical", Status.CRIT),
    ]


def test_levels_must_be_monotonic(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "error_rate: {query: x, levels: {a: 0.001, b: 0.01, c: 0.005}}")
    assert error.path == "services.arq.kpis.error_rate.levels"
    assert "least severe first" in error.message


def test_levels_direction_contradiction_and_status_order_are_errors(tmp_path: Path) -> None:
    errors = problems(
        tmp_path,
        """\
        error_rate:
          query: x
          direction: below
          levels:
            a: {value: 1, status: crit}
            b: {value: 2, status: warn}
            c: {value: 3, status: bad}
        """,
    )
    messages = {e.path: e.message for e in errors}
    assert "contradicts the levels" in messages["services.arq.kpis.error_rate.direction"]
    assert "cannot follow a crit tier" in messages["services.arq.kpis.error_rate.levels.b"]
    assert "expected warn or crit" in messages["services.arq.kpis.error_rate.levels.c.status"]


def test_levels_and_warn_crit_together_are_an_error(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "error_rate: {query: x, warn: 1, levels: {a: 2}}")
    assert "not both" in error.message


def test_for_clear_and_baseline(tmp_path: Path) -> None:
    found = kpi(
        tmp_path,
        """\
        request_rate:
          query: x
          warn: 100
          crit: 200
          for: 1m30s
          clear: 80
          baseline: {offset: 1w, warn: 3x, crit: 10}
        """,
    )
    t = found.thresholds
    assert (t.hold, t.clear) == (90.0, 80.0)
    assert t.baseline == Baseline(offset=604800.0, warn=3.0, crit=10.0)


def test_clear_must_be_on_the_healthy_side(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "cache_hit_rate: {query: x, warn: 0.8, crit: 0.7, clear: 0.75}")
    assert error.path == "services.arq.kpis.cache_hit_rate.clear"
    assert "must be above the first level 0.8" in error.message


def test_bad_baseline_factor_and_missing_offset(tmp_path: Path) -> None:
    errors = problems(tmp_path, "request_rate: {query: x, baseline: {warn: lots, crit: 0x}}")
    messages = {e.path: e.message for e in errors}
    assert "missing required key 'offset'" in messages["services.arq.kpis.request_rate.baseline"]
    assert "a factor such as 3x" in messages["services.arq.kpis.request_rate.baseline.warn"]
    assert "more than 0" in messages["services.arq.kpis.request_rate.baseline.crit"]


@pytest.mark.parametrize(
    ("written", "mode", "value"),
    [
        ("nodata", NodataMode.NODATA, 0.0),
        ("ok", NodataMode.OK, 0.0),
        ("0", NodataMode.VALUE, 0.0),
        ("1.5", NodataMode.VALUE, 1.5),
    ],
)
def test_nodata_modes(tmp_path: Path, written: str, mode: NodataMode, value: float) -> None:
    found = kpi(tmp_path, f"error_rate: {{query: x, nodata: {written}}}")
    assert (found.nodata.mode, found.nodata.value) == (mode, value)


def test_kpi_unit_title_interval_and_runbook(tmp_path: Path) -> None:
    found = kpi(
        tmp_path,
        "latency_p99: {query: x, unit: s, title: p99 GetAsset, interval: 30s, "
        "runbook: 'arq.md#high-latency'}",
    )
    assert (found.unit.text, found.title, found.interval, found.runbook) == (
        "s",
        "p99 GetAsset",
        30.0,
        "arq.md#high-latency",
    )
    [error] = problems(tmp_path, "latency_p99: {query: x, runbook: 'arq.md#'}")
    assert error.path == "services.arq.kpis.latency_p99.runbook"


def test_query_is_required(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "latency_p99: {warn: 1}")
    assert (error.path, error.message) == (
        "services.arq.kpis.latency_p99",
        "missing required key 'query'",
    )
