"""A runbook cut into pieces that can be drawn one at a time, and its commands filled once.

The runbook pane draws only the pieces on screen (the linked section first): drawing a
22 KB runbook whole is ~970 widgets and seconds of CPU, one section is a few dozen.
Pieces start at every top-level heading, and a long stretch without headings is cut at
a top-level block boundary, so each piece is valid markdown on its own. Reference-style
link definitions (`[name]: url`) are appended to every piece that needs them.

Both the plan and the filled commands are cached (per file content, and per file and
fill context less the clock), so opening the same runbook again for the same service costs
nothing here: only the commands that use `now` are filled again.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.runbooks.parse import Command, Runbook
from oncall_tui.runbooks.placeholders import BUILTIN, FillContext, FilledCommand, fill

#: a piece without a heading is cut at the next block boundary past this many lines
MAX_PIECE_LINES = 60
#: runbooks whose pieces are kept
PIECES_CACHE = 32
#: filled command sets kept (one per runbook file and service context)
FILLED_CACHE = 64

_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")
_REFERENCE_USE = re.compile(r"\]\[|\[[^\]]+\](?!\()")


@dataclass(frozen=True)
class Piece:
    """Lines `start_line`..`end_line` (1-based, inclusive) of the runbook, drawn together."""

    index: int
    start_line: int
    end_line: int
    text: str  # the markdown of those lines (plus the file's link definitions, if used)

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line

    @property
    def line_count(self) -> int:
        return self.end_line - self.start_line + 1


_pieces: OrderedDict[tuple[Path, str], tuple[Piece, ...]] = OrderedDict()


def pieces_of(runbook: Runbook) -> tuple[Piece, ...]:
    """The runbook's pieces, in order, covering every line (cached per file content)."""
    key = (runbook.path, runbook.text)
    found = _pieces.get(key)
    if found is None:
        found = _pieces[key] = _cut(runbook)
        while len(_pieces) > PIECES_CACHE:
            _pieces.popitem(last=False)
    return found


def _cut(runbook: Runbook) -> tuple[Piece, ...]:
    lines = runbook.lines
    total = max(1, len(lines))
    starts = [1]
    since = 1
    for block in runbook.blocks:
        if block.start_line <= starts[-1]:
            continue
        if block.kind == "heading" or block.start_line - since >= MAX_PIECE_LINES:
            starts.append(block.start_line)
            since = block.start_line
    references = "\n".join(line for line in lines if _REFERENCE.match(line))
    pieces = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else total
        body = "\n".join(lines[start - 1 : end]) + "\n"
        if references and _REFERENCE_USE.search(body):
            body += "\n" + references + "\n"
        pieces.append(Piece(index, start, end, body))
    return tuple(pieces)


def piece_at(pieces: tuple[Piece, ...], line: int) -> Piece:
    """The piece holding `line` (the first or last one for lines out of range)."""
    for piece in pieces:
        if piece.contains_line(line):
            return piece
    return pieces[0] if line < pieces[0].start_line else pieces[-1]


FilledCommands = dict[int, tuple[Command, FilledCommand]]
#: built-ins that change while the dashboard runs: never part of what identifies a fill
TIME_DEPENDENT = frozenset({"now"})


@dataclass
class _Fill:
    commands: FilledCommands
    times: tuple[int, ...]  # lines of the commands that use a time-dependent built-in
    moment: tuple[tuple[str, str], ...]  # the time-dependent values they were filled with


_filled: OrderedDict[tuple[object, ...], _Fill] = OrderedDict()


def fill_key(context: FillContext) -> tuple[object, ...]:
    """What a fill depends on, less the clock (`now`): two contexts with the same key fill
    every command alike but those that use the time."""
    return (
        tuple(sorted(context.vars.items())),
        tuple(sorted((k, v) for k, v in context.builtins.items() if k not in TIME_DEPENDENT)),
        tuple(sorted(context.outside.items())),
    )


def _moment(context: FillContext) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in context.builtins.items() if k in TIME_DEPENDENT))


def _uses_time(filled: FilledCommand) -> bool:
    return any(s.source == BUILTIN and s.key in TIME_DEPENDENT for s in filled.filled)


def filled_commands(runbook: Runbook, context: FillContext) -> FilledCommands:
    """Every command of `runbook` by its opening line, filled for `context` (cached per file
    and `fill_key`; the commands that use `now` are filled again when it moved, in the
    same dict, so a document holding it sees the new values)."""
    key = (runbook.path, runbook.text, *fill_key(context))
    moment = _moment(context)
    found = _filled.get(key)
    if found is not None:
        _filled.move_to_end(key)
        if found.moment != moment:
            for line in found.times:
                command = found.commands[line][0]
                found.commands[line] = (command, fill(command.text, context, command.language))
            found.moment = moment
        return found.commands
    commands = {c.line: (c, fill(c.text, context, c.language)) for c in runbook.commands}
    times = tuple(line for line, (_, filled) in commands.items() if _uses_time(filled))
    _filled[key] = _Fill(commands, times, moment)
    while len(_filled) > FILLED_CACHE:
        _filled.popitem(last=False)
    return commands
