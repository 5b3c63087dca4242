"""The frozen records a probe hands the screens through `Reading.detail`.

A `ProbeResult` is everything a health pane shows for one probe: the verdict and why, the
HTTP code, the latency, the status word the endpoint gave, its components (failing ones
first, nested to any depth) and, when nothing usable came back, the `FetchError` that says
so ("timeout: no answer within 3 s").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from oncall_tui.config.model import ProbeKind
from oncall_tui.sources.base import FetchError
from oncall_tui.status import Status

NO_FIELDS: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True)
class Component:
    """One dependency an endpoint reports on: `cache`, `database`, `jobs`...

    `message` is the endpoint's own words ("error: connection refused"); `fields` keeps
    whatever else it said (`response_time`, `pending_jobs`, `l2_healthy`), nested maps
    flattened to dotted keys; `children` are sub-components, failing ones first.
    """

    name: str
    status: Status
    message: str = ""
    fields: Mapping[str, object] = field(default_factory=lambda: NO_FIELDS)
    children: tuple[Component, ...] = ()

    @property
    def failing(self) -> bool:
        return self.status.is_breach


@dataclass(frozen=True)
class FlatComponent:
    """A component placed in a flat list for display: `depth` for indenting, `path` to name it."""

    depth: int
    path: str  # "jobs.workers" for a child, "cache" at the top
    component: Component


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one run of one probe, whatever the answer was."""

    probe: str
    kind: ProbeKind
    status: Status  # the raw verdict, before any `for:` hold
    http_status: int | None = None
    latency: float | None = None  # seconds; None when nothing answered
    top_word: str | None = None  # "ready", "not_ready", "SERVING", as the endpoint wrote it
    components: tuple[Component, ...] = ()  # failing ones first
    error: FetchError | None = None  # refused, timed out...: kept so the screen can say so
    body_excerpt: str = ""  # the start of the body, for a plain-text or unreadable answer
    reason: str = ""  # one line on why the verdict is what it is ("HTTP 503; cache: error: ...")
    target: str = ""  # the URL or host:port probed, for display
    body_truncated: bool = False  # the body was longer than the read cap

    @property
    def latency_ms(self) -> float | None:
        return None if self.latency is None else self.latency * 1000.0

    def as_json(self) -> dict[str, object]:
        """The shape `oncall status --format json` prints under `services.NAME.health.PROBE`."""
        return {
            "status": self.status.value,
            "kind": self.kind.value,
            "target": self.target,
            "http_status": self.http_status,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 3),
            "word": self.top_word,
            "reason": self.reason,
            "components": components_as_json(self.components),
            "error": None if self.error is None else str(self.error),
        }


def flatten_components(
    components: Iterable[Component], depth: int = 0, prefix: str = ""
) -> tuple[FlatComponent, ...]:
    """Depth-first, in the stored order (failing first at each level), for a flat list view."""
    flat: list[FlatComponent] = []
    for component in components:
        path = f"{prefix}.{component.name}" if prefix else component.name
        flat.append(FlatComponent(depth, path, component))
        flat.extend(flatten_components(component.children, depth + 1, path))
    return tuple(flat)


def components_as_json(components: Iterable[Component]) -> dict[str, object]:
    out: dict[str, object] = {}
    for component in components:
        entry: dict[str, object] = {"status": component.status.value}
        if component.message:
            entry["message"] = component.message
        if component.fields:
            entry["fields"] = dict(component.fields)
        if component.children:
            entry["components"] = components_as_json(component.children)
        out[component.name] = entry
    return out
