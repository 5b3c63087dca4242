"""Grafana unit ids mapped to oncall's units (`oncall_tui.units`).

A Grafana unit oncall has in another scale (`µs`,
`kbytes`, `m`) keeps its meaning through a factor: the query is scaled into our unit, and so
are the thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.units import Unit


@dataclass(frozen=True)
class MappedUnit:
    unit: Unit  # ours (`NO_UNIT` for none)
    factor: float = 1.0  # query * factor is in `unit`
    known: bool = True  # False: an id we do not know, kept as text


_MAP: dict[str, tuple[str, float]] = {
    "": ("", 1),
    "none": ("", 1),
    # time
    "s": ("s", 1),
    "dtdurations": ("s", 1),
    "ms": ("ms", 1),
    "dtdurationms": ("ms", 1),
    "µs": ("ms", 1e-3),
    "us": ("ms", 1e-3),
    "ns": ("ms", 1e-6),
    "m": ("s", 60),
    "h": ("s", 3600),
    "d": ("s", 86400),
    # ratios
    "percentunit": ("ratio", 1),
    "percent": ("percent", 1),
    # rates and counts
    "reqps": ("req/s", 1),
    "reqpm": ("req/s", 1 / 60),
    "ops": ("ops/s", 1),
    "opm": ("ops/s", 1 / 60),
    "rps": ("reads/s", 1),
    "wps": ("writes/s", 1),
    "iops": ("io/s", 1),
    "cps": ("/s", 1),
    "pps": ("packets/s", 1),
    "short": ("count", 1),
    "sishort": ("count", 1),
    # data
    "bytes": ("bytes", 1),
    "decbytes": ("bytes", 1),
    "kbytes": ("bytes", 1024),
    "deckbytes": ("bytes", 1e3),
    "mbytes": ("bytes", 1024**2),
    "decmbytes": ("bytes", 1e6),
    "gbytes": ("bytes", 1024**3),
    "decgbytes": ("bytes", 1e9),
    "bits": ("bits", 1),
    "decbits": ("bits", 1),
    # data rates
    "Bps": ("B/s", 1),
    "binBps": ("B/s", 1),
    "KBs": ("B/s", 1e3),
    "KiBs": ("B/s", 1024),
    "MBs": ("B/s", 1e6),
    "MiBs": ("B/s", 1024**2),
    "GBs": ("B/s", 1e9),
    "GiBs": ("B/s", 1024**3),
    "bps": ("bit/s", 1),
    "binbps": ("bit/s", 1),
    "Kbits": ("bit/s", 1e3),
    "Mbits": ("bit/s", 1e6),
}


def map_unit(grafana_id: str) -> MappedUnit:
    """Our unit for Grafana's unit id; `suffix:req` is the text `req`; anything else unknown
    is kept as its text."""
    grafana_id = grafana_id.strip()
    if grafana_id in _MAP:
        unit, factor = _MAP[grafana_id]
        return MappedUnit(Unit(unit), factor)
    if grafana_id.startswith("suffix:"):
        return MappedUnit(Unit.parse(grafana_id.removeprefix("suffix:")))
    return MappedUnit(Unit(grafana_id), 1.0, known=False)


def scaled_query(query: str, factor: float) -> str:
    """`query` in our unit: `(q) / 1000` for a factor of 0.001, `(q) * 60` for 60."""
    if factor == 1:
        return query
    if factor < 1:
        return f"({query}) / {round(1 / factor, 9):g}"
    return f"({query}) * {factor:g}"
