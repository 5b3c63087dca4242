"""`slos:` in the config: every SLI form, the burn pairs, and errors with file:line:key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oncall_tui.config.errors import ConfigError, ConfigErrors
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import DEFAULT_BURN_WINDOWS, Config, SloAction, prom_duration
from oncall_tui.config.slos import le_matcher

HEAD = """
datasources:
  default: {url: http://localhost:9090}
services:
  cqar:
    vars: {job: cqar}
    slos:
"""


def load(tmp_path: Path, slos: str) -> Config:
    path = tmp_path / "oncall.yaml"
    path.write_text(textwrap.dedent(HEAD) + textwrap.indent(textwrap.dedent(slos), "      "))
    return load_config(path, environ={})


def problems(tmp_path: Path, slos: str) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as caught:
        load(tmp_path, slos)
    return caught.value.errors


def test_error_ratio_slo_gets_the_workbook_pairs_and_a_30_day_window(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        - name: availability
          objective: 99.9%
          error_ratio: >-
            sum(rate(x_errors{job="$job"}[$window])) / sum(rate(x_total{job="$job"}[$window]))
        """,
    )
    (slo,) = config.services["cqar"].slos
    assert slo.name == "availability"
    assert slo.objective == pytest.approx(0.999)
    assert slo.budget == pytest.approx(0.001)
    assert slo.window == 30 * 86400
    assert slo.windows == DEFAULT_BURN_WINDOWS
    assert slo.ratio_query(300) == (
        'sum(rate(x_errors{job="cqar"}[5m])) / sum(rate(x_total{job="cqar"}[5m]))'
    )
    assert slo.measured_windows() == (300, 1800, 3600, 7200, 21600, 86400, 259200, 2592000)
    assert config.services["cqar"].datasource == "default"


def test_good_total_and_custom_windows(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        - name: ok-share
          objective: 0.99
          window: 1d
          good: 'sum(rate(x_ok[$window]))'
          total: 'sum(rate(x_total[$window]))'
          windows:
            - {long: 2m, short: 30s, burn: 10, action: page}
            - {long: 10m, short: 1m, burn: 2, action: ticket}
        """,
    )
    (slo,) = config.services["cqar"].slos
    assert slo.ratio_query(120) == "1 - ((sum(rate(x_ok[2m]))) / (sum(rate(x_total[2m]))))"
    assert [(w.long, w.short, w.burn, w.action) for w in slo.windows] == [
        (120, 30, 10, SloAction.PAGE),
        (600, 60, 2, SloAction.TICKET),
    ]
    assert [w.name for w in slo.windows] == ["2m/30s", "10m/1m"]


def test_latency_slo_is_the_share_of_requests_slower_than_a_bucket(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        - name: latency
          objective: 99%
          latency: {query: 'rpc_seconds_bucket{job="$job"}', threshold: 100ms}
        """,
    )
    (slo,) = config.services["cqar"].slos
    assert slo.sli == "latency"
    assert slo.ratio_query(3600) == (
        '1 - (sum(rate(rpc_seconds_bucket{job="cqar", le=~"0\\\\.10*"}[1h]))'
        ' / sum(rate(rpc_seconds_bucket{job="cqar", le="+Inf"}[1h])))'
    )


def test_le_matcher_takes_both_client_spellings_of_a_bucket() -> None:
    assert le_matcher(0.25) == 'le=~"0\\\\.250*"'
    assert le_matcher(1.0) == 'le=~"1(\\\\.0*)?"'


def test_recorded_windows_use_the_recording_rule_and_the_others_the_raw_sli(
    tmp_path: Path,
) -> None:
    config = load(
        tmp_path,
        """
        - name: availability
          objective: 99.9%
          error_ratio: 'sum(rate(e[$window])) / sum(rate(t[$window]))'
          recorded: 'slo:sli_error:ratio_rate$window{sloth_service="cqar"}'
          recorded_windows: [5m, 1h]
        """,
    )
    (slo,) = config.services["cqar"].slos
    assert slo.ratio_query(300) == 'slo:sli_error:ratio_rate5m{sloth_service="cqar"}'
    assert slo.ratio_query(3600) == 'slo:sli_error:ratio_rate1h{sloth_service="cqar"}'
    assert slo.ratio_query(1800) == "sum(rate(e[30m])) / sum(rate(t[30m]))"


def test_recorded_alone_defaults_to_sloths_windows(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        - name: availability
          objective: 99.9%
          recorded: 'slo:sli_error:ratio_rate$window{sloth_slo="availability"}'
        """,
    )
    (slo,) = config.services["cqar"].slos
    assert slo.ratio_query(2592000) == 'slo:sli_error:ratio_rate30d{sloth_slo="availability"}'


def test_recorded_alone_must_cover_every_window(tmp_path: Path) -> None:
    (error,) = problems(
        tmp_path,
        """
        - name: availability
          objective: 99.9%
          recorded: 'x:burnrate$window'
          recorded_windows: [5m, 1h]
        """,
    )
    assert error.path == "services.cqar.slos[0]"
    assert "30m, 2h, 6h, 1d, 3d, 30d" in error.message


@pytest.mark.parametrize(
    ("body", "line", "path", "words"),
    [
        ("objective: 99.9\n  error_ratio: 'e[$window]'", 9, "objective", "write 99.9%"),
        ("objective: 100%\n  error_ratio: 'e[$window]'", 9, "objective", "less than 100%"),
        ("objective: 99%\n  error_ratio: 'rate(e[5m])'", 10, "error_ratio", "needs $window"),
        ("objective: 99%\n  error_ratio: 'e{job=\"$jobb\"}[$window]'", 10, "error_ratio", "$jobb"),
        ("objective: 99%", 8, "", "needs an SLI"),
        (
            "objective: 99%\n  error_ratio: 'e[$window]'\n  good: 'g[$window]'",
            11,
            "",
            "give one SLI",
        ),
        ("objective: 99%\n  good: 'g[$window]'", 10, "good", "needs total:"),
        (
            "objective: 99%\n  error_ratio: 'e[$window]'\n"
            "  windows: [{long: 5m, short: 1h, burn: 2}]",
            11,
            "windows[0].short",
            "must be shorter",
        ),
        (
            "objective: 99%\n  error_ratio: 'e[$window]'\n"
            "  windows: [{long: 1h, short: 5m, burn: 2, action: wake}]",
            11,
            "windows[0].action",
            "page or ticket",
        ),
        ("objective: 99%\n  error_ratio: 'e[$window]'\n  windoes: []", 11, "windoes", "windows"),
        (
            "objective: 99%\n  latency: {query: 'h_bucket', threshold: -1}",
            10,
            "latency.threshold",
            "negative",
        ),
    ],
)
def test_broken_slos_name_file_line_and_key(
    tmp_path: Path, body: str, line: int, path: str, words: str
) -> None:
    errors = problems(tmp_path, "- name: a\n  " + body + "\n")
    assert len(errors) == 1, errors
    (error,) = errors
    assert error.file.endswith("oncall.yaml")
    assert error.line == line
    assert error.path == "services.cqar.slos[0]" + (f".{path}" if path else "")
    assert words in error.message


def test_two_slos_with_one_name_are_an_error(tmp_path: Path) -> None:
    (error,) = problems(
        tmp_path,
        """
        - {name: a, objective: 99%, error_ratio: 'e[$window]'}
        - {name: a, objective: 98%, error_ratio: 'e[$window]'}
        """,
    )
    assert error.path == "services.cqar.slos[1]"
    assert "already defined" in error.message


def test_prom_duration_writes_windows_as_recording_rules_name_them() -> None:
    assert [prom_duration(s) for s in (30, 300, 3600, 5400, 86400, 30 * 86400, 28 * 86400)] == [
        "30s",
        "5m",
        "1h",
        "90m",
        "1d",
        "30d",
        "28d",
    ]
