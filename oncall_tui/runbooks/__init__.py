"""Markdown runbooks: parsing, the index, links from panels, placeholder filling, copying.

Plain Python (never Textual): `oncall runbook` and `oncall validate` use it without the UI,
and the runbook pane builds on the same records.
"""

from oncall_tui.runbooks.index import LoadProblem, RunbookIndex
from oncall_tui.runbooks.links import (
    LinkProblem,
    ResolvedLink,
    check_links,
    guess_section,
    link_for,
    resolve_link,
)
from oncall_tui.runbooks.parse import Command, Heading, Runbook, Section, parse_runbook
from oncall_tui.runbooks.placeholders import FillContext, FilledCommand, Span, context_for, fill

__all__ = [
    "Command",
    "FillContext",
    "FilledCommand",
    "Heading",
    "LinkProblem",
    "LoadProblem",
    "ResolvedLink",
    "Runbook",
    "RunbookIndex",
    "Section",
    "Span",
    "check_links",
    "context_for",
    "fill",
    "guess_section",
    "link_for",
    "parse_runbook",
    "resolve_link",
]
