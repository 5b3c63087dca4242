"""The runbook cut into pieces the pane draws one at a time, and its commands filled once."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.runbooks.chunks import (
    MAX_PIECE_LINES,
    fill_key,
    filled_commands,
    piece_at,
    pieces_of,
)
from oncall_tui.runbooks.parse import parse_runbook
from oncall_tui.runbooks.placeholders import FillContext

TEXT = (
    """# Title

Intro with a [reference link][docs].

## First

```bash
echo $job
```

### Deeper

text

## Second

"""
    + "\n\n".join(f"paragraph {i}" for i in range(60))
    + """

[docs]: https://example.com/docs
"""
)


def runbook():
    return parse_runbook(TEXT, Path("rb.md"))


def test_pieces_start_at_headings_cover_every_line_and_cut_long_stretches() -> None:
    book = runbook()
    pieces = pieces_of(book)
    heading_lines = [h.line for h in book.headings]
    starts = [p.start_line for p in pieces]
    assert set(heading_lines) <= set(starts)
    assert starts[0] == 1
    # contiguous and complete
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert after.start_line == before.end_line + 1
    assert pieces[-1].end_line == len(book.lines)
    # the 60 paragraphs under "Second" are cut at a block boundary, not left in one piece
    second = piece_at(pieces, book.section("second").start_line)
    assert second.line_count <= MAX_PIECE_LINES + 2
    assert len(pieces) > len(heading_lines)


def test_a_piece_that_uses_a_reference_link_carries_its_definition() -> None:
    pieces = pieces_of(runbook())
    intro = pieces[0]
    assert "[docs]: https://example.com/docs" in intro.text
    first = piece_at(pieces, runbook().section("first").start_line)
    assert "[docs]:" not in first.text  # no reference used there


def test_pieces_and_filled_commands_are_cached() -> None:
    book = runbook()
    assert pieces_of(book) is pieces_of(runbook())
    context = FillContext(vars={"job": "api"})
    filled = filled_commands(book, context)
    assert filled_commands(book, FillContext(vars={"job": "api"})) is filled
    ((command, text),) = filled.values()
    assert text.text == "echo api\n"
    other = filled_commands(book, FillContext(vars={"job": "web"}))
    assert next(iter(other.values()))[1].text == "echo web\n"


def test_a_new_time_fills_again_only_the_commands_that_use_it_in_the_same_dict() -> None:
    text = "# T\n\n```bash\necho {{ now }} $job\n```\n\n```bash\necho $job\n```\n"
    book = parse_runbook(text, Path("now.md"))
    early = FillContext(vars={"job": "api"}, builtins={"now": "2026-12-02T07:00:00Z"})
    late = FillContext(vars={"job": "api"}, builtins={"now": "2026-12-02T07:05:00Z"})
    assert fill_key(early) == fill_key(late)
    filled = filled_commands(book, early)
    timed, plain = (filled[c.line] for c in book.commands)
    assert timed[1].text == "echo 2026-12-02T07:00:00Z api\n"
    again = filled_commands(book, late)
    assert again is filled  # a document holding the dict sees the new time
    assert again[book.commands[0].line][1].text == "echo 2026-12-02T07:05:00Z api\n"
    assert again[book.commands[1].line] is plain  # not filled again
    other = filled_commands(book, FillContext(vars={"job": "web"}, builtins=late.builtins))
    assert other is not filled
    assert other[book.commands[1].line][1].text == "echo web\n"
