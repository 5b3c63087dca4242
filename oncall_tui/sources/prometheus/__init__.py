"""KPIs from any Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics)."""

from oncall_tui.sources.prometheus.client import (
    PrometheusClient,
    PrometheusSource,
    worst_points,
    worst_series,
)

__all__ = ["PrometheusClient", "PrometheusSource", "worst_points", "worst_series"]
