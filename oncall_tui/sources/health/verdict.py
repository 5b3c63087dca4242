"""Pure verdict logic for probes: status words, status codes, components and latency.

The raw verdict only; holding a breach for `for:` is the engine's job. A probe that answers
nothing (refused, timed out) is crit: for a health endpoint, silence is the bad news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from oncall_tui.config.model import HealthProbe
from oncall_tui.sources.base import ErrorKind, FetchError
from oncall_tui.sources.health.records import Component, ProbeResult, flatten_components
from oncall_tui.status import Status, worst

if TYPE_CHECKING:
    from oncall_tui.sources.health.body import HealthBody

_GOOD = ("ok", "healthy", "ready", "up", "pass", "passed", "serving", "live", "alive", "green")
_WARN = ("degraded", "warn", "warning", "yellow")
_DOWN = (
    "error",
    "unhealthy",
    "not_ready",
    "notready",
    "down",
    "fail",
    "failed",
    "failure",
    "not_serving",
    "out_of_service",
    "critical",
    "red",
)

#: The default meaning of a status word, lower-cased. `HealthProbe.status_words` overrides it.
DEFAULT_WORDS: Mapping[str, Status] = MappingProxyType(
    {
        **dict.fromkeys(_GOOD, Status.OK),
        **dict.fromkeys(_WARN, Status.WARN),
        **dict.fromkeys(_DOWN, Status.CRIT),
    }
)

#: grpc.health.v1 ServingStatus names; anything but SERVING means "do not send traffic".
GRPC_WORDS: Mapping[str, Status] = MappingProxyType(
    {
        "serving": Status.OK,
        "not_serving": Status.CRIT,
        "unknown": Status.CRIT,
        "service_unknown": Status.CRIT,
    }
)


def word_status(word: str, overrides: Mapping[str, Status] | None = None) -> Status | None:
    """What a status word means, case-insensitively; None for a word we do not know."""
    key = word.strip().lower()
    if overrides:
        for given, status in overrides.items():
            if given.strip().lower() == key:
                return status
    return DEFAULT_WORDS.get(key)


def status_accepted(code: int, expect_status: tuple[int, ...] = ()) -> bool:
    """`expect_status` lists the accepted codes; empty means any 2xx."""
    return code in expect_status if expect_status else 200 <= code < 300


def error_status(error: FetchError) -> Status:
    """A probe that cannot run as configured is an error; one that got no answer is crit."""
    return Status.ERROR if error.kind is ErrorKind.CONFIG else Status.CRIT


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str  # "" when all is well


def judge_probe(
    *,
    error: FetchError | None = None,
    http_status: int | None = None,
    expect_status: tuple[int, ...] = (),
    location: str | None = None,
    top_word: str | None = None,
    top_status: Status | None = None,
    components: Iterable[Component] = (),
    latency: float | None = None,
    latency_warn: float | None = None,
) -> Verdict:
    """The verdict on one probe run and a one-line reason, worst finding first."""
    if error is not None:
        return Verdict(error_status(error), error.message)
    findings: list[tuple[Status, str]] = []
    if http_status is not None and not status_accepted(http_status, expect_status):
        expected = "/".join(str(c) for c in expect_status) if expect_status else "2xx"
        moved = f" to {location}" if location else ""
        findings.append((Status.CRIT, f"HTTP {http_status}{moved} (expected {expected})"))
    if top_word is not None and top_status is not None and top_status is not Status.OK:
        findings.append((top_status, f"status {top_word}"))
    failing = _failing_leaves(components)
    if failing:
        # A failing part under a top level that still says ok is a warning: the service
        # judged it survivable. Under a down top level, the top level already says crit.
        text = "; ".join(f"{path}: {c.message or c.status.value}" for path, c in failing[:3])
        more = f" (+{len(failing) - 3} more)" if len(failing) > 3 else ""
        findings.append((Status.WARN, text + more))
    if latency is not None and latency_warn is not None and latency >= latency_warn:
        # on the line is in breach, as for every threshold
        slow = f"slow: {latency * 1000:.0f} ms >= {latency_warn * 1000:.0f} ms"
        findings.append((Status.WARN, slow))
    if not findings:
        return Verdict(Status.OK, "")
    findings.sort(key=lambda item: -item[0].rank)
    return Verdict(worst(s for s, _ in findings), "; ".join(text for _, text in findings))


def judge_http(
    code: int,
    body: HealthBody | None,
    latency: float,
    *,
    expect_status: tuple[int, ...] = (),
    latency_warn: float | None = None,
    location: str | None = None,
) -> Verdict:
    """An HTTP answer judged by its code, its body's word and components, and its latency.

    When the verdict is bad, the body's own message joins the reason: it says why in the
    service's words.
    """
    verdict = judge_probe(
        http_status=code,
        expect_status=expect_status,
        location=location,
        top_word=body.word if body else None,
        top_status=body.status if body else None,
        components=body.components if body else (),
        latency=latency,
        latency_warn=latency_warn,
    )
    reason = verdict.reason
    if body is not None and body.message and verdict.status.is_breach:
        reason = f"{reason}; {body.message}" if reason else body.message
    return Verdict(verdict.status, reason)


def _failing_leaves(components: Iterable[Component]) -> list[tuple[str, Component]]:
    """Failing components none of whose children fail: the root causes to name."""
    leaves = []
    for flat in flatten_components(components):
        comp = flat.component
        if comp.failing and not any(child.failing for child in comp.children):
            leaves.append((flat.path, comp))
    return leaves


def failed_result(probe: HealthProbe, error: FetchError, target: str = "") -> ProbeResult:
    """The result of a probe run that got no usable answer: crit, or error if misconfigured."""
    return ProbeResult(
        probe=probe.name,
        kind=probe.kind,
        status=error_status(error),
        error=error,
        reason=error.message,
        target=target or probe.target,
    )
