"""Health probes: HTTP endpoints, the gRPC health service and TCP connects, as one source.

`HealthSource` is loaded on first use: it brings the HTTP client, which the demo and the
first frame do not need.
"""

from typing import Any

from oncall_tui.sources.health.records import (
    Component,
    FlatComponent,
    ProbeResult,
    flatten_components,
)

__all__ = ["Component", "FlatComponent", "HealthSource", "ProbeResult", "flatten_components"]


def __getattr__(name: str) -> Any:
    if name == "HealthSource":
        from oncall_tui.sources.health.source import HealthSource

        return HealthSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
