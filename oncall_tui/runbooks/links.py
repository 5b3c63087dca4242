"""From a panel to a runbook section: explicit `runbook:` links and best-match guesses.

A link is `file.md#anchor`, `file.md` (the whole file) or `#anchor` (in the service's own
`runbook:`). Without a link, `guess_section` picks the heading of the service's runbook that
best matches the KPI key, probe name or alert name, through a table of synonyms; the result
says it was a guess so the UI can tell the user. Problems are values (`LinkProblem`), with
the nearest candidates so a message can suggest the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oncall_tui.runbooks.anchors import slugify
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.parse import Heading, Runbook, Section

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, HealthProbe, Kpi, Service


@dataclass(frozen=True)
class ResolvedLink:
    runbook: Runbook
    section: Section | None  # None: the whole file (a link without anchor, or no match)
    explicit: bool  # False when guessed from a name
    reason: str  # for the UI: "linked in the config", "guessed from error_rate"...

    @property
    def file(self) -> Path:
        return self.runbook.path

    @property
    def anchor(self) -> str | None:
        return self.section.anchor if self.section is not None else None

    @property
    def line(self) -> int:
        """Where the pane should scroll to (1-based)."""
        return self.section.start_line if self.section is not None else 1


@dataclass(frozen=True)
class LinkProblem:
    kind: str  # no-runbook, missing-file, ambiguous-file, missing-anchor
    ref: str  # the link as written
    message: str
    candidates: tuple[str, ...] = ()  # near matches, as links one could write instead
    where: str = ""  # config key path, e.g. services.cqar.kpis.error_rate.runbook
    line: int = 0  # config line, 0 when unknown

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.candidates:
            text += "; did you mean " + ", ".join(self.candidates) + "?"
        return text


def split_ref(ref: str) -> tuple[str, str | None]:
    """`"cqar.md#high-latency"` -> `("cqar.md", "high-latency")`; `"#x"` -> `("", "x")`."""
    file, sep, anchor = ref.strip().partition("#")
    return file.strip(), (anchor.strip() if sep else None)


def find_runbook(
    index: RunbookIndex, file: str, base_dir: Path | None = None
) -> Runbook | LinkProblem:
    """The runbook a link's file part names, tried against `base_dir` first (the config's
    folder), then the index's roots, then as a path suffix."""
    candidates: list[Runbook] = []
    if base_dir is not None and not Path(file).expanduser().is_absolute():
        candidates = index.find(base_dir / file)
    if not candidates:
        candidates = index.find(file)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        names = tuple(str(rb.path) for rb in candidates)
        return LinkProblem("ambiguous-file", file, f"runbook {file} matches several files", names)
    known = [index.display_name(p) for p in index.files()]
    near = difflib.get_close_matches(file, known, n=3, cutoff=0.5)
    near += [n for n in known if Path(n).name == Path(file).name and n not in near]
    return LinkProblem("missing-file", file, f"runbook file {file} not found", tuple(near))


def resolve_link(
    index: RunbookIndex,
    ref: str,
    service_runbook: str | Path | None = None,
    base_dir: Path | None = None,
) -> ResolvedLink | LinkProblem:
    """Resolve an explicit `runbook:` value."""
    file, anchor = split_ref(ref)
    if not file:
        if service_runbook is None:
            return LinkProblem(
                "no-runbook", ref, f"link {ref} has no file and the service has no runbook:"
            )
        file = str(service_runbook)
    found = find_runbook(index, file, base_dir)
    if isinstance(found, LinkProblem):
        return LinkProblem(found.kind, ref, found.message, found.candidates)
    if not anchor:
        return ResolvedLink(found, None, True, "linked in the config")
    section = found.section(anchor)
    if section is None:
        return LinkProblem(
            "missing-anchor",
            ref,
            f"no heading #{anchor} in {index.display_name(found.path)}",
            tuple(f"#{a}" for a in near_anchors(found, anchor)),
        )
    return ResolvedLink(found, section, True, "linked in the config")


def near_anchors(runbook: Runbook, anchor: str, n: int = 3) -> list[str]:
    """Anchors of `runbook` close to `anchor`: containing it, or similar in spelling."""
    anchor = anchor.lstrip("#").lower()
    anchors = [h.anchor for h in runbook.headings]
    near = [a for a in anchors if anchor and (anchor in a or a in anchor)]
    similar = difflib.get_close_matches(anchor, anchors, n=n, cutoff=0.5)
    near += [a for a in similar if a not in near]
    return near[:n]


# Standard KPI keys and kinds of names -> heading titles to look for, best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "error_rate": ("High Error Rate", "Error Rate", "5xx", "Errors"),
    "latency": ("High Latency", "Slow Requests", "Latency", "Slow Response Time"),
    "cache_hit_rate": ("Low Cache Hit Rate", "Cache Miss Spike", "Cache Hit Rate", "Cache"),
    "pool_usage": (
        "Connection Pool Exhausted",
        "Connection Pool",
        "Database Connection",
        "Connections",
    ),
    "queue_depth": ("Queue Backlog", "Queue Depth", "Job Queue Backlog", "Backlog", "Queue"),
    "request_rate": ("Traffic", "Request Rate", "Traffic Spike"),
    "not_ready": (
        "Service Not Ready",
        "Readiness",
        "Service Unavailable",
        "Service Down",
        "Health Checks",
    ),
}

# Words of a name -> which synonym list it means; first rule whose words all occur wins.
_CONCEPTS: tuple[tuple[frozenset[str], str], ...] = tuple(
    (frozenset(words.split()), concept)
    for words, concept in (
        ("error", "error_rate"),
        ("errors", "error_rate"),
        ("5xx", "error_rate"),
        ("failure", "error_rate"),
        ("latency", "latency"),
        ("slow", "latency"),
        ("duration", "latency"),
        ("response time", "latency"),
        ("cache", "cache_hit_rate"),
        ("pool", "pool_usage"),
        ("connections", "pool_usage"),
        ("connection", "pool_usage"),
        ("queue", "queue_depth"),
        ("backlog", "queue_depth"),
        ("jobs", "queue_depth"),
        ("request rate", "request_rate"),
        ("traffic", "request_rate"),
        ("rps", "request_rate"),
        ("ready", "not_ready"),
        ("readiness", "not_ready"),
        ("readyz", "not_ready"),
        ("live", "not_ready"),
        ("liveness", "not_ready"),
        ("livez", "not_ready"),
        ("health", "not_ready"),
        ("healthz", "not_ready"),
        ("down", "not_ready"),
        ("unavailable", "not_ready"),
        ("grpc", "not_ready"),
    )
)

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+[a-z]*")
_IGNORED_HEADING_WORDS = frozenset({"runbook", "alert", "playbook"})


def name_words(name: str) -> list[str]:
    """`"CQARHighErrorRate"` -> `["cqar", "high", "error", "rate"]`; `"latency_p99"` too."""
    return [w.lower() for w in _WORD.findall(name)]


def concept_of(name: str, kind: str | None = None) -> str | None:
    """Which synonym list a KPI key, probe or alert name belongs to."""
    if name in SYNONYMS:
        return name
    if name.startswith("latency_"):
        return "latency"
    words = set(name_words(name))
    for needed, concept in _CONCEPTS:
        if needed <= words:
            return concept
    # A health probe with an unusual name ("db", "api") still means "not ready".
    return "not_ready" if kind == "probe" else None


def search_titles(name: str, kind: str | None = None) -> tuple[str, ...]:
    """The heading titles a guess looks for, best first."""
    concept = concept_of(name, kind)
    titles = SYNONYMS.get(concept, ()) if concept else ()
    own = " ".join(name_words(name))
    if kind == "alert":
        # an alert's own name first: `#### HighErrorRate` is its section, whatever synonyms
        # of its concept other headings carry
        return (own, *(t for t in titles if t.lower() != own))
    return (*titles, own)


_TOKEN = re.compile(r"[^\W_]+")


def _heading_words(heading: Heading) -> list[str]:
    """A heading's words, however it is written: `HighErrorRate`, `High Error Rate` and
    `high-error-rate` all give `high error rate` (CamelCase is split, as alert names are)."""
    words: list[str] = []
    for token in _TOKEN.findall(heading.title):
        split = name_words(token) if token.isascii() else []
        words.extend(split or [token.lower()])
    return [w for w in words if w not in _IGNORED_HEADING_WORDS]


def _only_rule_blocks(runbook: Runbook, heading: Heading) -> bool:
    """The heading's own text is nothing but code that defines an alert rule (`- alert: X`):
    an alert-rules listing, not what to do. A checklist under another heading beats it."""
    following = [h.line for h in runbook.headings if h.line > heading.line]
    end = min(following) if following else runbook.line_count + 1
    own = [b for b in runbook.blocks if heading.line < b.start_line < end and b.kind != "heading"]
    if not own or any(b.kind != "code" for b in own):
        return False
    return any("alert:" in runbook.source(b.start_line, b.end_line) for b in own)


def _match_quality(phrase: list[str], words: list[str]) -> int | None:
    """0: same words; 1: phrase is a run inside the heading; 2: all words appear; None."""
    if not phrase or not words:
        return None
    if phrase == words:
        return 0
    n = len(phrase)
    if any(words[i : i + n] == phrase for i in range(len(words) - n + 1)):
        return 1
    if set(phrase) <= set(words):
        return 2
    return None


def best_heading(runbook: Runbook, titles: tuple[str, ...]) -> Heading | None:
    best: tuple[int, int, int, int, int] | None = None
    found: Heading | None = None
    for rank, title in enumerate(titles):
        phrase = [w for w in slugify(title).split("-") if w]
        for heading in runbook.headings:
            quality = _match_quality(phrase, _heading_words(heading))
            if quality is None:
                continue
            rules = _only_rule_blocks(runbook, heading)
            score = (rank, int(rules), quality, heading.level, heading.index)
            if best is None or score < best:
                best, found = score, heading
        if found is not None and best is not None and best[1] == 0 and best[2] == 0:
            break  # an exact title for the best synonym: nothing later can beat it
    return found


def guess_section(
    index: RunbookIndex,
    service_runbook: str | Path | None,
    kpi_key_or_name: str,
    kind: str | None = None,
    base_dir: Path | None = None,
) -> ResolvedLink | LinkProblem:
    """The best heading of the service's runbook for a KPI key, probe or alert name.

    `kind` is "kpi", "probe" or "alert" when known. With no heading matching, the result
    is the whole runbook (`section is None`), still a guess.
    """
    if service_runbook is None:
        return LinkProblem(
            "no-runbook", kpi_key_or_name, "the service has no runbook: to guess a section from"
        )
    found = find_runbook(index, str(service_runbook), base_dir)
    if isinstance(found, LinkProblem):
        return found
    titles = search_titles(kpi_key_or_name, kind)
    heading = best_heading(found, titles)
    if heading is None:
        return ResolvedLink(
            found, None, False, f"no heading matches {kpi_key_or_name}: showing the whole runbook"
        )
    return ResolvedLink(
        found,
        found.section(heading.anchor),
        False,
        f"guessed from {kpi_key_or_name}: {heading.title}",
    )


def link_for(
    index: RunbookIndex,
    service: Service,
    target: Kpi | HealthProbe,
    base_dir: Path | None = None,
) -> ResolvedLink | LinkProblem:
    """What `r` on a KPI, custom panel or probe opens: its link, or a guess."""
    if target.runbook:
        return resolve_link(index, target.runbook, service.runbook, base_dir)
    name = str(getattr(target, "key", None) or getattr(target, "name", ""))
    kind = "kpi" if hasattr(target, "key") else "probe"
    return guess_section(index, service.runbook, name, kind, base_dir)


def check_links(config: Config, index: RunbookIndex) -> list[LinkProblem]:
    """Every broken `runbook:` link of a config, for `oncall validate`."""
    problems: list[LinkProblem] = []
    for where, line, ref, service_runbook in _config_links(config):
        result = resolve_link(index, ref, service_runbook, config.base_dir)
        if isinstance(result, LinkProblem):
            problems.append(
                LinkProblem(
                    result.kind, ref, result.message, result.candidates, where=where, line=line
                )
            )
    return problems


def _config_links(config: Config) -> Iterator[tuple[str, int, str, str | None]]:
    for name, service in config.services.items():
        if service.runbook:
            yield f"services.{name}.runbook", service.line, service.runbook, None
        for kpi in service.kpis:
            if kpi.runbook:
                where = f"services.{name}.kpis.{kpi.key}.runbook"
                yield where, kpi.line, kpi.runbook, service.runbook
        for panel in service.panels:
            if panel.runbook:
                yield (
                    f"services.{name}.panels.{panel.key}.runbook",
                    panel.line,
                    panel.runbook,
                    service.runbook,
                )
        for probe in service.health:
            if probe.runbook:
                yield (
                    f"services.{name}.health.{probe.name}.runbook",
                    probe.line,
                    probe.runbook,
                    service.runbook,
                )
