"""An incident's clocks as words: `12:04`, `L3 Engineering lead in 4:12`, `respond 2:10 late`.

Pure text for the header, the war-room view, `oncall incident show` and the updates.
"""

from __future__ import annotations

import datetime as dt

from oncall_tui.engine.incident import Clocks, Incident, Target


def clock(seconds: float) -> str:
    """`4:12`, `1:02:03`; a stopwatch reading, never negative (the caller says `late`)."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def local_time(timestamp: float | None, *, with_date: bool = False) -> str:
    """`03:12:51` (local), `2026-12-01 03:12:51` with the date; `—` without a time."""
    if timestamp is None:
        return "—"
    moment = dt.datetime.fromtimestamp(timestamp).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def target_text(target: Target, now: float) -> str:
    """`respond in 4:12`, `respond 2:10 late`, `respond met`, `resolve missed by 3:00`."""
    left = target.left(now)
    if target.met is not None:
        return f"{target.name} met" if left >= 0 else f"{target.name} missed by {clock(left)}"
    if left < 0:
        return f"{target.name} {clock(left)} late"
    return f"{target.name} in {clock(left)}"


def level_text(clocks: Clocks) -> str:
    """`L2 On-call engineer · L3 Engineering lead in 4:12`, or the level alone at the top."""
    parts = []
    if clocks.level is not None:
        parts.append(clocks.level.level)
    if clocks.next_level is not None and clocks.next_level_in is not None:
        parts.append(f"{clocks.next_level.level} in {clock(clocks.next_level_in)}")
    return " · ".join(parts)


def update_text(clocks: Clocks) -> str:
    """`update in 3:20`, `update 1:05 overdue`; empty when no updates are due."""
    if clocks.next_update_at is None:
        return ""
    left = clocks.next_update_at - clocks.now
    return f"update {clock(left)} overdue" if left < 0 else f"update in {clock(left)}"


def header_line(incident: Incident, clocks: Clocks) -> str:
    """The one line every screen's header carries while the incident is open: the next
    escalation (or the level reached, at the top), and the nearest open target."""
    parts = [f"{incident.ref} {incident.severity} {incident.state.upper()} {clock(clocks.elapsed)}"]
    since = clocks.since_detection
    if since is not None:
        parts.append(f"first breach {clock(since)} ago")
    if clocks.next_level is not None and clocks.next_level_in is not None:
        parts.append(f"{clocks.next_level.level} in {clock(clocks.next_level_in)}")
    elif clocks.level is not None:
        parts.append(clocks.level.level)
    open_targets = [t for t in clocks.targets if t.met is None]
    if open_targets:
        nearest = min(open_targets, key=lambda t: t.due)
        parts.append(target_text(nearest, clocks.now))
    update = update_text(clocks)
    if update:
        parts.append(update)
    return " · ".join(parts)


def is_loud(clocks: Clocks) -> bool:
    """A target passed or an update overdue: the clock line is drawn as a breach."""
    return clocks.update_overdue or any(
        t.met is None and t.missed(clocks.now) for t in clocks.targets
    )
