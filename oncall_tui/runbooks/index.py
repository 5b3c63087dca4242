"""All runbooks of a config, loaded once and looked up by file and anchor.

`RunbookIndex.load(paths)` takes files and folders (folders are searched recursively for
`*.md`). A file that cannot be read becomes a `LoadProblem`, never an exception: the
dashboard must start even when one runbook is broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.inert import inert_block
from oncall_tui.local_files import TEXT_LIMIT, read_bounded
from oncall_tui.runbooks.parse import Command, Heading, Runbook, Section, parse_runbook


@dataclass(frozen=True)
class LoadProblem:
    kind: str  # "missing", "unreadable", "encoding"
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class RunbookIndex:
    roots: tuple[Path, ...]  # the files and folders it was loaded from, absolute
    runbooks: tuple[Runbook, ...]  # in a stable order: roots in order, files sorted
    problems: tuple[LoadProblem, ...] = ()

    @classmethod
    def load(cls, paths: Sequence[Path]) -> RunbookIndex:
        roots = tuple(Path(p).expanduser().resolve() for p in paths)
        problems: list[LoadProblem] = []
        seen: set[Path] = set()
        runbooks: list[Runbook] = []
        for file in _markdown_files(roots, problems):
            if file in seen:
                continue
            seen.add(file)
            loaded = _read(file, problems)
            if loaded is not None:
                runbooks.append(parse_runbook(loaded, file))
        return cls(roots, tuple(runbooks), tuple(problems))

    def files(self) -> tuple[Path, ...]:
        return tuple(rb.path for rb in self.runbooks)

    def runbook(self, file: Path | str) -> Runbook | None:
        """The runbook at `file`: an absolute path, a path relative to one of the roots or
        to the current folder, or a bare file name when only one runbook has it."""
        found = self.find(file)
        return found[0] if len(found) == 1 else None

    def find(self, file: Path | str) -> list[Runbook]:
        """Every runbook `file` could name, best first; more than one means ambiguous."""
        wanted = Path(file).expanduser()
        exact = [rb for rb in self.runbooks if rb.path == _absolute(wanted)]
        if exact:
            return exact
        if not wanted.is_absolute():
            for root in self.roots:
                base = root if root.is_dir() else root.parent
                under = [rb for rb in self.runbooks if rb.path == (base / wanted).resolve()]
                if under:
                    return under
            parts = wanted.parts
            return [rb for rb in self.runbooks if rb.path.parts[-len(parts) :] == parts]
        return []

    def headings(self, file: Path | str) -> tuple[Heading, ...]:
        rb = self.runbook(file)
        return rb.headings if rb is not None else ()

    def section(self, file: Path | str, anchor: str) -> Section | None:
        rb = self.runbook(file)
        return rb.section(anchor) if rb is not None else None

    def commands(self, file: Path | str, anchor: str | None = None) -> tuple[Command, ...]:
        """The commands of a file, or of one section of it."""
        rb = self.runbook(file)
        if rb is None:
            return ()
        if anchor is None:
            return rb.commands
        section = rb.section(anchor)
        return rb.commands_in(section) if section is not None else ()

    def display_name(self, file: Path) -> str:
        """The file's path relative to the root it was found under, for lists and messages."""
        for root in self.roots:
            base = root if root.is_dir() else root.parent
            try:
                return str(file.relative_to(base))
            except ValueError:
                continue
        return str(file)


def _absolute(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _markdown_files(roots: tuple[Path, ...], problems: list[LoadProblem]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            try:
                found = sorted(p for p in root.rglob("*.md") if p.is_file())
            except OSError as exc:
                problems.append(LoadProblem("unreadable", root, f"cannot list folder: {exc}"))
                continue
            files.extend(p.resolve() for p in found)
        elif root.is_file():
            files.append(root)
        else:
            problems.append(LoadProblem("missing", root, "no such file or folder"))
    return files


def _read(file: Path, problems: list[LoadProblem]) -> str | None:
    try:
        data = read_bounded(file, TEXT_LIMIT)
    except OSError as exc:
        problems.append(LoadProblem("unreadable", file, exc.strerror or str(exc)))
        return None
    try:
        return inert_block(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        # Still show it: a runbook with one bad byte is better than none at 3 a.m.
        problems.append(
            LoadProblem("encoding", file, f"not valid UTF-8 at byte {exc.start}; shown with �")
        )
        return inert_block(data.decode("utf-8", errors="replace"))
