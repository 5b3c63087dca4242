"""Which runbook links of imported rules point at a runbook that exists here.

`oncall validate` rejects a link to a file or heading it cannot find, so `import-rules`
writes a link as a setting only when it found the file (and heading) in a runbooks folder
near the rule files or the current folder; any other link stays a comment to fix by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.runbooks.index import RunbookIndex


@dataclass(frozen=True)
class RunbookCheck:
    folders: tuple[Path, ...]  # where runbooks were found, absolute
    index: RunbookIndex | None

    def exists(self, link: str) -> bool:
        """Whether `file.md#anchor` names a file and heading we have."""
        if self.index is None:
            return False
        file, _, anchor = link.partition("#")
        runbook = self.index.runbook(file) if file else None
        if runbook is None:
            return False
        return not anchor or runbook.section(anchor) is not None


def candidate_folders(rule_files: Sequence[Path], cwd: Path | None = None) -> tuple[Path, ...]:
    """`./runbooks`, and a `runbooks/` folder next to (or above) each rule file."""
    here = (cwd or Path.cwd()).resolve()
    found: list[Path] = []
    places = [here / "runbooks"]
    for rule_file in rule_files:
        folder = rule_file.resolve().parent
        places += [folder / "runbooks", folder.parent / "runbooks"]
    for place in places:
        if place.is_dir() and any(place.glob("*.md")) and place not in found:
            found.append(place)
    return tuple(found)


def check_runbooks(rule_files: Sequence[Path], cwd: Path | None = None) -> RunbookCheck:
    folders = candidate_folders(rule_files, cwd)
    return RunbookCheck(folders, RunbookIndex.load(folders) if folders else None)
