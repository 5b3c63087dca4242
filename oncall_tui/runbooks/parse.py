"""Parse one markdown runbook into headings, sections and command blocks.

The parser is markdown-it-py with the "gfm-like" preset, the one Textual's Markdown widget
uses, so that the runbook pane and this index agree on what is a heading and what is a
code block. Only the block level is parsed for the whole file (fast on long files); the
inline text of headings is parsed one heading at a time to get their plain title.

Nothing is dropped: the `Runbook` keeps the full source, sections are line ranges of it,
and every top-level block is listed with its kind ("text" for anything not recognised).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from oncall_tui.runbooks.anchors import AnchorMaker


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for `#`, 2 for `##`...
    title: str  # the plain text, as GitHub would slug it
    anchor: str  # unique within its file
    line: int  # 1-based line of the heading in the file
    index: int  # position among the file's headings


@dataclass(frozen=True)
class Command:
    """A fenced or indented code block: something to copy, or to run if it is `promql`."""

    index: int  # position among the file's commands, from 0; stable id within the file
    language: str  # first word of the info string, lowercase; "" when none
    text: str  # the block's content, without fences or list indentation, ending in "\n"
    line: int  # 1-based line of the opening fence (first line for indented blocks)
    end_line: int  # 1-based last line of the block (the closing fence, when there is one)
    heading: Heading | None  # the heading it lives under; None before the first heading
    fenced: bool = True
    info: str = ""  # the whole info string, e.g. "bash title=restart"

    @property
    def content_line(self) -> int:
        """1-based line of the first line of `text` in the file."""
        return self.line + 1 if self.fenced else self.line

    @property
    def is_promql(self) -> bool:
        return self.language == "promql"


@dataclass(frozen=True)
class Section:
    """A heading and everything up to the next heading of the same or a higher level."""

    heading: Heading
    start_line: int  # = heading.line
    end_line: int  # inclusive; the line before the next heading of level <= this one
    parent: str | None  # anchor of the enclosing section
    children: tuple[str, ...]  # anchors of the direct subsections

    @property
    def anchor(self) -> str:
        return self.heading.anchor

    @property
    def title(self) -> str:
        return self.heading.title

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Block:
    """A top-level block of the document, by kind, so nothing is silently skipped."""

    kind: str  # heading, paragraph, list, table, code, html, quote, rule, text
    start_line: int
    end_line: int  # inclusive


@dataclass(frozen=True)
class Runbook:
    path: Path
    text: str  # the whole source, newlines normalised
    headings: tuple[Heading, ...]
    commands: tuple[Command, ...]
    blocks: tuple[Block, ...]
    sections: Mapping[str, Section] = field(default_factory=dict)  # anchor -> section

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @cached_property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.splitlines())

    @property
    def title(self) -> str:
        """The first top-level heading, or the file name."""
        first = next((h for h in self.headings if h.level == 1), None)
        return first.title if first is not None else self.path.stem

    def section(self, anchor: str) -> Section | None:
        return self.sections.get(anchor.lstrip("#"))

    def source(self, start_line: int, end_line: int) -> str:
        """Lines `start_line`..`end_line` (1-based, inclusive) of the file."""
        return "\n".join(self.lines[start_line - 1 : end_line]) + "\n"

    def section_text(self, section: Section) -> str:
        """The markdown of the section, heading included, as written in the file."""
        return self.source(section.start_line, section.end_line)

    def commands_in(self, section: Section) -> tuple[Command, ...]:
        return tuple(c for c in self.commands if section.contains_line(c.line))


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    md = MarkdownIt("gfm-like")
    # Inline parsing is most of markdown-it's time; the index only needs block structure.
    md.core.ruler.enableOnly(["normalize", "block"])
    return md


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("gfm-like")


_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "table_open": "table",
    "fence": "code",
    "code_block": "code",
    "html_block": "html",
    "blockquote_open": "quote",
    "hr": "rule",
}


def _plain_title(inline_source: str) -> str:
    """The visible text of a heading's inline markdown (links, emphasis and code unwrapped)."""
    parts: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for tok in tokens:
            if tok.type in ("text", "code_inline"):
                parts.append(tok.content)
            elif tok.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif tok.children:
                walk(tok.children)

    walk(_inline_parser().parseInline(inline_source))
    return "".join(parts).strip()


def parse_runbook(text: str, path: Path) -> Runbook:
    """Parse markdown source; never raises on odd markdown (markdown has no syntax errors)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    tokens = _block_parser().parse(text)
    line_total = len(text.splitlines())

    anchors = AnchorMaker()
    headings: list[Heading] = []
    raw_commands: list[tuple[Token, bool]] = []
    blocks: list[Block] = []

    for i, tok in enumerate(tokens):
        if tok.level == 0 and tok.map is not None and tok.nesting >= 0:
            kind = _KINDS.get(tok.type, "text")
            blocks.append(Block(kind, tok.map[0] + 1, max(tok.map[0] + 1, tok.map[1])))
        if tok.type == "heading_open" and tok.map is not None:
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            title = _plain_title(inline.content) if inline is not None else ""
            headings.append(
                Heading(
                    level=int(tok.tag[1:]),
                    title=title,
                    anchor=anchors.make(title),
                    line=tok.map[0] + 1,
                    index=len(headings),
                )
            )
        elif tok.type in ("fence", "code_block") and tok.map is not None:
            raw_commands.append((tok, tok.type == "fence"))

    runbook_headings = tuple(headings)
    heading_lines = [h.line for h in runbook_headings]
    commands = []
    for index, (tok, fenced) in enumerate(raw_commands):
        assert tok.map is not None
        info = tok.info.strip() if fenced else ""
        line = tok.map[0] + 1
        above = bisect_right(heading_lines, line)
        commands.append(
            Command(
                index=index,
                language=info.split(maxsplit=1)[0].lower() if info else "",
                text=tok.content,
                line=line,
                end_line=max(line, tok.map[1]),
                heading=runbook_headings[above - 1] if above else None,
                fenced=fenced,
                info=info,
            )
        )
    return Runbook(
        path=path,
        text=text,
        headings=runbook_headings,
        commands=tuple(commands),
        blocks=tuple(blocks),
        sections=_sections(runbook_headings, line_total),
    )


def _sections(headings: tuple[Heading, ...], line_total: int) -> dict[str, Section]:
    ends: dict[str, int] = {}
    parents: dict[str, str | None] = {}
    children: dict[str, list[str]] = {h.anchor: [] for h in headings}
    open_: list[Heading] = []  # the chain of enclosing sections, outermost first
    for heading in headings:
        while open_ and open_[-1].level >= heading.level:
            closed = open_.pop()
            ends[closed.anchor] = max(closed.line, heading.line - 1)
        parent = open_[-1].anchor if open_ else None
        parents[heading.anchor] = parent
        if parent is not None:
            children[parent].append(heading.anchor)
        open_.append(heading)
    for heading in open_:
        ends[heading.anchor] = max(heading.line, line_total)
    return {
        h.anchor: Section(h, h.line, ends[h.anchor], parents[h.anchor], tuple(children[h.anchor]))
        for h in headings
    }
