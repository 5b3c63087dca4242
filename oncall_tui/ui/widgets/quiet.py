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


def changed_spans(old: str, new: str) -> list[tuple[int, int, int]]:
    """The cells to draw again to turn `old` into `new`, as (line, x, width) per line.

    From the first cell that differs to the last; to the end of the longer line when the
    lines differ in width (everything after the change moves). Both texts must have the
    same number of lines."""
    spans = []
    for y, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=True)):
        if a == b:
            continue
        start = 0
        while start < min(len(a), len(b)) and a[start] == b[start]:
            start += 1
        x = cell_len(a[:start])
        end_a, end_b = len(a), len(b)
        while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
            end_a, end_b = end_a - 1, end_b - 1
        middle_a, middle_b = cell_len(a[start:end_a]), cell_len(b[start:end_b])
        if middle_a == middle_b:
            spans.append((y, x, middle_a))  # what follows stays where it was
        else:
            spans.append((y, x, max(cell_len(a), cell_len(b)) - x))
    return spans
