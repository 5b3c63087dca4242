"""The words of a verdict the data cannot yet settle: a breach pending its `for:` hold, and
the last verdict of data gone stale. Shared by cells, panels, tiles and `oncall status`.

`◔ 95 ms CRIT in 25 s`: pending, what it is pending to and when it counts.
`✖ 95 ms ◌ STALE 40 s`: the last verdict's glyph, then STALE and the data's age.
"""

from __future__ import annotations

from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.render.values import format_age
from oncall_tui.status import Status


def pending_word(check: CheckSnapshot) -> str:
    """`CRIT`, or the tier's own name (`MAJOR`) for a multi-level policy."""
    if check.pending is None:
        return ""
    level = check.pending_level
    if level and level.lower() not in ("warn", "crit"):
        return level.upper()
    return check.pending.word


def pending_text(check: CheckSnapshot, now: float) -> str:
    """`CRIT in 25 s` (or `CRIT now` once the hold is over); empty when nothing is pending."""
    if check.pending is None:
        return ""
    word = pending_word(check)
    counts_at = check.counts_at
    if counts_at is None:
        return f"{word} pending"
    left = counts_at - now
    return f"{word} now" if left < 1 else f"{word} in {format_age(left)}"


def stale_text(check: CheckSnapshot, now: float) -> str:
    """`◌ STALE 40 s`: the word of failed data and how old the value shown is."""
    status = check.status
    if status not in (Status.STALE, Status.ERROR):
        return ""
    age = check.age(now)
    return f"{status.glyph} {status.word}" + ("" if age is None else f" {format_age(age)}")


def verdict_glyph(check: CheckSnapshot) -> str:
    """The glyph that leads a check's text: while its data is stale or in error, the last
    verdict's when that was over a line (even a pending or warn one STALE outranks)."""
    last = check.last_verdict
    if check.status in (Status.STALE, Status.ERROR) and last is not None and last.is_loud:
        return last.glyph
    return check.loudest.glyph


def verdict_text(check: CheckSnapshot, now: float) -> str:
    """A check's status in words, for one line: `✖ CRIT`, `◔ PENDING CRIT in 25 s`,
    `▲ WARN · CRIT in 25 s`, `✖ CRIT ◌ STALE 40 s`, `◌ STALE 40 s`."""
    status = check.status
    if status in (Status.STALE, Status.ERROR):
        last = check.last_verdict
        stale = stale_text(check, now)
        if last is not None and last.is_loud:
            return f"{last.glyph} {last.word} {stale}"
        return stale
    text = f"{status.glyph} {status.word}"
    pending = pending_text(check, now)
    if pending:
        text += f" {pending}" if status is Status.PENDING else f"{SEP}{pending}"
    return text
