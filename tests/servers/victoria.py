"""A real VictoriaMetrics (the Debian /usr/bin/victoria-metrics) on a free loopback port.

The second Prometheus-compatible backend: the same query API, scraping the same exporter
with a Prometheus scrape config given by `-promscrape.config`. It is a `PrometheusServer`
to the tests (the same `query`, `query_range`, `wait_for_series`, `kill` and `restart`),
started with VictoriaMetrics's own flags and ready check.

A test's own queries first flush what VictoriaMetrics holds in memory
(`/internal/force_flush`): a new series (the first scrape, the first error of a burst) is
otherwise found only about 9 s after it was scraped, which every wait on it paid.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml

from .prometheus import PrometheusServer

VICTORIA_BIN = os.environ.get("VICTORIA_METRICS_BIN", "/usr/bin/victoria-metrics")


class VictoriaMetricsServer(PrometheusServer):
    name = "VictoriaMetrics"
    ready_path = "/health"

    def __init__(
        self,
        targets: Sequence[str] = (),
        *,
        workdir: Path | None = None,
        port: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        super().__init__(targets, workdir=workdir, port=port, extra_args=extra_args)

    def _write_config(self, rule_files: Sequence[Path], alertmanager_url: str | None) -> None:
        if rule_files or alertmanager_url:
            raise ValueError("VictoriaMetrics evaluates no rules (that is vmalert's job)")
        config = {
            "global": {"scrape_interval": "1s"},
            "scrape_configs": [
                {
                    "job_name": "exporter",
                    "scrape_interval": "1s",
                    "static_configs": [{"targets": list(self.targets)}],
                }
            ],
        }
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def command(self) -> list[str]:
        return [
            VICTORIA_BIN,
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.data_dir}",
            f"-promscrape.config={self.config_path}",
            "-retentionPeriod=1d",
            # instant queries see samples 2 s after they are scraped (default: 30 s late;
            # less leaves the last point of a rate incomplete), and no answer is cached
            "-search.latencyOffset=2s",
            "-search.disableCache",
            "-loggerLevel=INFO",
            *self.extra_args,
        ]

    def flush(self) -> None:
        """Make every sample scraped so far searchable now (VictoriaMetrics's own endpoint)."""
        httpx.get(f"{self.url}/internal/force_flush", timeout=5.0)

    def query(self, expr: str, at: float | None = None) -> dict[str, Any]:
        self.flush()
        return super().query(expr, at)

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        self.flush()
        return super().query_range(expr, start, end, step)
