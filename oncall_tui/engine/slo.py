"""SLO verdicts: burn rates per window pair, the budget left and the time to exhaustion.

Pure arithmetic on recorded error ratios (tested on its own):

- a window's burn rate is its error ratio over `1 - objective`: 1x spends the budget exactly
  over the SLO's window, 14.4x spends 2 % of a 30-day budget in one hour;
- a pair fires while both its windows burn at its rate or faster (the long window says it
  matters, the short one that it is still happening); a burn exactly at the rate fires, and
  so does one window past it while the other has no answer yet: a value over its line is
  never shown as ok;
- crit while a page pair fires, warn while a ticket pair fires; an exhausted budget is warn
  at least (the objective is already missed over the window), else ok;
- the budget left is `1 - ratio(window) / (1 - objective)` and may go below 0; the time to
  exhaustion is the budget left spent at the current 1h burn rate.

A window whose query answered nothing (no errors recorded, no traffic) burns nothing; when
every window answered nothing, the SLO is nodata, since a mistyped query looks the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from oncall_tui.config.slo_model import EXHAUSTION_WINDOW, BurnWindow, Slo, SloAction, prom_duration
from oncall_tui.status import Status

#: relative slack when comparing a burn with a pair's rate (0.0144 / 0.001 is 14.399999...)
_AT_THE_LINE = 1e-9


@dataclass(frozen=True)
class PairVerdict:
    """One pair of windows: both burn rates, and whether it fires."""

    window: BurnWindow
    long_burn: float | None  # None: not measured yet
    short_burn: float | None
    firing: bool

    @property
    def name(self) -> str:
        return self.window.name


@dataclass(frozen=True)
class SloVerdict:
    """What an SLO says now; the `detail` of its check, and its entry in `oncall status`."""

    name: str
    objective: float
    window: float
    status: Status
    budget_left: float | None  # share of the window's budget still unspent; below 0 when gone
    burn: Mapping[float, float | None] = field(default_factory=dict)  # window -> burn rate
    pairs: tuple[PairVerdict, ...] = ()
    exhausted_in: float | None = None  # seconds at the 1h burn; 0 when gone, None: not burning
    unmeasured: tuple[float, ...] = ()  # windows with no answer yet

    @property
    def firing(self) -> tuple[PairVerdict, ...]:
        return tuple(p for p in self.pairs if p.firing)

    @property
    def worst_pair(self) -> PairVerdict | None:
        """The firing pair that matters most (page before ticket, then the fastest rate), or
        else the pair closest to firing."""
        if not self.pairs:
            return None
        if self.firing:
            return max(
                self.firing, key=lambda p: (p.window.action is SloAction.PAGE, p.window.burn)
            )
        return max(self.pairs, key=_closeness)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "objective": self.objective,
            "window": prom_duration(self.window),
            "budget_left": _finite(self.budget_left),
            "burn": {prom_duration(w): _finite(b) for w, b in sorted(self.burn.items())},
            "firing": [p.name for p in self.firing],
            "pairs": [
                {
                    "long": prom_duration(p.window.long),
                    "short": prom_duration(p.window.short),
                    "rate": p.window.burn,
                    "action": p.window.action.value,
                    "long_burn": _finite(p.long_burn),
                    "short_burn": _finite(p.short_burn),
                    "firing": p.firing,
                }
                for p in self.pairs
            ],
            "exhausted_in_s": _finite(self.exhausted_in),
        }


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return value if math.isfinite(value) else (1e308 if value > 0 else -1e308)


def _closeness(pair: PairVerdict) -> float:
    burns = [b for b in (pair.long_burn, pair.short_burn) if b is not None]
    return min(burns) / pair.window.burn if len(burns) == 2 else -1.0


def burn_rate(ratio: float | None, objective: float) -> float:
    """The error ratio as a multiple of the ratio the objective allows; 0 with no errors."""
    return 0.0 if ratio is None else ratio / (1.0 - objective)


def reaches(burn: float | None, rate: float) -> bool:
    return burn is not None and burn >= rate * (1.0 - _AT_THE_LINE)


def _fires(long_burn: float | None, short_burn: float | None, rate: float) -> bool:
    """Both windows at the rate or past it. While one of them is not measured yet (the first
    moments of a poll), the other one alone decides: the louder state wins."""
    measured = [b for b in (long_burn, short_burn) if b is not None]
    return bool(measured) and all(reaches(b, rate) for b in measured)


def evaluate(slo: Slo, ratios: Mapping[float, float | None]) -> SloVerdict:
    """The verdict from the latest error ratio of each window (absent: not measured yet)."""
    burns: dict[float, float | None] = {}
    for window in slo.measured_windows():
        burns[window] = burn_rate(ratios[window], slo.objective) if window in ratios else None
    pairs = tuple(
        PairVerdict(
            pair,
            burns.get(pair.long),
            burns.get(pair.short),
            _fires(burns.get(pair.long), burns.get(pair.short), pair.burn),
        )
        for pair in slo.windows
    )
    budget_left = None
    if slo.window in ratios:
        budget_left = 1.0 - burn_rate(ratios[slo.window], slo.objective)
    exhausted_in = _exhaustion(budget_left, burns.get(EXHAUSTION_WINDOW), slo.window)
    status = _status(pairs, budget_left, ratios)
    return SloVerdict(
        name=slo.name,
        objective=slo.objective,
        window=slo.window,
        status=status,
        budget_left=budget_left,
        burn=burns,
        pairs=pairs,
        exhausted_in=exhausted_in,
        unmeasured=tuple(w for w in slo.measured_windows() if w not in ratios),
    )


def _exhaustion(budget_left: float | None, burn: float | None, window: float) -> float | None:
    """Seconds until the budget is gone at `burn` (1x spends a whole budget in `window`)."""
    if budget_left is None:
        return None
    if budget_left <= 0:
        return 0.0
    if burn is None or burn <= 0:
        return None
    return budget_left * window / burn


def _status(
    pairs: tuple[PairVerdict, ...], budget_left: float | None, ratios: Mapping[float, float | None]
) -> Status:
    firing = [p for p in pairs if p.firing]
    if any(p.window.action is SloAction.PAGE for p in firing):
        return Status.CRIT
    if firing or (budget_left is not None and budget_left <= 0):
        return Status.WARN
    judged = [p for p in pairs if p.long_burn is not None and p.short_burn is not None]
    if not judged and budget_left is None:
        return Status.NODATA  # nothing measured yet
    if ratios and all(r is None for r in ratios.values()):
        return Status.NODATA  # every query answered nothing
    return Status.OK
