"""`glyphs:`: ASCII status glyphs on the Linux console (or when asked), Unicode elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_builders import kpi

from oncall_tui.config.errors import ConfigErrors
from oncall_tui.config.loader import load_config
from oncall_tui.render.cells import kpi_cell
from oncall_tui.status import Status, restart_glyph, use_ascii_glyphs, wants_ascii


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""{extra}
datasources:
  default: {{url: "http://127.0.0.1:9"}}
services:
  cqar:
    kpis:
      error_rate: {{query: 'x', unit: ratio, warn: 0.01, crit: 0.02}}
"""
    )
    return path


def test_auto_is_ascii_on_the_linux_console_only():
    assert wants_ascii("auto", "linux")
    assert not wants_ascii("auto", "xterm-256color")
    assert not wants_ascii("auto", "")
    assert wants_ascii("ascii", "xterm-256color")
    assert not wants_ascii("unicode", "linux")


def test_ascii_glyphs_replace_every_status_glyph_and_the_restart_mark():
    cell = kpi("arq", "error_rate", 0.023, Status.CRIT, "ratio")
    assert kpi_cell(cell).text == "✖ 2.3 % CRIT"
    use_ascii_glyphs(True)
    try:
        assert kpi_cell(cell).text == "X 2.3 % CRIT"
        glyphs = [s.glyph for s in Status]
        assert all(g.isascii() for g in glyphs) and len(set(glyphs)) == len(glyphs)
        assert restart_glyph() == "r"
    finally:
        use_ascii_glyphs(False)
    assert Status.CRIT.glyph == "✖" and restart_glyph() == "⟳"


def test_glyphs_setting_is_read_and_defaults_to_auto(tmp_path: Path):
    assert load_config(write(tmp_path, "glyphs: ascii")).glyphs == "ascii"
    assert load_config(write(tmp_path, "")).glyphs == "auto"


def test_an_unknown_glyphs_setting_names_the_choices_and_the_line(tmp_path: Path):
    with pytest.raises(ConfigErrors) as raised:
        load_config(write(tmp_path, "glyphs: emoji"))
    text = str(raised.value)
    assert "glyphs" in text and "auto, unicode, ascii" in text and "'emoji'" in text
    assert "oncall.yaml:1" in text
