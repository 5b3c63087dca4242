"""When a widget's text can change without laying out the screen again."""

from __future__ import annotations

from oncall_tui.ui.widgets.quiet import same_size


def test_same_number_of_lines_that_fit_keeps_the_size():
    assert same_size("prometheus 3 s ago", "prometheus 12 s ago", 40)
    assert same_size("a\nb", "c\nd", 10)


def test_more_lines_or_a_wrapping_line_changes_the_size():
    assert not same_size("a", "a\nb", 10)
    assert not same_size("short", "a line longer than ten", 10)
    assert not same_size("a line longer than ten", "short", 10)


def test_before_layout_or_from_an_empty_text_the_size_may_change():
    assert not same_size("a", "b", 0)
    assert not same_size("", "b", 10)


def test_wide_glyphs_count_by_cells():
    assert not same_size("ab", "日本語", 5)
