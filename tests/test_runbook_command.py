"""`oncall runbook`: JSON and text output, listing, errors; in process and as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_tui.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def in_repo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the example runbooks and no config: runbooks come from ./runbooks."""
    shutil.copytree(REPO / "runbooks", tmp_path / "runbooks")
    monkeypatch.chdir(tmp_path)
    return tmp_path


CONFIG = """\
runbooks: [./runbooks]
datasources:
  default: {url: "http://prom.example:9090"}
services:
  cqar:
    title: CQAR
    runbook: cqar.md
    vars: {job: cqar, namespace: cqar-prod, db_host: cqar-db, redis_host: cqar-redis}
    kpis:
      error_rate: {query: 'up', warn: 0.01, runbook: "cqar.md#high-error-rate"}
"""


def test_commands_json_without_config(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["runbook", "runbooks/cqar.md#high-error-rate", "--commands", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["file"] == "runbooks/cqar.md"
    assert out["anchor"] == "high-error-rate" and out["title"] == "High Error Rate"
    assert out["service"] is None
    commands = out["commands"]
    assert [c["index"] for c in commands] == list(range(1, len(commands) + 1))
    assert {c["language"] for c in commands} == {"promql", "bash"}
    assert set(commands[0]) == {"index", "language", "text", "unfilled", "line"}
    lines = (in_repo_copy / "runbooks" / "cqar.md").read_text().splitlines()
    for command in commands:
        assert lines[command["line"] - 1].lstrip().startswith("```" + command["language"])
    # no service: the vars stay as written and are reported
    promql = commands[0]
    assert "$job" in promql["text"] and "$job" in promql["unfilled"]


def test_commands_json_filled_for_the_service_of_the_config(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_repo_copy / "oncall.yaml").write_text(CONFIG)
    code = main(["runbook", "cqar.md#high-error-rate", "--commands", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["service"] == "cqar"
    texts = "".join(c["text"] for c in out["commands"])
    assert 'job="cqar"' in texts and "kubectl -n cqar-prod" in texts and "app=cqar" in texts
    assert "$job" not in texts and "$NAMESPACE" not in texts
    assert all(c["unfilled"] == [] for c in out["commands"])


def test_anchor_only_reference_with_service(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_repo_copy / "oncall.yaml").write_text(CONFIG)
    code = main(["runbook", "#connection-pool-exhausted", "--service", "cqar", "--commands"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Connection Pool Exhausted  (runbooks/cqar.md#connection-pool-exhausted")
    assert "[1]  promql" in out and "psql -h cqar-db" in out


def test_section_prints_as_markdown_in_context(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["runbook", "runbooks/arq.md#queue-backlog"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Queue Backlog" in out and "Check" in out and "Mitigate" in out
    assert "arq_queue_depth" in out
    assert "Service Not Ready" not in out  # the next section is not part of it
    assert "```" not in out  # rendered, not raw


def test_listing_shows_runbooks_and_anchors(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runbook"]) == 0
    out = capsys.readouterr().out
    assert "runbooks/cqar.md" in out and "High Error Rate  #high-error-rate" in out
    assert main(["runbook", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    files = [r["file"] for r in doc["runbooks"]]
    assert files == ["runbooks/arq.md", "runbooks/bazaruto.md", "runbooks/cqar.md"]
    assert doc["problems"] == []


def test_missing_anchor_and_file_exit_1_with_candidates(
    in_repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runbook", "runbooks/cqar.md#runbook-high-error-rate"]) == 1
    err = capsys.readouterr().err
    assert "#runbook-high-error-rate" in err and "#high-error-rate" in err
    assert main(["runbook", "cqr.md#high-latency", "--commands"]) == 1
    err = capsys.readouterr().err
    assert "cqr.md not found" in err and "did you mean: cqar.md" in err


def test_unknown_service_exits_1(in_repo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_repo_copy / "oncall.yaml").write_text(CONFIG)
    assert main(["runbook", "cqar.md#high-latency", "--service", "nope"]) == 1
    assert "no service named 'nope'" in capsys.readouterr().err


def test_commands_json_as_a_subprocess(in_repo_copy: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui.cli",
            "runbook",
            "runbooks/cqar.md#high-error-rate",
            "--commands",
            "--format",
            "json",
        ],
        cwd=in_repo_copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["anchor"] == "high-error-rate" and len(doc["commands"]) >= 4


def test_runbook_core_and_command_never_import_textual() -> None:
    code = (
        "import sys, oncall_tui.runbooks, oncall_tui.runbooks.clipboard, "
        "oncall_tui.commands.runbook; sys.exit('textual' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60)
    assert done.returncode == 0
