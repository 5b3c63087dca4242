"""The incident policy: severities, the escalation ladder, templates. `config.model` names
these too (built when first asked for there): only incidents use them, and a config without
`incidents:` follows the built-in policy (`config.incidents.DEFAULT_POLICY`), so a run that
opens no incident, as `oncall status`, never builds their classes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Severity:
    """One incident severity and the clocks it sets: respond and resolve targets, updates."""

    name: str  # "P1"
    description: str = ""
    respond: float | None = None  # seconds from the start to the first acknowledgement
    resolve: float | None = None  # seconds from the start to resolution
    updates_every: float | None = None  # seconds between stakeholder updates


@dataclass(frozen=True)
class EscalationLevel:
    """A rung of the ladder: reached `after` seconds into an incident that is not resolved."""

    after: float
    level: str  # "L3 Engineering lead"
    note: str = ""
    updates_every: float | None = None  # replaces the severity's update interval from here on


@dataclass(frozen=True)
class IncidentTemplates:
    """Markdown templates replacing the built-in ones; None keeps the built-in."""

    update: Path | None = None
    resolved: Path | None = None
    postmortem: Path | None = None


@dataclass(frozen=True)
class IncidentPolicy:
    """Severities in order (most severe first), the escalation ladder and the templates."""

    severities: tuple[Severity, ...]
    escalation: tuple[EscalationLevel, ...]
    templates: IncidentTemplates = IncidentTemplates()

    def severity(self, name: str) -> Severity:
        """The severity called `name`; an unknown name gets a severity with no targets."""
        return next((s for s in self.severities if s.name == name), Severity(name))
