"""An exporter whose error share a test sets: `slo_requests_total{code}` as exact functions
of time, so the error ratio Prometheus sees over any window is known.

Requests arrive at a steady `rate` per second; a share `errors` of them have code="500",
the others code="200". `set_error_share(0.1)` changes the share from that moment on. The
counters are computed at scrape time from the clock (not incremented by a thread), so a
scrape never sees a half-applied step and the ratio over a window is exactly the share
once the window lies wholly after the change.

The counters start from a history (as an exporter that has run for a while does), not from
0: Prometheus's `rate()` extrapolates a counter's first sample towards zero when it is near
zero, which would make the error ratio drift with the evaluation time between scrapes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import start_wsgi_server
from prometheus_client.metrics_core import CounterMetricFamily, Metric

#: counts the exporter starts from
TOTAL_BEFORE = 1_000_000.0
ERRORS_BEFORE = 1_000.0


class _Requests:
    """The collector: total and failed requests since the start, at the time of asking."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._start = time.time()
        self._changed = self._start
        self._errors_before = ERRORS_BEFORE  # failed requests up to `_changed`
        self._share = 0.0

    def set_share(self, share: float) -> None:
        with self._lock:
            now = time.time()
            self._errors_before += self._share * self.rate * (now - self._changed)
            self._changed, self._share = now, share

    def counts(self, now: float) -> tuple[float, float]:
        with self._lock:
            total = TOTAL_BEFORE + self.rate * (now - self._start)
            errors = self._errors_before + self._share * self.rate * (now - self._changed)
        return total - errors, errors

    def collect(self) -> Iterator[Metric]:
        ok, errors = self.counts(time.time())
        family = CounterMetricFamily("slo_requests", "requests by code", labels=["code"])
        family.add_metric(["200"], ok)
        family.add_metric(["500"], errors)
        yield family


class SliExporter:
    """Serves `slo_requests_total{code}` on 127.0.0.1:<free port> until `stop()`."""

    def __init__(self, rate: float = 100.0) -> None:
        self.registry = CollectorRegistry()
        self._requests = _Requests(rate)
        self.registry.register(self._requests)  # type: ignore[arg-type]
        self._server: WSGIServer | None
        self._server, self._thread = start_wsgi_server(0, addr="127.0.0.1", registry=self.registry)
        self.port: int = self._server.server_port

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_error_share(self, share: float) -> None:
        self._requests.set_share(share)

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
