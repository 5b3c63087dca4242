"""`oncall` and `oncall demo` before the screen opens: config errors and unknown services."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.cli import main


def test_invalid_config_prints_every_problem_and_exits_3(tmp_path: Path, capsys):
    config = tmp_path / "oncall.yaml"
    config.write_text("refresh: soon\nservices:\n  cqar:\n    kpis: {request_rate: {}}\n")
    assert main(["--config", str(config)]) == 3  # NO_CONFIG, as in every command
    err = capsys.readouterr().err
    assert "problem" in err
    assert str(config.name) in err


def test_missing_config_says_where_it_looked_and_exits_3(tmp_path: Path, capsys):
    assert main(["--config", str(tmp_path / "nope.yaml")]) == 3
    assert "nope.yaml" in capsys.readouterr().err


def test_unknown_service_is_refused_before_the_screen_opens(capsys):
    assert main(["demo", "--service", "no-such-service"]) == 3
    err = capsys.readouterr().err
    assert "no-such-service" in err and "cqar" in err
