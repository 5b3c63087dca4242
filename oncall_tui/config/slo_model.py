"""The SLO part of the config model: objectives, window pairs, and how windows are written.

Named by `model.py` too (loaded on first use there), so that every consumer can keep
importing the model from there; a config without SLOs never builds these classes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SloAction(enum.Enum):
    PAGE = "page"  # a firing pair makes the SLO crit
    TICKET = "ticket"  # a firing pair makes the SLO warn


@dataclass(frozen=True)
class BurnWindow:
    """One pair of the multi-window alert: fires while both windows burn faster than `burn`."""

    long: float  # seconds
    short: float
    burn: float  # a burn rate: 14.4 means the budget of the whole window gone in window/14.4
    action: SloAction

    @property
    def name(self) -> str:
        """`1h/5m`, as shown on screen and in the status JSON's `firing` list."""
        return f"{prom_duration(self.long)}/{prom_duration(self.short)}"


#: the SRE workbook's pairs for a 30-day window
DEFAULT_BURN_WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow(3600.0, 300.0, 14.4, SloAction.PAGE),
    BurnWindow(6 * 3600.0, 1800.0, 6.0, SloAction.PAGE),
    BurnWindow(86400.0, 2 * 3600.0, 3.0, SloAction.TICKET),
    BurnWindow(3 * 86400.0, 6 * 3600.0, 1.0, SloAction.TICKET),
)
#: the burn rate that gives the time to exhaustion is measured over this window
EXHAUSTION_WINDOW = 3600.0
#: what `$window` stands for in an SLI query
WINDOW_VAR = "$window"


def prom_duration(seconds: float) -> str:
    """A window as PromQL and recording-rule names write it: `5m`, `1h`, `30d`, `1h30m`."""
    millis = round(seconds * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if millis >= size and millis % size == 0:
            return f"{millis // size}{unit}"
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class Slo:
    """A service level objective, judged by how fast its error budget burns.

    `error_ratio` is the SLI as one error-ratio query with `$window` where the range goes
    (good/total and latency SLIs are turned into this form when the config is read);
    `recorded` is the same from recording rules (`$window` in the series name), used for the
    windows in `recorded_windows`, the raw query for the others.
    """

    name: str
    objective: float  # 0.999
    window: float = 30 * 86400.0  # the budget's window, seconds
    error_ratio: str | None = None
    windows: tuple[BurnWindow, ...] = DEFAULT_BURN_WINDOWS
    recorded: str | None = None
    recorded_windows: tuple[float, ...] = ()
    sli: str = "error_ratio"  # the form written: error_ratio, good_total, latency, recorded
    interval: float = 5.0  # how often the short windows are polled (longer ones less often)
    runbook: str | None = None
    line: int = 0

    @property
    def budget(self) -> float:
        """The error ratio the objective allows: 0.001 for 99.9 %."""
        return 1.0 - self.objective

    def measured_windows(self) -> tuple[float, ...]:
        """Every window whose error ratio is needed, shortest first."""
        found = {self.window, EXHAUSTION_WINDOW}
        for pair in self.windows:
            found.update((pair.long, pair.short))
        return tuple(sorted(found))

    def ratio_query(self, window: float) -> str:
        """The error ratio over `window`: from the recording rule where one records it."""
        recorded = self.recorded is not None and any(
            abs(window - w) < 1e-6 for w in self.recorded_windows
        )
        template = self.recorded if recorded or self.error_ratio is None else self.error_ratio
        assert template is not None
        return template.replace(WINDOW_VAR, prom_duration(window))
