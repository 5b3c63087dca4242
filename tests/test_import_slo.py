"""`oncall import-slo`: small Sloth and Pyrra specs of our own import and validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import DEFAULT_BURN_WINDOWS, SloAction

SPECS = Path(__file__).parent / "data" / "slo_specs"


def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Path:
    assert main(["import-slo", *args]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "imported.yaml"
    path.write_text(out)
    return path


def validates(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["validate", "--config", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_sloth_spec_imports_as_slos_that_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = imported(tmp_path, capsys, str(SPECS / "sloth.yaml"))
    assert validates(path, capsys).strip() == "config ok: 1 service, 0 KPIs, 0 probes, 2 SLOs"
    config = load_config(path, environ={})
    availability, payments = config.services["checkout"].slos
    assert availability.name == "requests-availability"
    assert availability.objective == pytest.approx(0.999)
    assert availability.window == 30 * 86400
    assert availability.windows == DEFAULT_BURN_WINDOWS
    assert availability.ratio_query(300) == (
        '(sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[5m])))\n/\n'
        '(sum(rate(http_requests_total{job="checkout"}[5m])))'
    )
    assert availability.recorded is None  # the recording rules only with --recorded
    assert payments.objective == pytest.approx(0.995)
    assert "payment_failures_total" in payments.ratio_query(3600)
    text = path.read_text()
    assert "# Not carried over:" in text and "from-a-plugin" in text and "plugin" in text
    assert "Sloth's alerts (CheckoutHighErrorRate) are not copied" in text


def test_sloth_with_recorded_reads_sloths_recording_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = imported(tmp_path, capsys, str(SPECS / "sloth.yaml"), "--recorded")
    validates(path, capsys)
    slo = load_config(path, environ={}).services["checkout"].slos[0]
    assert slo.ratio_query(300) == (
        'slo:sli_error:ratio_rate5m{sloth_service="checkout", sloth_slo="requests-availability"}'
    )
    assert slo.ratio_query(30 * 86400).startswith("slo:sli_error:ratio_rate30d{")


def test_a_pyrra_spec_imports_with_its_window_and_scaled_pairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = imported(tmp_path, capsys, str(SPECS / "pyrra.yaml"), "--service", "api")
    validates(path, capsys)
    errors, latency = load_config(path, environ={}).services["api"].slos
    assert errors.name == "api-errors"
    assert errors.objective == pytest.approx(0.99)
    assert errors.window == 14 * 86400
    # Pyrra's 28-day pairs scaled to two weeks, to the minute
    assert [(w.long, w.short, w.burn, w.action) for w in errors.windows] == [
        (1800, 180, 14, SloAction.PAGE),
        (3 * 3600, 900, 7, SloAction.PAGE),
        (12 * 3600, 3600, 2, SloAction.TICKET),
        (2 * 86400, 3 * 3600, 1, SloAction.TICKET),
    ]
    assert errors.ratio_query(1800) == (
        'sum by (route) (rate(http_requests_total{job="api",code=~"5.."}[30m]))\n/\n'
        'sum by (route) (rate(http_requests_total{job="api"}[30m]))'
    )
    assert latency.window == 28 * 86400
    assert latency.ratio_query(300) == (
        '1 - ((sum(rate(http_request_duration_seconds_bucket{job="api",le="0.5"}[5m]))) / '
        '(sum(rate(http_request_duration_seconds_count{job="api"}[5m]))))'
    )


def test_pyrra_with_recorded_reads_its_burnrate_rules_for_its_windows_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = imported(tmp_path, capsys, str(SPECS / "pyrra.yaml"), "--recorded")
    validates(path, capsys)
    errors = load_config(path, environ={}).services["pyrra"].slos[0]
    assert errors.ratio_query(1800) == 'http_requests:burnrate30m{slo="api-errors"}'
    # the 14d budget window has no burnrate rule: the raw SLI
    assert errors.ratio_query(14 * 86400).startswith("sum by (route)")


def test_a_file_that_is_neither_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "rules.yaml"
    path.write_text("groups: []\n")
    assert main(["import-slo", str(path)]) == 2
    err = capsys.readouterr().err
    assert "rules.yaml" in err and "not a Sloth spec" in err and "Pyrra" in err
