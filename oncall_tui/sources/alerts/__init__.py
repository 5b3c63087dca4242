"""Alerts: Alertmanager, Prometheus or `rules:` files -> per-service alert checks.

`AlertSource` is loaded on first use: it brings the HTTP client, which the demo and the
first frame do not need.
"""

from typing import Any

from oncall_tui.sources.alerts.observations import ALERTS_KEY
from oncall_tui.sources.alerts.records import Alert, AlertList

__all__ = ["ALERTS_KEY", "Alert", "AlertList", "AlertSource", "Matcher", "Silence"]


def __getattr__(name: str) -> Any:
    if name == "AlertSource":
        from oncall_tui.sources.alerts.source import AlertSource

        return AlertSource
    if name in ("Matcher", "Silence"):
        from oncall_tui.sources.alerts import silence_records

        return getattr(silence_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
