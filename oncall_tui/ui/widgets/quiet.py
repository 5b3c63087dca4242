"""When a text can be updated without a layout pass of the whole screen.

`Static.update()` lays out the screen again by default, in case the new text changes the
widget's size. For a widget as wide as its container whose height follows its lines, the
size stays the same when the text keeps its number of lines and no line wraps, before or
after. Then `update(..., layout=False)` repaints just the widget.
"""

from __future__ import annotations

from rich.cells import cell_len


def same_size(old: str, new: str, width: int) -> bool:
    """Whether `new` fills the same lines as `old` in a box `width` cells wide."""
    if width <= 0 or not old:
        return False  # not laid out yet, or an empty text whose height may be 0
    old_lines, new_lines = old.split("\n"), new.split("\n")
    if len(old_lines) != len(new_lines):
        return False
    return all(cell_len(line) <= width for line in (*old_lines, *new_lines))
