"""An incident and its clocks: time since start and detection, the escalation level reached,
the respond and resolve targets, and the next status update due. Pure: the caller gives `now`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from oncall_tui.config.model import EscalationLevel, IncidentPolicy, Severity


class Milestone(enum.Enum):
    """The stamps of an incident's life, in the order they normally come."""

    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @classmethod
    def parse(cls, text: str) -> Milestone:
        lowered = text.strip().lower()
        for item in cls:
            if item.value == lowered or (len(lowered) >= 3 and item.value.startswith(lowered)):
                return item
        names = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown milestone {text!r}; expected one of: {names}")


_NO_MILESTONES: Mapping[Milestone, float] = MappingProxyType({})


@dataclass(frozen=True)
class Incident:
    """One incident as the store keeps it. Times are Unix seconds."""

    id: int
    title: str
    severity: str
    services: tuple[str, ...]
    commander: str
    started_at: float
    milestones: Mapping[Milestone, float] = field(default_factory=lambda: _NO_MILESTONES)
    last_update_at: float | None = None  # the last status update sent
    root_cause: str = ""
    resolution: str = ""

    @property
    def ref(self) -> str:
        """How people name it: `INC-7`."""
        return f"INC-{self.id}"

    @property
    def resolved_at(self) -> float | None:
        return self.milestones.get(Milestone.RESOLVED)

    @property
    def is_open(self) -> bool:
        return Milestone.RESOLVED not in self.milestones

    @property
    def state(self) -> str:
        """The word for where it stands: investigating, acknowledged, mitigated or resolved."""
        for stamp in (Milestone.RESOLVED, Milestone.MITIGATED, Milestone.ACKNOWLEDGED):
            if stamp in self.milestones:
                return str(stamp.value)
        return "investigating"


@dataclass(frozen=True)
class Target:
    """A response or resolution target: due at `due`, met at `met` (None while open)."""

    name: str  # "respond" or "resolve"
    due: float
    met: float | None

    def left(self, now: float) -> float:
        """Seconds until it is due (negative once passed); frozen once met."""
        return self.due - (self.met if self.met is not None else now)

    def missed(self, now: float) -> bool:
        return self.left(now) < 0


@dataclass(frozen=True)
class Clocks:
    """Everything a header, a tile or an update says about time, at one moment."""

    now: float
    elapsed: float  # since the start (frozen at resolution)
    detected_at: float | None
    level: EscalationLevel | None  # the level reached
    next_level: EscalationLevel | None  # None once the top is reached or it is resolved
    next_level_in: float | None
    targets: tuple[Target, ...]
    update_interval: float | None
    next_update_at: float | None

    @property
    def since_detection(self) -> float | None:
        if self.detected_at is None:
            return None
        return self.now - self.detected_at

    @property
    def update_overdue(self) -> bool:
        return self.next_update_at is not None and self.next_update_at < self.now


def level_at(ladder: tuple[EscalationLevel, ...], elapsed: float) -> int:
    """Index of the level reached `elapsed` seconds in; -1 before the first."""
    reached = -1
    for i, level in enumerate(ladder):
        if level.after <= elapsed:
            reached = i
    return reached


def _targets(incident: Incident, severity: Severity) -> tuple[Target, ...]:
    found = []
    if severity.respond is not None:
        acknowledged = incident.milestones.get(Milestone.ACKNOWLEDGED)
        met = acknowledged if acknowledged is not None else incident.resolved_at
        found.append(Target("respond", incident.started_at + severity.respond, met))
    if severity.resolve is not None:
        found.append(
            Target("resolve", incident.started_at + severity.resolve, incident.resolved_at)
        )
    return tuple(found)


def clocks(
    incident: Incident,
    policy: IncidentPolicy,
    now: float,
    detected_at: float | None = None,
) -> Clocks:
    """The clocks of `incident` at `now`. `detected_at` is the first breach of an affected
    service as the recording saw it; a `detected` milestone set by hand wins over it."""
    end = incident.resolved_at if incident.resolved_at is not None else now
    elapsed = max(0.0, end - incident.started_at)
    detected = incident.milestones.get(Milestone.DETECTED, detected_at)
    ladder = policy.escalation
    reached = level_at(ladder, elapsed)
    level = ladder[reached] if reached >= 0 else None
    following = ladder[reached + 1] if reached + 1 < len(ladder) else None
    if not incident.is_open:
        following = None
    severity = policy.severity(incident.severity)
    interval = severity.updates_every
    for rung in ladder[: reached + 1]:
        if rung.updates_every is not None:
            interval = rung.updates_every
    next_update = None
    if interval is not None and incident.is_open:
        last = incident.last_update_at if incident.last_update_at is not None else None
        next_update = (last if last is not None else incident.started_at) + interval
    return Clocks(
        now=now,
        elapsed=elapsed,
        detected_at=detected,
        level=level,
        next_level=following,
        next_level_in=(
            incident.started_at + following.after - now if following is not None else None
        ),
        targets=_targets(incident, severity),
        update_interval=interval,
        next_update_at=next_update,
    )
