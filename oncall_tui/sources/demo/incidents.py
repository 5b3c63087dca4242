"""The scripted incident each simulated service goes through every few minutes.

One incident tells the usual story of a cache-fronted service: the cache hit rate
collapses, the extra database work drives latency up, the connection pool saturates and
errors spike, then everything recovers. Services take turns (staggered starts), so at
most one is in the thick of it while the others show ordinary traffic.

Times are simulation seconds. `incident_time(service, phase)` gives a time that shows a
phase, for `oncall screenshot --demo --at SECONDS` and for tests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from oncall_tui.sources.demo.curves import smoothstep

#: Every service with an incident goes through it once per period.
INCIDENT_PERIOD = 300.0

#: Simulation time at which each service's first incident begins. Spaced a third of a period
#: apart so the incidents take turns; services absent here (the gateway) have none of their own.
INCIDENT_START: dict[str, float] = {"cqar": 20.0, "arq": 70.0, "bazaruto": 150.0}


class Phase(enum.Enum):
    CALM = "calm"
    CACHE = "cache"  # the cache hit rate is collapsing
    LATENCY = "latency"  # misses reach the database: latency climbs
    SATURATION = "saturation"  # the pool is exhausted: errors spike, queues grow
    RECOVERY = "recovery"


#: (phase, start, end) in seconds since the incident began; CALM fills the rest of the period.
PHASES: tuple[tuple[Phase, float, float], ...] = (
    (Phase.CACHE, 0.0, 12.0),
    (Phase.LATENCY, 12.0, 28.0),
    (Phase.SATURATION, 28.0, 56.0),
    (Phase.RECOVERY, 56.0, 80.0),
)
INCIDENT_LENGTH = PHASES[-1][2]


class Driver(enum.Enum):
    """Which part of the incident moves a KPI."""

    NONE = "none"
    CACHE = "cache"
    LATENCY = "latency"
    SATURATION = "saturation"
    UPSTREAM = "upstream"  # the worst saturation of the services behind a gateway


@dataclass(frozen=True)
class Envelopes:
    """How far into trouble each driver is at one moment: 0 normal, 1 the incident's peak."""

    cache: float = 0.0
    latency: float = 0.0
    saturation: float = 0.0

    def of(self, driver: Driver) -> float:
        if driver is Driver.CACHE:
            return self.cache
        if driver is Driver.LATENCY:
            return self.latency
        if driver is Driver.SATURATION:
            return self.saturation
        return 0.0


CALM = Envelopes()


def incident_clock(service: str, t: float) -> float | None:
    """Seconds since the service's current incident cycle began, or None if it has none."""
    start = INCIDENT_START.get(service)
    if start is None:
        return None
    return (t - start) % INCIDENT_PERIOD


def envelopes(service: str, t: float) -> Envelopes:
    u = incident_clock(service, t)
    if u is None or u >= INCIDENT_LENGTH:
        return CALM
    # The ramps overlap on purpose: each symptom starts before the previous one peaks, and
    # every ramp passes slowly enough through the warn band that warn is seen on the way.
    return Envelopes(
        cache=smoothstep(0.0, 16.0, u) * (1.0 - smoothstep(54.0, 78.0, u)),
        latency=smoothstep(8.0, 30.0, u) * (1.0 - smoothstep(50.0, 70.0, u)),
        saturation=smoothstep(22.0, 40.0, u) * (1.0 - smoothstep(50.0, 66.0, u)),
    )


def incident_phase(service: str, t: float) -> str:
    """The phase ("calm", "cache", "latency", "saturation", "recovery") of a service at t."""
    u = incident_clock(service, t)
    if u is not None:
        for phase, start, end in PHASES:
            if start <= u < end:
                return phase.value
    return Phase.CALM.value


def incident_time(service: str, phase: str = "saturation") -> float:
    """A simulation time in the middle of `phase` of the service's first incident.

    `DemoSource(..., start_offset=incident_time("cqar"))` opens the demo with cqar at the
    height of its incident. Raises KeyError for a service without incidents and ValueError
    for an unknown phase.
    """
    start = INCIDENT_START[service]
    wanted = Phase(phase)
    if wanted is Phase.CALM:
        return start + (INCIDENT_LENGTH + INCIDENT_PERIOD) / 2.0
    for name, begin, end in PHASES:
        if name is wanted:
            return start + (begin + end) / 2.0
    raise ValueError(phase)  # unreachable: every non-calm phase is in PHASES
