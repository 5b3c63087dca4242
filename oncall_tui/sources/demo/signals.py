"""How one KPI of a simulated service moves, and the pure function that computes it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from oncall_tui.sources.base import NO_LABELS
from oncall_tui.sources.demo.curves import daily_load, jitter, smooth_noise, stream
from oncall_tui.sources.demo.incidents import (
    INCIDENT_START,
    Driver,
    envelopes,
    incident_clock,
)


class Quirk(enum.Enum):
    """A way a panel misbehaves, so the demo shows the data-trust statuses too."""

    NONE = "none"
    DROPS_OUT = "drops_out"  # the exporter disappears for a while in calm time: nodata
    TIMES_OUT = "times_out"  # the query times out during saturation: stale
    BROKEN = "broken"  # the query does not parse: error


#: Seconds into the incident cycle when a DROPS_OUT panel has no series (calm time)...
DROPOUT_WINDOW = (150.0, 172.0)
#: ...and when a TIMES_OUT query fails (the height of saturation).
TIMEOUT_WINDOW = (40.0, 52.0)


@dataclass(frozen=True)
class Signal:
    """One KPI's behaviour: its normal level, its incident peak and what moves it."""

    normal: float  # at typical daytime load, outside incidents
    peak: float  # at the height of its incident driver
    driver: Driver = Driver.NONE
    load_gain: float = 0.0  # 1.0: proportional to traffic; 0.0: indifferent to it
    noise: float = 0.04  # relative amplitude of the slow wander and the per-second twitch
    whole: bool = False  # a count: whole numbers
    ratio: bool = False  # a ratio: kept within [0, 1]
    lower_is_worse: bool = False  # for picking the worst of several series
    series: tuple[tuple[Mapping[str, str], float], ...] = ()  # labels and factor of each series
    quirk: Quirk = Quirk.NONE


@dataclass(frozen=True)
class Sample:
    """What the simulated query returns at one moment."""

    value: float | None  # None: the query answered with no series
    labels: Mapping[str, str] = field(default_factory=dict)
    series_count: int = 1


def service_load(seed: int, service: str, t: float) -> float:
    """The service's traffic relative to normal: the daily curve plus a shared slow wander.

    Every KPI of a service reads this one number, which is what correlates them: when the
    request rate is up, latency and pool usage are up too.
    """
    return daily_load(t) * (1.0 + 0.06 * smooth_noise(stream(seed, service), t, 45.0))


def upstream_saturation(t: float) -> float:
    """How saturated the worst backend is, for a gateway in front of all of them."""
    return max(envelopes(name, t).saturation for name in INCIDENT_START)


# Cached because every KPI of a service asks for the same (seed, service, t) in one poll and
# in one backfill; the bound keeps a long-running demo from growing it.
@lru_cache(maxsize=4096)
def moment(seed: int, service: str, t: float) -> tuple[float, dict[Driver, float]]:
    """The service's load and how far each incident driver has pushed it, at time t."""
    env = envelopes(service, t)
    drivers = {
        Driver.NONE: 0.0,
        Driver.CACHE: env.cache,
        Driver.LATENCY: env.latency,
        Driver.SATURATION: env.saturation,
        Driver.UPSTREAM: upstream_saturation(t),
    }
    return service_load(seed, service, t), drivers


def in_window(service: str, t: float, window: tuple[float, float]) -> bool:
    u = incident_clock(service, t)
    return u is not None and window[0] <= u < window[1]


def signal_value(
    signal: Signal, key: int, load: float, envelope: float, t: float, factor: float = 1.0
) -> float:
    """One series' value; `key` is its noise stream, `factor` its size next to its siblings."""
    base = signal.normal * (1.0 + signal.load_gain * (load - 1.0))
    wobble = 0.7 * smooth_noise(key, t, 20.0) + 0.3 * jitter(key, t)
    value = base * (1.0 + signal.noise * wobble)
    # The incident adds on top of ordinary traffic rather than replacing it, so the curve's
    # shape still shows through; the noise is scaled to the peak so peaks do not look flat.
    value += envelope * (signal.peak - signal.normal) * (1.0 + 0.5 * signal.noise * wobble)
    value *= factor
    if signal.ratio:
        value = min(1.0, value)
    value = max(0.0, value)
    return float(round(value)) if signal.whole else value


class SimulatedKpi:
    """One KPI of one service under one seed: its value at any simulation time, purely."""

    def __init__(self, signal: Signal, seed: int, service: str, kpi: str) -> None:
        self.signal = signal
        self.seed = seed
        self.service = service
        self.kpi = kpi
        # the noise streams, worked out once: this object is asked thousands of times
        if signal.series:
            self._series = tuple(
                (stream(seed, f"{service}/{kpi}/{i}"), factor, labels)
                for i, (labels, factor) in enumerate(signal.series)
            )
        else:
            self._series = ((stream(seed, f"{service}/{kpi}"), 1.0, NO_LABELS),)
        self._pick = min if signal.lower_is_worse else max

    def sample(self, t: float) -> Sample:
        """The query's answer at simulation time t."""
        signal = self.signal
        if signal.quirk is Quirk.DROPS_OUT and in_window(self.service, t, DROPOUT_WINDOW):
            return Sample(value=None, series_count=0)
        load, drivers = moment(self.seed, self.service, t)
        envelope = drivers[signal.driver]
        if len(self._series) == 1:
            key, factor, labels = self._series[0]
            return Sample(signal_value(signal, key, load, envelope, t, factor), labels)
        values = [
            (signal_value(signal, key, load, envelope, t, factor), labels)
            for key, factor, labels in self._series
        ]
        value, labels = self._pick(values, key=lambda pair: pair[0])
        return Sample(value=value, labels=labels, series_count=len(values))

    def value(self, t: float) -> float | None:
        return self.sample(t).value


def sample(signal: Signal, seed: int, service: str, kpi: str, t: float) -> Sample:
    """The value of one KPI of one service at simulation time t: pure in its arguments."""
    return SimulatedKpi(signal, seed, service, kpi).sample(t)
