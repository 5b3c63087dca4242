"""The postmortem of an incident as markdown: times, minutes, impact, timeline, charts, blanks.

Charts are text in fenced blocks, not SVG files beside the markdown: the postmortem stays one
file that reads the same in a terminal, a code review, a wiki paste and a chat message, and it
needs no renderer. The template (`incidents.templates.postmortem`) may replace the layout; the
facts are the same placeholders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from oncall_tui.config.model import Thresholds
from oncall_tui.engine.incident import Clocks, Incident, Milestone
from oncall_tui.render.incident_text import local_time
from oncall_tui.render.incident_update import fill
from oncall_tui.render.values import format_value
from oncall_tui.units import Unit

POSTMORTEM_TEMPLATE = """\
# Postmortem {{ ref }}: {{ title }}

| | |
| --- | --- |
| Severity | {{ severity }} |
| Commander | {{ commander }} |
| Services | {{ services }} |
| Started | {{ started }} |
| Detected | {{ detected }} |
| Acknowledged | {{ acknowledged }} |
| Mitigated | {{ mitigated }} |
| Resolved | {{ resolved }} |
| Duration | {{ duration_min }} |
| Detection | {{ detection_min }} |
| Resolution | {{ resolution_min }} |

## Impact

{{ impact }}

## What breached

{{ breaches }}

## Alerts

{{ alerts }}

## Timeline

{{ timeline }}

## Charts

{{ charts }}

## Root cause

{{ root_cause }}

## Action items

- [ ] _owner_: _what_ (_due_)

## Lessons

- _what went well_
- _what went badly_
- _where we got lucky_
"""

_BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class TimelineRow:
    at: float
    kind: str  # "breach", "recovery", "alert", "probe", "pod", "note", "milestone", ...
    service: str
    text: str


@dataclass(frozen=True)
class BreachedKpi:
    """A KPI that breached during the incident, its first crossing and its recorded series."""

    service: str
    title: str
    unit: Unit
    first_crossing: float
    worst: str  # "crit" / "warn"
    thresholds: Thresholds | None
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Impact:
    """Requests served and failed in the incident window, from recorded rate and error rate."""

    requests: float
    failed: float
    services: tuple[str, ...]

    def text(self) -> str:
        if self.requests <= 0:
            return "No request rate was recorded for the affected services."
        share = self.failed / self.requests
        return (
            f"About {_count(self.requests)} requests served and {_count(self.failed)} failed "
            f"({share:.2%}) on {', '.join(self.services)}, estimated from the recorded "
            "request rate and error rate."
        )


@dataclass(frozen=True)
class PostmortemFacts:
    incident: Incident
    clocks: Clocks
    impact: Impact | None
    breaches: tuple[BreachedKpi, ...]
    alerts: tuple[str, ...]  # "03:12:51 HighErrorRate (critical) on cqar"
    timeline: tuple[TimelineRow, ...]


def _count(value: float) -> str:
    return f"{round(value):,}"


def minutes(start: float | None, end: float | None) -> str:
    """`12 min` from `start` to `end`, rounded; `—` when either is missing."""
    if start is None or end is None:
        return "—"
    return f"{round((end - start) / 60)} min"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def timeline_table(rows: Sequence[TimelineRow]) -> str:
    if not rows:
        return "Nothing was recorded for this incident."
    lines = ["| time | kind | service | what |", "| --- | --- | --- | --- |"]
    for row in sorted(rows, key=lambda r: r.at):
        lines.append(
            f"| {local_time(row.at)} | {row.kind} | {_cell(row.service) or '—'} | "
            f"{_cell(row.text)} |"
        )
    return "\n".join(lines)


def text_chart(
    points: Sequence[tuple[float, float]],
    thresholds: Thresholds | None,
    unit: Unit,
    width: int = 60,
    height: int = 6,
) -> str:
    """A chart of `points` in block characters, the threshold rows marked on the axis."""
    values = [v for _, v in points if math.isfinite(v)]
    if not values:
        return "(no values recorded)"
    levels = list(thresholds.levels) if thresholds is not None else []
    low = min([*values, *(lv.value for lv in levels)])
    high = max([*values, *(lv.value for lv in levels)])
    if high == low:
        high = low + 1.0
    step = max(1, math.ceil(len(values) / width))
    columns = [max(values[i : i + step]) for i in range(0, len(values), step)]
    rows = []
    for r in range(height, 0, -1):
        top = low + (high - low) * r / height
        bottom = low + (high - low) * (r - 1) / height
        marks = [
            lv.name for lv in levels if bottom < lv.value <= top or (r == 1 and lv.value == low)
        ]
        cells = []
        for value in columns:
            fill_part = (value - bottom) / (top - bottom)
            cells.append(_BLOCKS[max(0, min(8, round(fill_part * 8)))] if value > bottom else " ")
        axis = format_value(top, unit).rjust(9)
        tail = f"  ◀ {', '.join(marks)}" if marks else ""
        rows.append(f"{axis} ┤{''.join(cells)}{tail}")
    start, end = points[0][0], points[-1][0]
    rows.append(f"{'':9} └ {local_time(start)} … {local_time(end)}")
    return "\n".join(rows)


def _breach_rows(breaches: Sequence[BreachedKpi]) -> str:
    if not breaches:
        return "No KPI crossed its line during the incident."
    lines = ["| service | KPI | first crossing | worst |", "| --- | --- | --- | --- |"]
    for b in sorted(breaches, key=lambda b: b.first_crossing):
        lines.append(
            f"| {_cell(b.service)} | {_cell(b.title)} | {local_time(b.first_crossing)} | "
            f"{b.worst.upper()} |"
        )
    return "\n".join(lines)


def _charts(breaches: Sequence[BreachedKpi]) -> str:
    if not breaches:
        return "No KPI breached, so there is nothing to chart."
    parts = []
    for b in sorted(breaches, key=lambda b: b.first_crossing):
        legend = ""
        if b.thresholds is not None and b.thresholds.levels:
            legend = " · " + ", ".join(
                f"{lv.name} {b.thresholds.direction.sign} {format_value(lv.value, b.unit)}"
                for lv in b.thresholds.levels
            )
        parts.append(
            f"### {b.service} {b.title}{legend}\n\n```text\n"
            f"{text_chart(b.points, b.thresholds, b.unit)}\n```"
        )
    return "\n\n".join(parts)


def postmortem_values(facts: PostmortemFacts) -> dict[str, str]:
    incident, clocks = facts.incident, facts.clocks
    stamps = incident.milestones
    detected = clocks.detected_at
    resolved = incident.resolved_at
    return {
        "ref": incident.ref,
        "id": str(incident.id),
        "title": incident.title,
        "severity": incident.severity,
        "commander": incident.commander,
        "services": ", ".join(incident.services) or "—",
        "started": local_time(incident.started_at, with_date=True),
        "detected": local_time(detected, with_date=True),
        "acknowledged": local_time(stamps.get(Milestone.ACKNOWLEDGED), with_date=True),
        "mitigated": local_time(stamps.get(Milestone.MITIGATED), with_date=True),
        "resolved": local_time(resolved, with_date=True),
        "duration_min": minutes(incident.started_at, resolved or clocks.now),
        # detection: from the first breach to the declaration; resolution: from the first
        # breach (or the start, when nothing breached) to resolved
        "detection_min": minutes(detected, incident.started_at) if detected else "—",
        "resolution_min": minutes(
            min(detected, incident.started_at) if detected else incident.started_at, resolved
        ),
        "impact": facts.impact.text() if facts.impact else "Not estimated: no recording.",
        "breaches": _breach_rows(facts.breaches),
        "alerts": "\n".join(f"- {a}" for a in facts.alerts) or "No alert fired.",
        "timeline": timeline_table(facts.timeline),
        "charts": _charts(facts.breaches),
        "root_cause": incident.root_cause or "_to be filled in_",
        "resolution": incident.resolution or "_to be filled in_",
    }


def render_postmortem(facts: PostmortemFacts, template: str = POSTMORTEM_TEMPLATE) -> str:
    return fill(template, postmortem_values(facts))
