"""An incident's clocks as words: `12:04`, `L3 Engineering lead in 4:12`, `respond 2:10 late`.

Pure text for the header, the war-room view, `oncall incident show` and the updates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from oncall_tui.engine.incident import Clocks, Incident, Target
from oncall_tui.glyphs import ELLIPSIS, FLAG, MISSING, SEP


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
        return str(MISSING)
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
    return SEP.join(parts)


def update_text(clocks: Clocks) -> str:
    """`update in 3:20`, `update 1:05 overdue`; empty when no updates are due."""
    if clocks.next_update_at is None:
        return ""
    left = clocks.next_update_at - clocks.now
    return f"update {clock(left)} overdue" if left < 0 else f"update in {clock(left)}"


def header_line(
    incident: Incident, clocks: Clocks, *, width: int | None = None, reached: str | None = None
) -> str:
    """The one line every screen's header carries while the incident is open: the next
    escalation (or the level reached, at the top), and the nearest open target. `reached`:
    a level reached that nobody has acknowledged yet, marked first (`⚑`).

    With a `width`, the line fits it on one line: shorter words first (`L3 in 4:12`,
    `ACKNOWLEDGED` as `ACK`), then the least urgent parts dropped (the first breach, then
    the clocks furthest from due), so the clock nearest to due, or already late, stays."""
    parts = _parts(incident, clocks, reached)
    texts = [p.text for p in parts]
    line = SEP.join(texts)
    if width is None or len(line) <= width:
        return line
    # least urgent first: shorter words, part by part, then dropped (never the head, nor
    # the most urgent clock: the one nearest to due, or latest)
    order = sorted(range(len(parts)), key=lambda i: parts[i].urgency, reverse=True)
    clocks_only = [i for i in order if not parts[i].head]
    keep = clocks_only[-1] if clocks_only else None
    for shorten in (True, False):
        for index in order:
            if len(line) <= width:
                break
            if shorten:
                texts[index] = parts[index].short
            elif not parts[index].head and index != keep:
                texts[index] = ""
            line = SEP.join(t for t in texts if t)
    cut = str(ELLIPSIS)
    return line if len(line) <= width else line[: max(0, width - len(cut))] + cut


@dataclass(frozen=True)
class _Part:
    text: str
    short: str
    urgency: float  # seconds until due (lower is more urgent; negative: late)
    head: bool = False  # the mark and the incident itself: never dropped


#: state words at narrow widths
_SHORT_STATE = {"investigating": "INVEST", "acknowledged": "ACK", "mitigated": "MITIG"}
_NEVER = float("inf")


def _short_level(name: str) -> str:
    """`L3 Engineering lead` -> `L3`: a ladder's level names start with their rung."""
    return name.split(" ", 1)[0]


def _parts(incident: Incident, clocks: Clocks, reached: str | None) -> list[_Part]:
    parts = []
    if reached:
        parts.append(
            _Part(
                f"{FLAG} {reached} reached: i acknowledges",
                f"{FLAG} {_short_level(reached)} reached, i acks",
                0,
                True,
            )
        )
    state = incident.state
    head = f"{incident.ref} {incident.severity} {{}} {clock(clocks.elapsed)}"
    parts.append(
        _Part(
            head.format(state.upper()), head.format(_SHORT_STATE.get(state, state).upper()), 0, True
        )
    )
    since = clocks.since_detection
    if since is not None:
        ago = clock(since)
        parts.append(_Part(f"first breach {ago} ago", f"breach {ago} ago", _NEVER))
    if clocks.next_level is not None and clocks.next_level_in is not None:
        left = clock(clocks.next_level_in)
        name = clocks.next_level.level
        parts.append(
            _Part(f"{name} in {left}", f"{_short_level(name)} in {left}", clocks.next_level_in)
        )
    elif clocks.level is not None:
        name = clocks.level.level
        parts.append(_Part(name, _short_level(name), 1e12))
    open_targets = [t for t in clocks.targets if t.met is None]
    if open_targets:
        nearest = min(open_targets, key=lambda t: t.due)
        text = target_text(nearest, clocks.now)
        short = text.replace("respond", "resp", 1)
        parts.append(_Part(text, short, nearest.left(clocks.now)))
    update = update_text(clocks)
    if update and clocks.next_update_at is not None:
        due = clocks.next_update_at - clocks.now
        brief = f"upd {clock(due)} late" if due < 0 else f"upd in {clock(due)}"
        parts.append(_Part(update, brief, due))
    return parts


def is_loud(clocks: Clocks) -> bool:
    """A target passed or an update overdue: the clock line is drawn as a breach."""
    return clocks.update_overdue or any(
        t.met is None and t.missed(clocks.now) for t in clocks.targets
    )
