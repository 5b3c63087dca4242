"""Run one PromQL expression from a runbook against a service's datasource.

Not a widget: the runbook pane calls `run` from an async worker and hands the result to
the command block, so widgets never do I/O. One `PrometheusClient` per datasource is kept
for the screen's life and closed with `aclose`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from oncall_tui.config.model import Config
from oncall_tui.glyphs import ELLIPSIS, STATUS_CRIT
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed, Series
from oncall_tui.sources.prometheus import PrometheusClient

#: datasource types the runner can query (anything speaking Prometheus's query API)
QUERYABLE = ("prometheus",)
NEEDS_PROMETHEUS = "live PromQL needs a Prometheus datasource"


@dataclass(frozen=True)
class PromqlResult:
    expr: str
    at: float  # when the query was asked (the server evaluates at its own "now")
    series: tuple[Series, ...]


class PromqlRunner:
    """Answers `run(service, expr)` with a `PromqlResult` or a `FetchError`, never raises."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._clients: dict[str, PrometheusClient] = {}

    def unavailable(self, service: str | None) -> FetchError | None:
        """Why `service` cannot run PromQL here, or None when it can."""
        svc = self.config.services.get(service) if service else None
        if svc is None:
            return FetchError(ErrorKind.CONFIG, "no service to run this query for")
        datasource = self.config.datasources.get(svc.datasource)
        if datasource is None:
            return FetchError(ErrorKind.CONFIG, f"no datasource named {svc.datasource!r}")
        if (datasource.type or "prometheus") not in QUERYABLE:
            kind = "simulated" if datasource.type == "demo" else datasource.type
            return FetchError(ErrorKind.CONFIG, f"{NEEDS_PROMETHEUS} (this one is {kind})")
        return None

    async def run(self, service: str | None, expr: str) -> PromqlResult | FetchError:
        problem = self.unavailable(service)
        if problem is not None:
            return problem
        assert service is not None
        datasource = self.config.datasources[self.config.services[service].datasource]
        client = self._clients.get(datasource.name)
        if client is None:
            client = self._clients[datasource.name] = PrometheusClient(datasource)
        at = self.clock()
        try:
            series = await client.query(expr.strip())
        except FetchFailed as failed:
            return failed.error
        return PromqlResult(expr, at, tuple(series))

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


#: series rows shown under a block; the rest are counted
MAX_ROWS = 10


def result_lines(outcome: PromqlResult | FetchError) -> list[str]:
    """The text shown under a run block: one value, a small table of series, or the error."""
    if isinstance(outcome, FetchError):
        return [f"{STATUS_CRIT} {outcome.kind.value}: {outcome.message}"]
    stamp = time.strftime("%H:%M:%S", time.gmtime(outcome.at)) + " UTC"
    series = outcome.series
    if not series:
        return [f"= no series (empty result) at {stamp}"]
    if len(series) == 1 and not series[0].labels:
        return [f"= {_number(series[0].value)} at {stamp}"]
    rows = [(_labels(s.labels), _number(s.value)) for s in series[:MAX_ROWS]]
    width = max(len(label) for label, _ in rows)
    lines = [f"= {len(series)} series at {stamp}"]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    if len(series) > MAX_ROWS:
        lines.append(f"  {ELLIPSIS} {len(series) - MAX_ROWS} more")
    return lines


def _labels(labels: object) -> str:
    items = dict(labels)  # type: ignore[call-overload]
    if not items:
        return "{}"
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(items.items())) + "}"


def _number(value: float) -> str:
    return f"{value:.6g}"
