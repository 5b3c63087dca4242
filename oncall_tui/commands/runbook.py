"""`oncall runbook [FILE#ANCHOR] [--service NAME] [--commands] [--format text|json]`.

With a reference, prints that section in context (its heading and everything under it,
rendered with Rich markdown, code blocks filled in for the service), or with `--commands`
only its command blocks, numbered and filled in. Without one, lists every runbook and its
headings with their anchors. Runbooks come from the config's `runbooks:`; with no config
found, from `./runbooks`. A FILE that exists on disk is loaded even when not listed.

The service whose vars fill the placeholders is `--service`, else the one service whose
`runbook:` is that file, else none (only built-ins such as `now` are filled).

`--format json` with a reference prints:

    {"file": "runbooks/cqar.md", "anchor": "high-error-rate", "title": "High Error Rate",
     "service": "cqar",
     "commands": [{"index": 1, "language": "promql", "text": "...\n",
                   "unfilled": ["<pod>"], "line": 12}]}

`index` numbers the commands of the section from 1 (as the text output does); `line` is the
1-based line of the block's opening fence in the file; `unfilled` lists the placeholders
left as written; `anchor` is null for a whole file, `service` null when none applies.
Without a reference:

    {"runbooks": [{"file": ..., "title": ..., "headings":
        [{"level": 2, "title": ..., "anchor": ..., "line": 5}]}],
     "problems": ["runbooks/x.md: not valid UTF-8 ..."]}

Exit codes: 0 printed; 1 a file, anchor or service not found (the message names it and
lists the near candidates); 3 the config could not be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_tui.inert import inert_block, inert_line
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import LinkProblem, find_runbook, near_anchors, split_ref
from oncall_tui.runbooks.parse import Command, Runbook, Section
from oncall_tui.runbooks.placeholders import FillContext, FilledCommand, context_for, fill

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, Service


class _Failed(Exception):
    """A problem already worth printing, with its exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class _Target:
    runbook: Runbook
    section: Section | None  # None: the whole file
    shown_as: str  # the file as the user should see it


def run(args: argparse.Namespace) -> int:
    try:
        config = _load_config(getattr(args, "config", None))
        ref = getattr(args, "ref", None)
        extra = _file_on_disk(ref) if ref else None
        index = RunbookIndex.load([*_runbook_roots(config), *([extra] if extra else [])])
        if not ref:
            return _list(index, args.format)
        service = _service(config, getattr(args, "service", None))
        target = _target(index, ref, service, config, extra)
        if service is None and config is not None:
            service = _service_owning(config, index, target.runbook)
        name = service.name if service is not None else getattr(args, "service", None)
        context = context_for(service, config, service_name=name)
        if args.commands or args.format == "json":
            return _print_commands(target, context, name, args.format)
        return _print_section(target, context)
    except _Failed as failed:
        print(inert_line(f"oncall runbook: {failed}"), file=sys.stderr)
        return failed.code


def _load_config(explicit: str | None) -> Config | None:
    """The config, or None when none is found and none was asked for."""
    from oncall_tui.config.errors import ConfigErrors, ConfigNotFound
    from oncall_tui.config.loader import find_config_path, load_config

    try:
        path = find_config_path(explicit)
    except ConfigNotFound as exc:
        if explicit:
            raise _Failed(str(exc), 3) from None
        return None
    try:
        return load_config(path)
    except ConfigErrors as exc:
        raise _Failed(str(exc), 3) from None


def _runbook_roots(config: Config | None) -> list[Path]:
    if config is not None and config.runbooks:
        return list(config.runbooks)
    base = config.base_dir if config is not None else Path.cwd()
    folder = base / "runbooks"
    return [folder] if folder.is_dir() else []


def _file_on_disk(ref: str) -> Path | None:
    file, _ = split_ref(ref)
    if not file:
        return None
    path = Path(file).expanduser()
    return path.resolve() if path.is_file() else None


def _service(config: Config | None, name: str | None) -> Service | None:
    if name is None or config is None:
        return None
    if name not in config.services:
        known = ", ".join(config.services) or "none"
        raise _Failed(f"no service named {name!r} (services: {known})")
    return config.services[name]


def _service_owning(config: Config, index: RunbookIndex, runbook: Runbook) -> Service | None:
    owners = []
    for service in config.services.values():
        if service.runbook:
            found = find_runbook(index, service.runbook, config.base_dir)
            if isinstance(found, Runbook) and found.path == runbook.path:
                owners.append(service)
    return owners[0] if len(owners) == 1 else None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _target(
    index: RunbookIndex,
    ref: str,
    service: Service | None,
    config: Config | None,
    on_disk: Path | None,
) -> _Target:
    file, anchor = split_ref(ref)
    if not file:
        if service is None or not service.runbook:
            raise _Failed(f"{ref}: a link without a file needs --service with a runbook:")
        file = service.runbook
    if on_disk is not None:
        found: Runbook | LinkProblem = find_runbook(index, str(on_disk))
    else:
        found = find_runbook(index, file, config.base_dir if config is not None else None)
    if isinstance(found, LinkProblem):
        known = found.candidates or tuple(_shown(p) for p in index.files())
        hint = f"; did you mean: {', '.join(known)}" if known else "; no runbooks found"
        raise _Failed(found.message + hint)
    if not anchor:
        return _Target(found, None, _shown(found.path))
    section = found.section(anchor)
    if section is None:
        near = near_anchors(found, anchor) or [h.anchor for h in found.headings[:10]]
        hint = "; near: " + ", ".join(f"#{a}" for a in near) if near else ""
        raise _Failed(f"no heading #{anchor} in {_shown(found.path)}{hint}")
    return _Target(found, section, _shown(found.path))


def _commands(target: _Target) -> tuple[Command, ...]:
    if target.section is None:
        return target.runbook.commands
    return target.runbook.commands_in(target.section)


def _print_commands(target: _Target, context: FillContext, service: str | None, fmt: str) -> int:
    filled = [(c, fill(c.text, context, c.language)) for c in _commands(target)]
    title = target.section.title if target.section is not None else target.runbook.title
    if fmt == "json":
        doc: dict[str, Any] = {
            "file": target.shown_as,
            "anchor": target.section.anchor if target.section is not None else None,
            "title": title,
            "service": service,
            "commands": [
                {
                    "index": number,
                    "language": command.language,
                    "text": result.text,
                    "unfilled": list(result.unfilled_names),
                    "line": command.line,
                }
                for number, (command, result) in enumerate(filled, start=1)
            ],
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    anchor = f"#{target.section.anchor}" if target.section is not None else ""
    for_service = f", for {service}" if service else ""
    print(inert_line(f"{title}  ({target.shown_as}{anchor}{for_service})"))
    if not filled:
        print("(no commands in this section)")
    for number, (command, result) in enumerate(filled, start=1):
        print()
        print(_command_header(number, command, result))
        text = inert_block(result.text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _command_header(number: int, command: Command, result: FilledCommand) -> str:
    parts = [f"[{number}]", command.language or "text", f"line {command.line}"]
    if command.heading is not None:
        parts.append(f"under {command.heading.title!r}")
    if result.unfilled:
        parts.append("unfilled: " + " ".join(result.unfilled_names))
    return "  ".join(parts)


def _print_section(target: _Target, context: FillContext) -> int:
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.markup import escape

    runbook = target.runbook
    if target.section is None:
        start, end = 1, max(1, runbook.line_count)
    else:
        start, end = target.section.start_line, target.section.end_line
    text, unfilled = filled_markdown(runbook, start, end, context)
    console = Console()
    anchor = f"#{target.section.anchor}" if target.section is not None else ""
    console.print(f"[dim]{escape(inert_line(target.shown_as + anchor))}[/dim]", highlight=False)
    console.print(Markdown(inert_block(text)))
    if unfilled:
        names = escape(inert_line(" ".join(unfilled)))
        console.print(
            f"[yellow]unfilled placeholders:[/yellow] {names}",
            highlight=False,
            markup=True,
        )
    return 0


def filled_markdown(
    runbook: Runbook, start: int, end: int, context: FillContext
) -> tuple[str, tuple[str, ...]]:
    """Lines `start`..`end` of the runbook with every code block's content filled in,
    and the placeholders left unfilled."""
    lines = list(runbook.lines[start - 1 : end])
    unfilled: dict[str, None] = {}
    for command in runbook.commands:
        count = len(command.text.splitlines())
        first = command.content_line
        if count == 0 or first < start or first + count - 1 > end:
            continue
        at = first - start
        raw = "\n".join(lines[at : at + count])
        result = fill(raw, context, command.language)
        unfilled.update(dict.fromkeys(result.unfilled_names))
        lines[at : at + count] = result.text.split("\n")
    return "\n".join(lines) + "\n", tuple(unfilled)


def _list(index: RunbookIndex, fmt: str) -> int:
    problems = [str(p) for p in index.problems]
    if fmt == "json":
        doc = {
            "runbooks": [
                {
                    "file": _shown(rb.path),
                    "title": rb.title,
                    "headings": [
                        {"level": h.level, "title": h.title, "anchor": h.anchor, "line": h.line}
                        for h in rb.headings
                    ],
                }
                for rb in index.runbooks
            ],
            "problems": problems,
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not index.runbooks:
        print("no runbooks found (looked in the config's runbooks: or ./runbooks)")
    for rb in index.runbooks:
        print(inert_line(_shown(rb.path)))
        for heading in rb.headings:
            indent = "  " * heading.level
            print(inert_line(f"{indent}{heading.title}  #{heading.anchor}"))
    for problem in problems:
        print(inert_line(f"warning: {problem}"), file=sys.stderr)
    return 0
