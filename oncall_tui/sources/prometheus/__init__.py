"""KPIs from any Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics).

`PrometheusClient` speaks the query API; `PrometheusSource` turns the KPIs of the services on
one datasource into a few batched jobs (see `source.py` and `batch.py`).
"""

from oncall_tui.sources.prometheus.client import PrometheusClient, worst_points, worst_series
from oncall_tui.sources.prometheus.source import HISTORY_POINTS, PrometheusSource

__all__ = ["HISTORY_POINTS", "PrometheusClient", "PrometheusSource", "worst_points", "worst_series"]
