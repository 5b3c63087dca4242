"""The traffic model's building blocks: seeded noise and the compressed daily load curve.

Everything here is a pure function of its arguments, so a value depends only on
(seed, name, simulation time) and the same seed and clock always draw the same screen.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

#: One simulated day lasts this many seconds, so the daily curve visibly moves in a demo.
DAY = 1200.0

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(x: int) -> int:
    """splitmix64: a fast integer hash whose output does not depend on the Python version."""
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@lru_cache(maxsize=1024)
def stream(seed: int, name: str) -> int:
    """The key of one independent noise stream, e.g. stream(7, "cqar/latency_p99")."""
    return _mix((seed & _MASK) ^ (zlib.crc32(name.encode()) << 20))


def _unit(key: int, step: int) -> float:
    """A value in [-1, 1) fixed by (key, step)."""
    return _mix((key + step * _GOLDEN) & _MASK) / 2.0**63 - 1.0


def smooth_noise(key: int, t: float, period: float) -> float:
    """Noise in [-1, 1] that wanders smoothly, changing its mind about every `period` seconds."""
    pos = t / period
    step = math.floor(pos)
    frac = pos - step
    frac = frac * frac * (3.0 - 2.0 * frac)  # smoothstep: no kinks at the knots
    # _unit inlined twice: this is the hot loop of a 30-minute backfill
    a = _mix((key + step * _GOLDEN) & _MASK) / 2.0**63 - 1.0
    b = _mix((key + (step + 1) * _GOLDEN) & _MASK) / 2.0**63 - 1.0
    return a + (b - a) * frac


def jitter(key: int, t: float) -> float:
    """Noise in [-1, 1) that changes every second: the twitch of a live gauge."""
    return _unit(key ^ 0x5DEECE66D, math.floor(t))


def smoothstep(edge0: float, edge1: float, x: float) -> float:
    """0 before edge0, 1 after edge1, an S-curve between."""
    if x <= edge0:
        return 0.0
    if x >= edge1:
        return 1.0
    u = (x - edge0) / (edge1 - edge0)
    return u * u * (3.0 - 2.0 * u)


def hour_of_day(t: float) -> float:
    """The simulated hour (0-24) at simulation time t; t = 0 is 09:00."""
    return ((t / DAY) * 24.0 + 9.0) % 24.0


def daily_load(t: float) -> float:
    """Traffic relative to a typical daytime hour: ~0.3 at night, ~1.2 at the afternoon peak."""
    hour = hour_of_day(t)

    def bump(centre: float, width: float) -> float:
        # circular distance, so the curve joins up at midnight
        d = min(abs(hour - centre), 24.0 - abs(hour - centre))
        return math.exp(-((d / width) ** 2))

    return 0.3 + 0.75 * bump(11.0, 3.0) + 0.9 * bump(15.5, 3.5) + 0.25 * bump(20.5, 2.0)
