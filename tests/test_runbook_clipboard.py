"""Clipboard: OSC 52 with and without tmux, the fallback file, the toast text."""

from __future__ import annotations

import base64
import io
import os
import stat
from pathlib import Path

import pytest

from oncall_tui.runbooks.clipboard import copy_text, osc52_sequence, write_fallback
from oncall_tui.runbooks.placeholders import FillContext, fill


def test_osc52_outside_tmux_is_the_plain_sequence() -> None:
    seq = osc52_sequence("kubectl get pods\n", inside_tmux=False)
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\x07")
    payload = seq[len("\x1b]52;c;") : -1]
    assert base64.b64decode(payload).decode() == "kubectl get pods\n"


def test_osc52_inside_tmux_is_wrapped_for_passthrough() -> None:
    inner = osc52_sequence("é ü", inside_tmux=False)
    seq = osc52_sequence("é ü", inside_tmux=True)
    assert seq.startswith("\x1bPtmux;\x1b\x1b]52;c;")
    assert seq.endswith("\x07\x1b\\")
    assert seq == "\x1bPtmux;" + inner.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def test_fallback_file_is_private_and_holds_the_text(tmp_path: Path) -> None:
    path = write_fallback("psql -h cqar-db\n", tmp_path)
    assert path.parent == tmp_path and path.read_text() == "psql -h cqar-db\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    write_fallback("second", tmp_path)
    assert path.read_text() == "second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_fallback_refuses_to_follow_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep")
    (tmp_path / "oncall-clipboard.txt").symlink_to(target)
    with pytest.raises(OSError):
        write_fallback("evil", tmp_path)
    assert target.read_text() == "keep"


def test_fallback_defaults_to_the_runtime_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert write_fallback("x") == tmp_path / "oncall-clipboard.txt"


def test_copy_text_reports_file_unfilled_and_writes_osc52(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    filled = fill("kubectl -n $NAMESPACE logs <pod>\n", FillContext(vars={"namespace": "a"}))
    terminal = io.StringIO()
    outcome = copy_text(filled, directory=tmp_path, terminal=terminal)
    assert outcome.path == tmp_path / "oncall-clipboard.txt"
    assert outcome.path.read_text() == "kubectl -n a logs <pod>\n"
    assert outcome.unfilled == ("<pod>",)
    assert terminal.getvalue() == osc52_sequence("kubectl -n a logs <pod>\n", False)
    assert "unfilled: <pod>" in outcome.message and str(outcome.path) in outcome.message


def test_copy_text_turns_a_failed_write_into_a_message(tmp_path: Path) -> None:
    outcome = copy_text("ls", directory=tmp_path / "missing")
    assert outcome.path is None and outcome.error
    assert "fallback file failed" in outcome.message
    assert os.path.exists(tmp_path) and not (tmp_path / "missing").exists()
