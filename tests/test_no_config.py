"""'No config' exits with one code, 3, in every command that runs on a config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    [],  # the dashboard
    ["status"],
    ["status", "--format", "json"],
    ["validate"],
    ["screenshot", "--out", "shot.svg"],
    ["record", "--for", "1s"],
    ["replay"],
    ["incident", "list"],
    ["postmortem"],
    ["runbook"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "oncall")
def test_a_missing_config_exits_3_naming_the_file(command, tmp_path: Path):
    missing = tmp_path / "none.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", *command, "--config", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "none.yaml" in done.stderr


@pytest.mark.parametrize(
    "command", [[], ["status"], ["validate"], ["screenshot", "--out", "s.svg"]]
)
def test_an_unknown_service_exits_3_like_a_missing_config(command, tmp_path: Path):
    config = tmp_path / "oncall.yaml"
    config.write_text("services:\n  cqar:\n    health:\n      - {name: live, tcp: 'localhost:1'}\n")
    done = subprocess.run(
        [sys.executable, "-m", "oncall_tui", *command, "--config", str(config), "--service", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "no service named 'x'" in done.stderr
