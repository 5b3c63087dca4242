"""The Prometheus-compatible backends the source and `oncall status` are tested against.

A test module that imports these fixtures runs every test that uses `prometheus` or
`module_prometheus` once per backend: a real Prometheus and a real VictoriaMetrics, both
scraping the test's exporter every second. `backend` names the one in use, for the few
answers whose wording is each server's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .exporter import Exporter
from .prometheus import PrometheusServer
from .victoria import VictoriaMetricsServer

PROMETHEUS = "prometheus"
VICTORIA_METRICS = "victoria-metrics"
BACKENDS = (PROMETHEUS, VICTORIA_METRICS)


def start_backend(kind: str, exporter: Exporter, workdir: Path) -> PrometheusServer:
    """A server of `kind` scraping `exporter`, already holding its first samples."""
    exporter.traffic(ok=10)
    cls = VictoriaMetricsServer if kind == VICTORIA_METRICS else PrometheusServer
    server = cls([exporter.target], workdir=workdir)
    try:
        server.wait_for_series('up{job="exporter"} == 1', timeout=30)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def module_prometheus(
    backend: str, module_exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    server = start_backend(backend, module_exporter, tmp_path_factory.mktemp(backend))
    yield server
    server.stop()


@pytest.fixture
def prometheus(
    backend: str, exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    server = start_backend(backend, exporter, tmp_path_factory.mktemp(backend))
    yield server
    server.stop()
