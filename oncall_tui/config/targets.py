"""A service's scrape health: `up: QUERY` (by default `up{job="$job"}` when it has a `job`
var), judged as its own check, `targets up`, the share of the targets Prometheus can scrape.

Every target down, or the job's `up` series gone, is crit ("targets down"); some down is warn.
While the targets are down, the service's rate-based KPIs are stale with the reason "targets
down" rather than the decaying average `rate()` still returns over its window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from oncall_tui.config.expand import replace_vars
from oncall_tui.config.model import Direction, Kpi, Level, Nodata, NodataMode, Thresholds
from oncall_tui.config.reader import Field, describe
from oncall_tui.status import Status
from oncall_tui.units import RATIO

#: the key of the check, among the service's KPIs
TARGETS_KEY = "targets_up"
DEFAULT_UP = 'up{job="$job"}'
#: the share of targets up: below 1 is warn (one is down), 0 is crit (all down or none left)
TARGET_THRESHOLDS = Thresholds(
    levels=(Level("warn", 0.999, Status.WARN), Level("crit", 0.0, Status.CRIT)),
    direction=Direction.BELOW,
)
_RATE = re.compile(r"\b(?:i?rate|increase|delta|idelta|deriv)\s*\(")


def is_rate_based(query: str) -> bool:
    """Whether the query averages counters over a window (`rate`, `irate`, `increase`, ...):
    its value decays instead of vanishing when the targets behind it die."""
    return _RATE.search(query) is not None


def read_targets(
    found: Field | None, variables: Mapping[str, str], interval: float, *, default: bool = True
) -> Kpi | None:
    """The `targets up` check of a service, or None (`up: false`, or no query and no job).

    `default`: whether a service without `up:` gets `up{job="$job"}` (when it has a job)."""
    if found is None:
        if "job" not in variables or not default:
            return None
        query = DEFAULT_UP
    elif found.value is False or found.value is None:
        return None
    else:
        text = found.as_str()
        if text is None:
            return None
        if not text.strip():
            found.fail(f"expected a PromQL query or false, got {describe(found.value)}")
            return None
        query = text
    expanded, unknown = replace_vars(query, variables)
    if unknown:
        known = ", ".join(sorted(variables)) or "none"
        where = f"the up: query {query!r}" if found is not None else f"the default {query}"
        message = f"${unknown[0]} in {where} is not a var of the service (its vars: {known})"
        if found is not None:
            found.fail(message)
        return None
    return Kpi(
        key=TARGETS_KEY,
        query=f"avg((\n{expanded}\n))",
        title="targets up",
        unit=RATIO,
        thresholds=TARGET_THRESHOLDS,
        nodata=Nodata(NodataMode.VALUE, 0.0),  # the job's up series gone: no target left
        interval=interval,
        custom=True,
        line=0 if found is None else found.line,
    )
