"""Stakeholder updates and the resolution notice, composed from the live state.

Templates are markdown with `{{ name }}` placeholders; the config may replace them
(`incidents.templates.update` / `.resolved`). A placeholder nothing fills stays as written,
so a typo in a team's template shows instead of vanishing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from oncall_tui.engine.incident import Clocks, Incident
from oncall_tui.engine.snapshot import CheckSnapshot, DashboardSnapshot
from oncall_tui.render.incident_text import clock, level_text, local_time
from oncall_tui.render.values import format_value
from oncall_tui.status import Status

UPDATE_TEMPLATE = """\
**{{ ref }} status update ({{ severity }}): {{ title }}**
Status: {{ state }} · commander {{ commander }}
Started {{ started }} ({{ elapsed }} ago) · detected {{ detected }}
Affected: {{ services }}
Impact: {{ impact }}
In breach:
{{ breaches }}
Actions taken:
{{ actions }}
Escalation: {{ level }}
Next update: {{ next_update }}
"""

RESOLVED_TEMPLATE = """\
**{{ ref }} resolved ({{ severity }}): {{ title }}**
Started {{ started }} · resolved {{ resolved }} · duration {{ duration }}
Affected: {{ services }}
Impact: {{ impact }}
Root cause: {{ root_cause }}
Resolution: {{ resolution }}
Commander: {{ commander }}
"""

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
NONE_YET = "none yet"


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with every `{{ name }}` that `values` knows replaced."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _threshold_words(check: CheckSnapshot, status: Status) -> str:
    thresholds = check.thresholds
    if thresholds is None:
        return ""
    level = next((lv for lv in thresholds.levels if lv.status is status), None)
    if level is None:
        return ""
    sign = thresholds.direction.sign
    return f" ({level.name} {sign} {format_value(level.value, check.unit)})"


def breach_line(service: str, check: CheckSnapshot) -> str | None:
    """`cqar error rate 4.2 % (crit >= 1 %) since 03:12:51`; None when not in breach."""
    status = check.status
    pending = check.pending
    if status is Status.STALE and check.level is not None:
        status = Status.CRIT if check.level == "crit" else Status.WARN
    if status.is_breach:
        since = check.since
    elif pending is not None:
        status, since = pending, check.pending_since
    else:
        return None
    word = status.word if pending is None or status is not pending else f"{pending.word} pending"
    value = format_value(check.value, check.unit) if check.value is not None else ""
    text = f"{service} {check.title} {value}".rstrip()
    return f"{text} {word}{_threshold_words(check, status)} since {local_time(since)}"


def breach_lines(snapshot: DashboardSnapshot | None, services: Iterable[str]) -> list[str]:
    """Every breach of the affected services, worst first."""
    if snapshot is None:
        return []
    found: list[tuple[int, float, str]] = []
    for name in services:
        svc = snapshot.service(name)
        for check in svc.checks if svc is not None else ():
            line = breach_line(name, check)
            if line is not None:
                found.append((-check.status.rank, check.since or 0.0, line))
    return [line for _, _, line in sorted(found)]


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) if lines else f"- {NONE_YET}"


def update_values(
    incident: Incident,
    clocks: Clocks,
    *,
    breaches: Sequence[str] = (),
    actions: Sequence[str] = (),
    impact: str = "",
) -> dict[str, str]:
    """What the update and resolution templates can name."""
    next_update = "—"
    if clocks.next_update_at is not None:
        left = clocks.next_update_at - clocks.now
        due = local_time(clocks.next_update_at)
        next_update = f"{due} (in {clock(left)})" if left >= 0 else f"{due} (overdue)"
    resolved = incident.resolved_at
    return {
        "ref": incident.ref,
        "id": str(incident.id),
        "title": incident.title,
        "severity": incident.severity,
        "state": incident.state,
        "commander": incident.commander,
        "services": ", ".join(incident.services) or "—",
        "started": local_time(incident.started_at, with_date=True),
        "elapsed": clock(clocks.elapsed),
        "detected": local_time(clocks.detected_at) if clocks.detected_at else "not yet",
        "resolved": local_time(resolved, with_date=True) if resolved else "not yet",
        "duration": clock(clocks.elapsed),
        "impact": impact or "not yet estimated",
        "breaches": _bullets(breaches),
        "actions": _bullets(actions),
        "level": level_text(clocks) or "—",
        "next_update": next_update,
        "root_cause": incident.root_cause or "to be determined",
        "resolution": incident.resolution or "—",
    }
