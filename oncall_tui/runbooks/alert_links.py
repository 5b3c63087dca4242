"""From an alert to a runbook section. Pure: it reads an already loaded `RunbookIndex`.

The order, first that applies:
1. the alert's `runbook_url` annotation, when it names a runbook we have: a relative link
   (`cqar.md#high-error-rate`) or a full http(s) URL whose last path segment is one of our
   files (`https://git.example.com/runbooks/cqar.md#...`) or a wiki page of the same name
   (`https://wiki.example.com/Runbooks/cqar#...`); the anchor picks the section;
2. a heading of the service's runbook matching the alert name (`CQARHighErrorRate` ->
   "High Error Rate", through `links.guess_section`);
3. the service's runbook as a whole.
A `runbook_url` we do not have comes back as `ExternalRunbook`, with the full URL to show
and copy, and the local guess (if any) as its fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from oncall_tui.runbooks.anchors import slugify
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import LinkProblem, ResolvedLink, guess_section, resolve_link
from oncall_tui.runbooks.parse import Runbook

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, Service
    from oncall_tui.sources.alerts.records import Alert


@dataclass(frozen=True)
class ExternalRunbook:
    """A `runbook_url` that names nothing we have: shown in full, ready to copy."""

    url: str
    fallback: ResolvedLink | LinkProblem | None = None  # the local guess, when there is one

    @property
    def message(self) -> str:
        return f"runbook_url is not one of the runbooks here: {self.url}"


AlertRunbook = ResolvedLink | LinkProblem | ExternalRunbook


def _is_url(ref: str) -> bool:
    return ref.lower().startswith(("http://", "https://"))


def _url_parts(url: str) -> tuple[str, str | None]:
    """`https://host/a/cqar.md#x` -> (`cqar.md`, `x`); the last path segment, unquoted."""
    parts = urlsplit(url)
    name = PurePosixPath(unquote(parts.path)).name
    return name, (unquote(parts.fragment) or None)


def _runbook_named(index: RunbookIndex, name: str, preferred: Runbook | None) -> Runbook | None:
    """The runbook whose file name is `name` (or whose stem is, for wiki page names).

    The service's own runbook wins a tie; otherwise a name shared by several files is
    ambiguous and matches nothing.
    """
    if not name:
        return None
    wanted = name.lower()
    hits = [
        rb
        for rb in index.runbooks
        if rb.path.name.lower() == wanted or rb.path.stem.lower() == wanted
    ]
    if preferred is not None and preferred in hits:
        return preferred
    return hits[0] if len(hits) == 1 else None


def _section_link(runbook: Runbook, anchor: str | None, reason: str) -> ResolvedLink | None:
    """The section `anchor` names (as written, or as a heading title), or None."""
    if not anchor:
        return ResolvedLink(runbook, None, True, reason)
    for candidate in (anchor, anchor.lower(), slugify(anchor.replace("-", " "))):
        section = runbook.section(candidate)
        if section is not None:
            return ResolvedLink(runbook, section, True, reason)
    return None


def _service_runbook(
    index: RunbookIndex, service: Service | None, base_dir: Path | None
) -> Runbook | None:
    if service is None or not service.runbook:
        return None
    found = resolve_link(index, service.runbook, None, base_dir)
    return found.runbook if isinstance(found, ResolvedLink) else None


def _guess(
    alert: Alert,
    index: RunbookIndex,
    service: Service | None,
    base_dir: Path | None,
    in_file: Runbook | None = None,
) -> ResolvedLink | LinkProblem:
    """A heading matching the alert name, in `in_file` or the service's runbook."""
    if in_file is not None:
        result = guess_section(index, in_file.path, alert.name, "alert")
        if isinstance(result, ResolvedLink):
            return result
    if service is None:
        return LinkProblem(
            "no-runbook",
            alert.name,
            f"{alert.name} belongs to no service and has no runbook_url we know",
        )
    return guess_section(index, service.runbook, alert.name, "alert", base_dir)


def alert_runbook(
    alert: Alert,
    index: RunbookIndex,
    services: Mapping[str, Service],
    base_dir: Path | None = None,
) -> AlertRunbook:
    """What `r` on `alert` opens (see the module docstring for the order)."""
    service = services.get(alert.service) if alert.service else None
    own = _service_runbook(index, service, base_dir)
    ref = alert.runbook_url.strip()
    if not ref:
        return _guess(alert, index, service, base_dir)
    if _is_url(ref):
        name, anchor = _url_parts(ref)
        runbook = _runbook_named(index, name, own)
    else:
        file, _, fragment = ref.partition("#")
        anchor = fragment or None
        runbook = None
        if file:
            found = resolve_link(index, file, None, base_dir)
            runbook = found.runbook if isinstance(found, ResolvedLink) else None
            if runbook is None:
                runbook = _runbook_named(index, PurePosixPath(file).name, own)
        else:
            runbook = own
    if runbook is None:
        guess = _guess(alert, index, service, base_dir)
        return ExternalRunbook(ref, guess if isinstance(guess, ResolvedLink) else None)
    linked = _section_link(runbook, anchor, "linked by the alert's runbook_url")
    if linked is not None:
        return linked
    # our file, but an anchor it does not have: the alert name may still find the section
    guess = _guess(alert, index, service, base_dir, in_file=runbook)
    if isinstance(guess, ResolvedLink):
        note = f"no heading #{anchor} in {index.display_name(runbook.path)}; {guess.reason}"
        return ResolvedLink(guess.runbook, guess.section, False, note)
    return ResolvedLink(runbook, None, False, f"no heading #{anchor}: showing the whole runbook")


def runbook_text(result: AlertRunbook, index: RunbookIndex) -> str | None:
    """The link as one line of text (`cqar.md#high-error-rate`, or the external URL)."""
    if isinstance(result, ExternalRunbook):
        return result.url
    if isinstance(result, LinkProblem):
        return None
    name = index.display_name(result.file)
    return f"{name}#{result.anchor}" if result.anchor else name


def status_runbook(alert: Alert, index: RunbookIndex, config: Config) -> str | None:
    """The `runbook` field of `oncall status` JSON: the resolved link, else the annotation."""
    result = alert_runbook(alert, index, config.services, config.base_dir)
    return runbook_text(result, index) or (alert.runbook_url or None)
