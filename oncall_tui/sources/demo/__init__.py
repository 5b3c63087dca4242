"""The built-in simulation behind `oncall demo`: services, traffic model, scripted incidents.

`demo_config()` is the config; `DemoSource(config, clock, seed)` produces its observations;
`incident_phase(service, t)` and `incident_time(service, phase)` tell and pick the moment of
the scripted incident (simulation seconds; see `source.py` for how they map to the clock).
"""

from oncall_tui.sources.demo.incidents import (
    INCIDENT_PERIOD,
    INCIDENT_START,
    incident_phase,
    incident_time,
)
from oncall_tui.sources.demo.services import demo_config
from oncall_tui.sources.demo.source import DEFAULT_START, DemoSource

__all__ = [
    "DEFAULT_START",
    "INCIDENT_PERIOD",
    "INCIDENT_START",
    "DemoSource",
    "demo_config",
    "incident_phase",
    "incident_time",
]
