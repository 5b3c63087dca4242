"""Pure text for SLOs: budget left as a number and a bar, burn rates, pairs, exhaustion.

Shared by the service screen's SLO panel, the overview's budget column, the war-room tile
and `oncall status`, so that all of them word an SLO the same way.
"""

from __future__ import annotations

from oncall_tui.config.slo_model import SloAction, prom_duration
from oncall_tui.engine.slo import PairVerdict, SloVerdict, reaches
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import AT_LEAST, BAR_EMPTY, BAR_FULL, DOT, MISSING, SEP
from oncall_tui.render.values import format_age
from oncall_tui.status import Status


def verdict_of(check: CheckSnapshot) -> SloVerdict | None:
    return check.detail if isinstance(check.detail, SloVerdict) else None


def percent(share: float | None, decimals: int = 2) -> str:
    """`99.95 %`, `62.4 %`, `-12 %`: an objective or a budget, trailing zeros dropped."""
    if share is None:
        return str(MISSING)
    text = f"{share * 100:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text} %"


def objective_text(objective: float, window: float) -> str:
    """`99.9 % over 30d`."""
    return f"{percent(objective)} over {prom_duration(window)}"


def budget_text(budget_left: float | None) -> str:
    """`62 % left`, `-12 % left (exhausted)`, `— left`."""
    text = f"{percent(budget_left, 1)} left"
    if budget_left is not None and budget_left <= 0:
        text += " (exhausted)"
    return text


def budget_bar(budget_left: float | None, width: int = 20) -> str:
    """`██████░░░░`: the share left; an exhausted budget is all empty with a `!` at its head."""
    width = max(3, width)
    if budget_left is None:
        return str(DOT) * width
    if budget_left <= 0:
        return "!" + str(BAR_EMPTY) * (width - 1)
    filled = min(width, max(1, round(min(1.0, budget_left) * width)))
    return str(BAR_FULL) * filled + str(BAR_EMPTY) * (width - filled)


def burn_text(burn: float | None) -> str:
    """`14.4x`, `0.31x`, `—`."""
    if burn is None:
        return str(MISSING)
    if burn >= 100:
        return f"{burn:.0f}x"
    if burn >= 10:
        return f"{burn:.1f}x"
    return f"{burn:.2f}x".replace(".00x", "x")


def pair_line(pair: PairVerdict) -> str:
    """`page   1h/5m   15.2x  16.1x  ≥ 14.4x  FIRING`: both windows against the pair's rate;
    a pair with one window past its rate says which (`short past, long not`), not ok."""
    action = pair.window.action.value
    long_past = reaches(pair.long_burn, pair.window.burn)
    short_past = reaches(pair.short_burn, pair.window.burn)
    if pair.firing:
        state = "FIRING"
    elif pair.long_burn is None or pair.short_burn is None:
        state = "no data yet"
    elif short_past:  # a burn over the rate is never called ok, even when the pair holds
        state = "short past, long not"
    elif long_past:
        state = "long past, short not"
    else:
        state = "ok"
    return (
        f"{action:<6} {pair.name:<8} {burn_text(pair.long_burn):>6} {burn_text(pair.short_burn):>6}"
        f"  {AT_LEAST} {burn_text(pair.window.burn):<5} {state}"
    )


def exhaustion_text(verdict: SloVerdict) -> str:
    """`budget gone in 3 h at the 1h burn`, `budget exhausted`, `not burning`."""
    if verdict.budget_left is None:
        return "budget not measured yet"
    if verdict.exhausted_in is None:
        return "not burning (1h burn 0)"
    if verdict.exhausted_in <= 0:
        return "budget exhausted"
    return f"budget gone in {format_age(verdict.exhausted_in)} at the 1h burn"


def firing_text(verdict: SloVerdict) -> str:
    """`burn 15.2x over 1h/5m (page ≥ 14.4x)`, or `` when no pair fires."""
    pair = verdict.worst_pair
    if pair is None or not pair.firing:
        return ""
    burns = [b for b in (pair.long_burn, pair.short_burn) if b is not None]
    return (
        f"burn {burn_text(min(burns) if burns else None)} over {pair.name} "
        f"({pair.window.action.value} {AT_LEAST} {burn_text(pair.window.burn)})"
    )


def slo_summary(check: CheckSnapshot) -> str:
    """One line: `availability 62 % left · burn 15.2x over 1h/5m (page ≥ 14.4x)`."""
    verdict = verdict_of(check)
    if verdict is None:
        return f"{check.title} {check.status.word}"
    parts = [f"{check.title} {budget_text(verdict.budget_left)}"]
    firing = firing_text(verdict)
    if firing:
        parts.append(firing)
    return SEP.join(parts)


def slo_tile_text(check: CheckSnapshot) -> str:
    """A war-room tile's value for an SLO: the firing burn, else the budget left."""
    verdict = verdict_of(check)
    if verdict is None:
        return ""
    return firing_text(verdict) or budget_text(verdict.budget_left)


def budget_cell_text(
    checks: tuple[CheckSnapshot, ...], *, short: bool = False
) -> tuple[str, Status, CheckSnapshot]:
    """The overview's budget column: the worst SLO's budget left and its status word.

    The worst is the one with the loudest status, then the least budget left: `✖ 41% CRIT`.
    `short` drops the word of a warn or crit that has a number, as KPI cells do where space
    is short (the glyph tells it, the row's status column says the word); data that cannot
    be trusted always says so.
    """

    def key(check: CheckSnapshot) -> tuple[int, float]:
        verdict = verdict_of(check)
        left = verdict.budget_left if verdict and verdict.budget_left is not None else 2.0
        return (check.loudest.rank, -left)

    check = max(checks, key=key)
    verdict = verdict_of(check)
    status = check.loudest  # a crit SLO stays crit while its data is stale
    left = percent(verdict.budget_left, 0) if verdict else ""
    parts = [status.glyph]
    if left and left != str(MISSING):
        parts.append(left.replace(" %", "%"))
    drop_word = short and len(parts) > 1 and status.is_breach
    if status is not Status.OK and not drop_word:
        parts.append(status.word)
    return " ".join(parts), status, check


def pages(verdict: SloVerdict) -> bool:
    return any(p.window.action is SloAction.PAGE for p in verdict.firing)
