"""What `/` finds: services, runbook headings and runbook commands, ranked for one query.

Pure and Textual-free: the search screen builds a `SearchIndex` once when it opens and calls
`search(query)` on every keystroke. The scorer is deliberately simple and predictable:

- exact (100) > prefix (80) > substring at a word start (70) > substring (60)
  > every word of the query somewhere, in any order (45; 40 for a command whose lines
  hold the words only between them) > every word in one of the entry's fields or another,
  as in "cqar error rate" (35) > fuzzy subsequence (10..40);
- a match in a secondary field (a heading's anchor or file, a command's language or the
  heading it sits under) counts a fixed amount less than one in the main field;
- fuzzy matching only applies to short fields (names, titles, anchors): a long command text
  contains almost any subsequence of letters, so commands match by substring or words only;
- for equal scores services come first, then headings, then commands, then the runbook of
  the service one is looking at, then the order of the config and the files.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import LinkProblem, find_runbook
from oncall_tui.runbooks.parse import Command, Heading, Runbook

EXACT = 100
PREFIX = 80
WORD_START = 70
SUBSTRING = 60
ALL_WORDS = 45
WORDS_ON_LINES = 40  # every word of the query in a command, but not on one line
ACROSS_FIELDS = 35  # every word somewhere in the entry: "cqar error rate", "kubectl pool"
FUZZY_MAX = 40
FUZZY_MIN = 10

#: how much less a match in a secondary field counts
ANCHOR_PENALTY = 5
LANGUAGE_PENALTY = 10
UNDER_HEADING_PENALTY = 20
FILE_PENALTY = 25

SHOWN_WIDTH = 60  # characters of a command line shown in a result


class Kind(enum.Enum):
    SERVICE = "service"
    HEADING = "runbook"
    COMMAND = "command"

    @property
    def rank(self) -> int:
        """Order among equal scores: services and headings above commands."""
        return _KIND_RANK[self]

    @property
    def label(self) -> str:
        return self.value


_KIND_RANK = {Kind.SERVICE: 0, Kind.HEADING: 1, Kind.COMMAND: 2}


@dataclass(frozen=True)
class Field:
    """One searchable text of an entry, normalised once when the index is built."""

    text: str
    penalty: int = 0
    fuzzy: bool = True
    by_line: bool = False  # a command: a match within one line beats words spread over lines

    @classmethod
    def of(cls, text: str, penalty: int = 0, *, fuzzy: bool = True) -> Field:
        return cls(normalise(text), penalty, fuzzy)

    @classmethod
    def command(cls, text: str) -> Field:
        return cls("\n".join(normalise(ln) for ln in text.splitlines()), fuzzy=False, by_line=True)


@dataclass(frozen=True)
class Entry:
    """Something `/` can open.

    `service` is the service itself for a SERVICE entry, and for a heading or command the
    service whose `runbook:` names its file (None when no service claims the file).
    """

    kind: Kind
    title: str  # service name, heading title, or the command's first line
    where: str  # service title, or "arq.md § High Error Rate"
    fields: tuple[Field, ...]
    order: int  # position in the config / file order, for stable ties
    service: str | None = None
    file: Path | None = None
    anchor: str | None = None  # the heading's anchor, or the one a command sits under
    command: int | None = None  # the command's index in its file (`Command.index`)
    text: str = ""  # the command's whole text, for the line shown in a result

    @property
    def ref(self) -> str:
        """A runbook link to the entry's file and section: `/abs/arq.md#high-error-rate`."""
        if self.file is None:
            return ""
        return f"{self.file}#{self.anchor}" if self.anchor else str(self.file)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: int
    shown: str  # what the result line shows as its title (a command's matching line)


def normalise(text: str) -> str:
    """Lower case, runs of white space as one space."""
    return " ".join(text.lower().split())


def fuzzy_score(query: str, text: str) -> int:
    """FUZZY_MIN..FUZZY_MAX when the query's letters appear in order in `text`, tighter is
    better; 0 when they do not, or are spread too thinly to mean anything."""
    letters = query.replace(" ", "")
    if len(letters) < 2:
        return 0
    best_span = 0
    start = text.find(letters[0])
    while start >= 0:
        at = start
        for ch in letters[1:]:
            at = text.find(ch, at + 1)
            if at < 0:
                break
        if at < 0:
            break  # from a later start there are even fewer letters left
        span = at - start + 1
        if best_span == 0 or span < best_span:
            best_span = span
        start = text.find(letters[0], start + 1)
    if best_span == 0 or best_span > 3 * len(letters):
        return 0
    return FUZZY_MIN + round((FUZZY_MAX - FUZZY_MIN) * len(letters) / best_span)


def score_text(query: str, target: str, *, fuzzy: bool = True) -> int:
    """How well a normalised, non-empty `query` matches normalised `target`; 0 for none."""
    if not query or not target:
        return 0
    if target == query:
        return EXACT
    if target.startswith(query):
        return PREFIX
    at = target.find(query)
    if at >= 0:
        starts_word = not target[at - 1].isalnum()
        return WORD_START if starts_word else SUBSTRING
    words = query.split()
    if len(words) > 1 and all(w in target for w in words):
        return ALL_WORDS
    return fuzzy_score(query, target) if fuzzy else 0


def score_field(query: str, field: Field) -> int:
    if not field.by_line:
        return score_text(query, field.text, fuzzy=field.fuzzy)
    best = max((score_text(query, ln, fuzzy=False) for ln in field.text.split("\n")), default=0)
    if best == 0 and all(w in field.text for w in query.split()):
        best = WORDS_ON_LINES
    return best


def score_entry(query: str, entry: Entry) -> int:
    """The entry's best field score, less that field's penalty; weak fuzzy hits drop out."""
    best = 0
    for field in entry.fields:
        score = score_field(query, field)
        if score:
            best = max(best, score - field.penalty)
    words = query.split()
    if best < ACROSS_FIELDS and len(words) > 1:
        if all(any(w in f.text for f in entry.fields) for w in words):
            best = ACROSS_FIELDS
    return best if best >= FUZZY_MIN else 0


def matching_line(text: str, query: str) -> str:
    """The command's line that best matches the query (else its first line), cut to fit."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    words = query.split()

    def quality(line: str) -> tuple[int, int]:
        norm = normalise(line)
        return score_text(query, norm, fuzzy=False), sum(w in norm for w in words)

    best = max(lines, key=quality)  # max keeps the first of equals
    line = best if quality(best) != (0, 0) else lines[0]
    return line if len(line) <= SHOWN_WIDTH else line[: SHOWN_WIDTH - 1] + "…"


@dataclass(frozen=True)
class SearchIndex:
    entries: tuple[Entry, ...]

    def search(self, query: str, *, limit: int = 50, prefer_file: Path | None = None) -> list[Hit]:
        """The best `limit` entries for `query`, best first. An empty query lists the
        services only, in their order (what `/` showed before runbooks were searched)."""
        wanted = normalise(query)
        if not wanted:
            return [Hit(e, 0, e.title) for e in self.entries if e.kind is Kind.SERVICE][:limit]
        scored = [(score_entry(wanted, e), e) for e in self.entries]
        scored = [(s, e) for s, e in scored if s > 0]
        scored.sort(
            key=lambda pair: (
                -pair[0],
                pair[1].kind.rank,
                prefer_file is None or pair[1].file != prefer_file,
                pair[1].order,
            )
        )
        return [
            Hit(e, s, matching_line(e.text, wanted) if e.kind is Kind.COMMAND else e.title)
            for s, e in scored[:limit]
        ]


def runbook_file(index: RunbookIndex, ref: str, base_dir: Path | None = None) -> Path | None:
    """The file a service's `runbook:` value names, or None when it names none."""
    file = ref.partition("#")[0].strip()
    if not file:
        return None
    found = find_runbook(index, file, base_dir)
    return None if isinstance(found, LinkProblem) else found.path


def runbook_owners(
    index: RunbookIndex,
    service_runbooks: Iterable[tuple[str, str | None]],
    base_dir: Path | None = None,
) -> dict[Path, str]:
    """File -> the first service (in config order) whose `runbook:` names it."""
    owners: dict[Path, str] = {}
    for name, ref in service_runbooks:
        file = runbook_file(index, ref, base_dir) if ref else None
        if file is not None:
            owners.setdefault(file, name)
    return owners


def build_search_index(
    services: Sequence[tuple[str, str]],
    runbooks: RunbookIndex | None,
    owners: Mapping[Path, str] | None = None,
) -> SearchIndex:
    """Entries for services as (name, title) pairs and for every heading and command of
    `runbooks`; `owners` (from `runbook_owners`) says which service a file belongs to."""
    owners = owners or {}
    entries: list[Entry] = [
        Entry(Kind.SERVICE, name, title, (Field.of(name), Field.of(title)), i, service=name)
        for i, (name, title) in enumerate(services)
    ]
    if runbooks is not None:
        order = len(entries)
        for runbook in runbooks.runbooks:
            name = runbooks.display_name(runbook.path)
            owner = owners.get(runbook.path)
            for heading in runbook.headings:
                entries.append(_heading_entry(runbook, heading, name, owner, order))
                order += 1
            for command in runbook.commands:
                entries.append(_command_entry(runbook, command, name, owner, order))
                order += 1
    return SearchIndex(tuple(entries))


def heading_path(runbook: Runbook, heading: Heading | None) -> str:
    """`High Error Rate › Check`: the heading and its parents, without the file's title."""
    titles: list[str] = []
    anchor = heading.anchor if heading is not None else None
    while anchor is not None:
        section = runbook.section(anchor)
        if section is None:
            break
        if section.heading.level > 1 or not titles:
            titles.append(section.title)
        anchor = section.parent
    return " › ".join(reversed(titles))


def _heading_entry(
    runbook: Runbook, heading: Heading, name: str, owner: str | None, order: int
) -> Entry:
    section = runbook.section(heading.anchor)
    parent = runbook.section(section.parent) if section and section.parent else None
    above = heading_path(runbook, parent.heading) if parent and parent.heading.level > 1 else ""
    return Entry(
        Kind.HEADING,
        heading.title,
        f"{name} § {above}" if above else name,
        (
            Field.of(heading.title),
            Field.of(heading.anchor, ANCHOR_PENALTY),
            Field.of(name, FILE_PENALTY, fuzzy=False),
        ),
        order,
        service=owner,
        file=runbook.path,
        anchor=heading.anchor,
    )


def _command_entry(
    runbook: Runbook, command: Command, name: str, owner: str | None, order: int
) -> Entry:
    under = heading_path(runbook, command.heading)
    fields = [Field.command(command.text)]
    if command.language:
        fields.append(Field.of(command.language, LANGUAGE_PENALTY, fuzzy=False))
    if under:
        fields.append(Field.of(under, UNDER_HEADING_PENALTY, fuzzy=False))
    fields.append(Field.of(name, FILE_PENALTY, fuzzy=False))
    first = next((ln.strip() for ln in command.text.splitlines() if ln.strip()), "")
    return Entry(
        Kind.COMMAND,
        first,
        f"{name} § {under}" if under else name,
        tuple(fields),
        order,
        service=owner,
        file=runbook.path,
        anchor=command.heading.anchor if command.heading is not None else None,
        command=command.index,
        text=command.text,
    )
