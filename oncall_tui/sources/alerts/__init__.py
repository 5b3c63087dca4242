"""Alerts: Alertmanager, Prometheus or `rules:` files -> per-service alert checks."""

from oncall_tui.sources.alerts.records import Alert, AlertList, Matcher, Silence
from oncall_tui.sources.alerts.source import ALERTS_KEY, AlertSource

__all__ = ["ALERTS_KEY", "Alert", "AlertList", "AlertSource", "Matcher", "Silence"]
