"""The `incidents:` policy (top level, or per service): severities, escalation, templates.

A service's `incidents:` replaces only the parts it names: a service that sets its own
`escalation:` keeps the top level's severities and templates.
"""

from __future__ import annotations

from oncall_tui.config.incident_model import (
    EscalationLevel,
    IncidentPolicy,
    IncidentTemplates,
    Severity,
)
from oncall_tui.config.reader import Field, Section

POLICY_KEYS: tuple[str, ...] = ("severities", "escalation", "templates")
SEVERITY_KEYS: tuple[str, ...] = ("description", "respond", "resolve", "updates_every")
LEVEL_KEYS: tuple[str, ...] = ("after", "level", "note", "updates_every")
TEMPLATE_KEYS: tuple[str, ...] = ("update", "resolved", "postmortem")

MINUTE = 60.0
HOUR = 3600.0

#: What a config with no `incidents:` gets: the four severities and the 15 / 30 minute ladder
#: that on-call guides of services like ours write down.
DEFAULT_POLICY = IncidentPolicy(
    severities=(
        Severity("P1", "Service down, data loss", 15 * MINUTE, 4 * HOUR, 15 * MINUTE),
        Severity("P2", "Degraded performance", 30 * MINUTE, 8 * HOUR, 30 * MINUTE),
        Severity("P3", "Partial functionality impacted", 2 * HOUR, 24 * HOUR, HOUR),
        Severity("P4", "Minor issue, no user impact", 24 * HOUR, None, None),
    ),
    escalation=(
        EscalationLevel(0.0, "L2 On-call engineer", "joins the incident channel"),
        EscalationLevel(15 * MINUTE, "L3 Engineering lead", "approves rollback"),
        EscalationLevel(
            30 * MINUTE,
            "L4 Executive",
            "war room; stakeholder updates every 5 min",
            updates_every=5 * MINUTE,
        ),
    ),
)


def _positive_duration(section: Section, key: str) -> float | None:
    found = section.get(key)
    if found is None or found.value is None:
        return None
    value = found.as_duration()
    if value is not None and value <= 0:
        found.fail(f"must be more than 0, got {found.value!r}")
        return None
    return value


def _read_severities(found: Field) -> tuple[Severity, ...] | None:
    section = found.as_section()
    if section is None:
        return None
    if not section.keys():
        found.fail("name at least one severity (P1: {respond: 15m, ...})")
        return None
    severities = []
    for name in section.keys():
        item = section.get(name)
        assert item is not None
        body = item.as_section() if item.value is not None else None
        if item.value is not None and body is None:
            continue
        if body is None:
            severities.append(Severity(str(name)))
            continue
        body.check_keys(SEVERITY_KEYS)
        severities.append(
            Severity(
                name=str(name),
                description=body.text("description", "") or "",
                respond=_positive_duration(body, "respond"),
                resolve=_positive_duration(body, "resolve"),
                updates_every=_positive_duration(body, "updates_every"),
            )
        )
    return tuple(severities)


def _read_escalation(found: Field) -> tuple[EscalationLevel, ...] | None:
    items = found.as_list()
    if items is None:
        return None
    if not items:
        found.fail("give at least one level ({after: 0m, level: L1 On-call engineer})")
        return None
    levels: list[EscalationLevel] = []
    for item in items:
        body = item.as_section()
        if body is None:
            continue
        body.check_keys(LEVEL_KEYS)
        after_field = body.require("after")
        name = body.require("level")
        after = after_field.as_duration() if after_field else None
        level = name.as_str() if name else None
        if after is None or level is None:
            continue
        if levels and after <= levels[-1].after:
            item.fail(
                f"levels go in order of time: after {after_field.value!r} is not later than "  # type: ignore[union-attr]
                f"the level before it"
            )
            continue
        levels.append(
            EscalationLevel(
                after=after,
                level=level.strip(),
                note=body.text("note", "") or "",
                updates_every=_positive_duration(body, "updates_every"),
            )
        )
    return tuple(levels) if levels else None


def _read_templates(found: Field, base: IncidentTemplates) -> IncidentTemplates:
    section = found.as_section()
    if section is None:
        return base
    section.check_keys(TEMPLATE_KEYS)
    paths = {}
    for key in TEMPLATE_KEYS:
        item = section.get(key)
        if item is None or item.value is None:
            continue
        path = item.as_path()
        if path is not None and not path.is_file():
            item.fail(f"template file not found: {path}")
            continue
        paths[key] = path
    return IncidentTemplates(
        update=paths.get("update", base.update),
        resolved=paths.get("resolved", base.resolved),
        postmortem=paths.get("postmortem", base.postmortem),
    )


def read_policy(found: Field, base: IncidentPolicy | None = None) -> IncidentPolicy | None:
    """The policy under `found`; the parts it does not name come from `base` (default: the
    built-in policy)."""
    if base is None:
        base = DEFAULT_POLICY
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(POLICY_KEYS)
    severities = base.severities
    escalation = base.escalation
    templates = base.templates
    if (item := section.get("severities")) is not None:
        severities = _read_severities(item) or severities
    if (item := section.get("escalation")) is not None:
        escalation = _read_escalation(item) or escalation
    if (item := section.get("templates")) is not None:
        templates = _read_templates(item, base.templates)
    return IncidentPolicy(severities=severities, escalation=escalation, templates=templates)
