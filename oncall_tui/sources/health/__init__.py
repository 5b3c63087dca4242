"""Health probes: HTTP endpoints, the gRPC health service and TCP connects, as one source."""

from oncall_tui.sources.health.records import (
    Component,
    FlatComponent,
    ProbeResult,
    flatten_components,
)
from oncall_tui.sources.health.source import HealthSource

__all__ = ["Component", "FlatComponent", "HealthSource", "ProbeResult", "flatten_components"]
