"""The queries of a service's SLOs: one error ratio per window, and their answers as SliRatios.

Each window of each SLO is one instant query that the source batches with the KPIs polled on
the same interval; the window's interval comes from `window_interval` (long windows are
polled less often). The answers of one run are handed over per SLO as one `SliRatios`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from oncall_tui.config.model import Kpi, Service
from oncall_tui.sources.base import CheckId, CheckKind, FetchError, Observation, Reading, Series
from oncall_tui.sources.sli import SliRatios, window_interval
from oncall_tui.units import RATIO


def sli_members(service: Service) -> Iterator[tuple[CheckId, Kpi, float]]:
    """(the SLO's check, a query of its error ratio over one window, that window)."""
    if not service.slos:
        return
    from oncall_tui.config.slo_model import prom_duration  # only a config with SLOs loads it

    for slo in service.slos:
        check = CheckId(service.name, CheckKind.SLO, slo.name)
        for window in slo.measured_windows():
            kpi = Kpi(
                key=f"{slo.name}@{prom_duration(window)}",
                query=slo.ratio_query(window),
                unit=RATIO,
                interval=window_interval(window, slo.interval),
            )
            yield check, kpi, window


def sli_observations(
    answers: Sequence[tuple[CheckId, float, list[Series] | FetchError]], now: float
) -> list[Observation]:
    """One observation per SLO: the ratio of each window of this run, or the first error.

    A window answering with several series (an SLI left unaggregated) counts its worst one.
    """
    ratios: dict[CheckId, dict[float, float | None]] = {}
    errors: dict[CheckId, FetchError] = {}
    for check, window, answer in answers:
        if isinstance(answer, FetchError):
            errors.setdefault(check, answer)
            continue
        found = ratios.setdefault(check, {})
        found[window] = max((s.value for s in answer), default=None)
    observations = [Observation(check, error) for check, error in errors.items()]
    observations += [
        Observation(check, Reading(at=now, detail=SliRatios(found)))
        for check, found in ratios.items()
        if check not in errors
    ]
    return observations
