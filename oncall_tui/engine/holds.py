"""`for:`: a breach louder than the counted one must last its hold before it counts.

Until then the check is PENDING (or stays in the breach it had counted already, still saying
what it is pending to). The breach is dated from the check's history, so a backfill of the
hold window (what `oncall status` loads) counts a breach that began before this process saw
it, the way Prometheus judges a rule's `for:`.
"""

from __future__ import annotations

from oncall_tui.engine.checks import CheckRecord
from oncall_tui.engine.thresholds import judge
from oncall_tui.status import Status


def hold(
    check: CheckRecord, raw: Status, level: str | None, now: float
) -> tuple[Status, str | None]:
    """The status and tier to show for the judged `raw` and `level`; keeps the pending fields."""
    loudest = check.loudest
    counted = loudest if loudest.is_breach else Status.OK
    if raw.is_breach and raw.rank > counted.rank and check.hold > 0:
        began = breach_began(check, raw, now)
        if check.pending is not raw or check.pending_since is None:
            check.pending_since = began
        else:
            check.pending_since = min(check.pending_since, began)
        check.pending, check.pending_level = raw, level
        if now - check.pending_since < check.hold:
            if counted is Status.OK:
                return Status.PENDING, None
            return counted, check.level
    if not raw.is_breach:
        check.pending, check.pending_level, check.pending_since = None, None, None
    elif check.pending is not None and raw.rank >= check.pending.rank:
        # the hold is over; pending_since marks when the breach began
        check.pending, check.pending_level = None, None
    return raw, level


def breach_began(check: CheckRecord, raw: Status, now: float) -> float:
    """When the value last crossed into `raw` (or worse), judged over the check's history."""
    thresholds = check.thresholds
    began = now
    if thresholds is None or not thresholds.levels:
        return began  # probes: no history of verdicts, so the breach starts now
    for at, value in reversed(check.history):
        if at > now:
            continue
        if judge(value, thresholds, baseline=check.baseline).status.rank < raw.rank:
            break
        began = at
    return began
