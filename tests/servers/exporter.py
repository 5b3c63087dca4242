"""A real `prometheus_client` exporter on a loopback port that tests drive by hand.

Each `Exporter` has its own `CollectorRegistry` (so exporters never share series) and serves
it from a background WSGI server that `stop()` shuts down. Metric families are created per
service prefix, named as in the service's ops guide (CQAR, ref 000):

    <prefix>_grpc_calls_total{method,status_code}
    <prefix>_grpc_call_duration_seconds{method,status}         histogram
    <prefix>_cache_hit_total{entity} / <prefix>_cache_miss_total{entity}
    <prefix>_db_pool_active_connections / <prefix>_db_pool_max_connections
    <prefix>_queue_depth{queue}

`exporter.traffic(ok=100, errors=2)` acts on the default prefix; `exporter.service("arq")`
returns the same helpers for another prefix (one exporter can stand for many services).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import start_wsgi_server

from .guard import check

DEFAULT_METHOD = "/cqc.services.v1.AssetRegistry/GetAsset"
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class ServiceMetrics:
    """The metric families of one service prefix, with helpers that move them."""

    def __init__(self, prefix: str, registry: CollectorRegistry) -> None:
        self.prefix = prefix
        self.calls = Counter(
            f"{prefix}_grpc_calls_total",
            "gRPC calls by method and status code",
            ["method", "status_code"],
            registry=registry,
        )
        self.duration = Histogram(
            f"{prefix}_grpc_call_duration_seconds",
            "gRPC call duration",
            ["method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.cache_hit = Counter(
            f"{prefix}_cache_hit_total", "cache hits", ["entity"], registry=registry
        )
        self.cache_miss = Counter(
            f"{prefix}_cache_miss_total", "cache misses", ["entity"], registry=registry
        )
        self.pool_active = Gauge(
            f"{prefix}_db_pool_active_connections", "connections in use", registry=registry
        )
        self.pool_max = Gauge(f"{prefix}_db_pool_max_connections", "pool size", registry=registry)
        self.queue = Gauge(
            f"{prefix}_queue_depth", "messages waiting", ["queue"], registry=registry
        )

    def traffic(
        self,
        ok: int = 100,
        errors: int = 0,
        *,
        method: str = DEFAULT_METHOD,
        latency: float = 0.004,
        error_code: str = "INTERNAL",
    ) -> None:
        """Count `ok` successful and `errors` failed calls, each observed at `latency` seconds."""
        if ok:
            self.calls.labels(method, "OK").inc(ok)
            for _ in range(ok):
                self.duration.labels(method, "OK").observe(latency)
        if errors:
            self.calls.labels(method, error_code).inc(errors)
            for _ in range(errors):
                self.duration.labels(method, error_code).observe(latency)

    def cache(self, hits: int, misses: int, *, entity: str = "asset") -> None:
        self.cache_hit.labels(entity).inc(hits)
        self.cache_miss.labels(entity).inc(misses)

    def pool(self, active: float, maximum: float) -> None:
        self.pool_active.set(active)
        self.pool_max.set(maximum)

    def queue_depth(self, depth: float, *, queue: str = "default") -> None:
        self.queue.labels(queue).set(depth)


class Exporter:
    """An exporter serving its own registry on 127.0.0.1:<free port> until `stop()`."""

    def __init__(self, prefixes: Sequence[str] = ("cqar",)) -> None:
        check("an exporter")
        self.registry = CollectorRegistry()
        self._services: dict[str, ServiceMetrics] = {}
        self._gauges: dict[str, Gauge] = {}
        for prefix in prefixes:
            self.service(prefix)
        self._default = prefixes[0] if prefixes else "cqar"
        # Port 0: the kernel picks a free port and there is no window for another process
        # to take it between choosing and binding.
        self._server: WSGIServer | None
        self._thread: threading.Thread | None
        self._server, self._thread = start_wsgi_server(0, addr="127.0.0.1", registry=self.registry)
        self.port: int = self._server.server_port

    @property
    def target(self) -> str:
        """host:port, as a Prometheus scrape target."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.target}/metrics"

    def service(self, prefix: str) -> ServiceMetrics:
        """The metrics of one service prefix, created on first use."""
        if prefix not in self._services:
            self._services[prefix] = ServiceMetrics(prefix, self.registry)
        return self._services[prefix]

    @property
    def default(self) -> ServiceMetrics:
        return self.service(self._default)

    # Shortcuts to the default prefix, the common case in tests.
    def traffic(self, ok: int = 100, errors: int = 0, **kwargs: object) -> None:
        self.default.traffic(ok, errors, **kwargs)  # type: ignore[arg-type]

    def cache(self, hits: int, misses: int, *, entity: str = "asset") -> None:
        self.default.cache(hits, misses, entity=entity)

    def pool(self, active: float, maximum: float) -> None:
        self.default.pool(active, maximum)

    def queue_depth(self, depth: float, *, queue: str = "default") -> None:
        self.default.queue_depth(depth, queue=queue)

    def gauge(self, name: str, value: float, **labels: str) -> None:
        """Set any gauge by name (created on first use with these label names)."""
        if name not in self._gauges:
            self._gauges[name] = Gauge(name, name, sorted(labels), registry=self.registry)
        gauge = self._gauges[name]
        (gauge.labels(**labels) if labels else gauge).set(value)

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Exporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def drive_services(exporter: Exporter, prefixes: Sequence[str], stop: threading.Event) -> None:
    """Keep every service's counters moving until `stop`, so rates and quantiles have values.

    Run it in a thread; the benchmarks use it to feed a 10-service Prometheus.
    """
    step = 0
    while not stop.is_set():
        for i, prefix in enumerate(prefixes):
            metrics = exporter.service(prefix)
            metrics.traffic(ok=20 + i, errors=step % 3, latency=0.002 * (1 + i % 4))
            metrics.cache(hits=90, misses=5 + i)
            metrics.pool(3 + i % 6, 10)
            metrics.queue_depth(i * 7 + step % 5)
        step += 1
        stop.wait(0.5)
