"""`oncall incident ...` and `oncall postmortem` from a shell, on a real recording file."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.engine.incident import Milestone
from oncall_tui.store.incidents import IncidentStore

CONFIG = """
datasources:
  default: {url: "http://127.0.0.1:9", timeout: 1s}
incidents:
  severities:
    SEV1: {respond: 10m, updates_every: 10m}
    SEV2: {respond: 1h}
  escalation:
    - {after: 0m, level: "Primary"}
    - {after: 20m, level: "Secondary"}
services:
  cqar:
    kpis:
      request_rate: {query: 'sum(rate(x[5m]))', unit: req/s}
  arq:
    kpis:
      request_rate: {query: 'sum(rate(y[5m]))', unit: req/s}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "oncall.yaml"
    config.write_text(textwrap.dedent(CONFIG))
    return config, tmp_path / "rec.sqlite"


def oncall(files: tuple[Path, Path], *args: str) -> int:
    config, record = files
    action = list(args)
    # --config and --record go after the action, where the incident parser reads them
    return main([*action, "--config", str(config), "--record", str(record)])


def test_the_lifecycle_from_a_shell(files, capsys) -> None:
    assert (
        oncall(
            files,
            "incident",
            "start",
            "--severity",
            "SEV1",
            "--service",
            "cqar",
            "--service",
            "arq",
            "--title",
            "lookups slow",
            "--at",
            "-10m",
        )
        == 0
    )
    assert "INC-1 declared: SEV1 lookups slow" in capsys.readouterr().out
    assert oncall(files, "incident", "note", "failing", "over", "to", "the", "replica") == 0
    assert oncall(files, "incident", "milestone", "ack", "--at", "-5m") == 0
    assert oncall(files, "incident", "show", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 2)[-1])
    assert shown["services"] == ["cqar", "arq"]
    assert shown["state"] == "acknowledged"
    assert shown["level"] == "Primary" and shown["next_level"] == "Secondary"
    assert 9 * 60 < shown["next_level_in_s"] <= 10 * 60
    assert shown["targets"]["respond"]["missed"] is False  # acknowledged 5 min in, of 10
    assert shown["milestones"]["acknowledged"] == pytest.approx(shown["started_at"] + 300, abs=2)

    assert oncall(files, "incident", "update", "--dry-run") == 0
    update = capsys.readouterr().out
    assert "**INC-1 status update (SEV1): lookups slow**" in update
    assert "Affected: cqar, arq" in update
    assert "failing over to the replica" in update  # the note is an action taken
    assert "acknowledged" in update

    assert (
        oncall(
            files,
            "incident",
            "resolve",
            "--root-cause",
            "disk full",
            "--resolution",
            "grew the volume",
        )
        == 0
    )
    notice = capsys.readouterr().out
    assert "INC-1 resolved (SEV1)" in notice and "Root cause: disk full" in notice
    assert oncall(files, "incident", "list") == 0
    assert "resolved" in capsys.readouterr().out

    assert oncall(files, "postmortem") == 0
    text = capsys.readouterr().out
    assert text.startswith("# Postmortem INC-1: lookups slow")
    assert "| Duration | 10 min |" in text
    assert "disk full" in text

    with IncidentStore(files[1]) as store:
        incident = store.get(1)
    assert set(incident.milestones) == {
        Milestone.ACKNOWLEDGED,
        Milestone.MITIGATED,
        Milestone.RESOLVED,
    }


def test_one_open_incident_unless_new(files, capsys) -> None:
    start = ("incident", "start", "--severity", "SEV2", "--title")
    assert oncall(files, *start, "first") == 0
    assert oncall(files, *start, "second") == 2
    assert "INC-1 (SEV2: first) is still open" in capsys.readouterr().err
    assert oncall(files, *start, "second", "--new") == 0
    assert oncall(files, "incident", "note", "which one?") == 2
    assert "several incidents are open (INC-2, INC-1); name one with --id" in (
        capsys.readouterr().err
    )
    assert oncall(files, "incident", "note", "this one", "--id", "INC-2") == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("incident", "start", "--severity", "P9", "--title", "x"), "unknown severity 'P9'"),
        (
            ("incident", "start", "--severity", "SEV1", "--service", "nope", "--title", "x"),
            "no service named 'nope'",
        ),
        (
            ("incident", "start", "--severity", "SEV1", "--title", "x", "--at", "yesterday"),
            "cannot read the time 'yesterday'",
        ),
        (("incident", "note", "hello"), "no incident has been declared"),
        (("postmortem",), "no incident has been declared"),
    ],
)
def test_mistakes_are_one_line_with_exit_2(files, capsys, args, words) -> None:
    assert oncall(files, *args) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_milestone_names_are_checked(files, capsys) -> None:
    assert oncall(files, "incident", "start", "--severity", "SEV1", "--title", "x") == 0
    assert oncall(files, "incident", "milestone", "fixed") == 2
    assert "unknown milestone 'fixed'" in capsys.readouterr().err


def test_show_lines_up_its_fields_and_a_resolved_incident_has_no_running_clock(
    files, capsys
) -> None:
    args = ("--severity", "SEV2", "--service", "cqar", "--title", "t", "--at", "-3m")
    assert oncall(files, "incident", "start", *args) == 0
    assert oncall(files, "incident", "milestone", "acknowledged") == 0
    capsys.readouterr()
    assert oncall(files, "incident", "show") == 0
    lines = capsys.readouterr().out.splitlines()
    fields = {line.split()[0]: line for line in lines[1:] if not line[2].isdigit()}
    assert {"services", "acknowledged", "target", "now"} <= set(fields)
    columns = {line.index(line.split()[1], 2 + len(line.split()[0])) for line in fields.values()}
    assert len(columns) == 1, lines  # every value starts in the same column
    assert "INVESTIGATING" not in fields["now"] and "ACKNOWLEDGED" in fields["now"]

    assert oncall(files, "incident", "resolve") == 0
    capsys.readouterr()
    assert oncall(files, "incident", "show") == 0
    out = capsys.readouterr().out
    assert "resolved" in out.splitlines()[0]
    assert " now " not in out and "ago" not in out  # its clocks stopped at the resolve


def test_typed_control_sequences_never_reach_the_terminal_or_the_file(
    files, capsys, tmp_path: Path
) -> None:
    evil = "evil\x1b]0;pwned\x07\x1b[31mred"
    args = ("--severity", "SEV2", "--service", "cqar", "--title", evil, "--commander", evil)
    assert oncall(files, "incident", "start", *args) == 0
    assert oncall(files, "incident", "note", f"two\nlines {evil}") == 0
    assert oncall(files, "incident", "resolve", "--root-cause", evil, "--resolution", evil) == 0
    out = tmp_path / "pm.md"
    for command in (("incident", "list"), ("incident", "show"), ("postmortem", "--out", str(out))):
        assert oncall(files, *command) == 0
    printed = capsys.readouterr().out + out.read_text()
    assert "\x1b" not in printed and "\x07" not in printed
    assert "evil␛]0;pwned␇␛[31mred" in printed  # shown, made visible
    assert "two lines evil␛" in out.read_text()  # the note, on one row of the timeline
    conn = sqlite3.connect(files[1])  # and the file holds none either
    stored = conn.execute(
        "SELECT title || commander || root_cause || resolution FROM incidents "
        "UNION ALL SELECT text || author FROM incident_events"
    ).fetchall()
    conn.close()
    assert stored and not any("\x1b" in text for (text,) in stored), stored
