"""KPIs from any Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics).

Only `/api/v1/query` and `/api/v1/query_range` are used, so every compatible server works;
tenant headers such as Mimir's `X-Scope-OrgID` come from the datasource's `headers`.

Each KPI is one job. Its first run also loads the last `datasource.history` seconds as a range
so that sparklines have a past at once; later runs are one instant query, plus a range query
that fills the gap after an outage (from the newest point held, never the whole window again).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from oncall_tui.config.model import Datasource, Direction, Kpi, Service
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    FetchFailed,
    Job,
    Observation,
    Reading,
    Series,
    Source,
)
from oncall_tui.sources.http_client import (
    classify_exception,
    error_for_status,
    make_async_client,
    scrub,
)

log = logging.getLogger(__name__)

Labels = Mapping[str, str]
Points = list[tuple[float, float]]

#: at most this many points per KPI in the history loaded at start
HISTORY_POINTS = 240
#: a run this many intervals after the last good one means we missed points: fill the gap
GAP_INTERVALS = 2.0
#: how much of a body that is not Prometheus JSON is quoted in the error
BODY_EXCERPT = 200


class PrometheusClient:
    """The query API of one datasource: one pooled client, at most `max_in_flight` queries."""

    def __init__(self, datasource: Datasource) -> None:
        self.datasource = datasource
        self.secrets = datasource.http.secrets()
        limit = max(1, datasource.max_in_flight or 8)
        # Base URL may carry a path prefix (Mimir's /prometheus); /api/v1/... is appended.
        self.http: httpx.AsyncClient = make_async_client(
            datasource.http, base_url=datasource.url.rstrip("/"), max_connections=limit
        )
        self._in_flight = asyncio.Semaphore(limit)

    async def query(self, expr: str, at: float | None = None) -> list[Series]:
        """Instant query. NaN samples are dropped, so an all-NaN answer is an empty list."""
        params = {"query": expr}
        if at is not None:
            params["time"] = _fmt_time(at)
        data = await self._get("/api/v1/query", params)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":
            value = _sample_value(result)
            return [] if math.isnan(value) else [Series({}, value)]
        if kind == "vector":
            if not isinstance(result, list):
                raise self._malformed("vector result is not a list")
            found = []
            for item in result:
                value = _sample_value(_field(item, "value"))
                if not math.isnan(value):
                    found.append(Series(_labels(item), value))
            return found
        if kind in ("matrix", "string"):
            raise FetchFailed(
                FetchError(
                    ErrorKind.BAD_QUERY,
                    f"the query returns a {'range vector' if kind == 'matrix' else 'string'};"
                    " a KPI needs an instant vector or a scalar",
                )
            )
        raise self._malformed(f"unknown resultType {kind!r}")

    async def query_range(
        self, expr: str, start: float, end: float, step: float
    ) -> list[tuple[Labels, Points]]:
        """Range query: each series' labels and its (time, value) points, NaN points dropped."""
        params = {
            "query": expr,
            "start": _fmt_time(start),
            "end": _fmt_time(end),
            "step": f"{max(step, 0.001):.3f}",
        }
        data = await self._get("/api/v1/query_range", params)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":  # a range query of a scalar expression answers as a matrix,
            kind, result = "matrix", [{"metric": {}, "values": [result]}]  # but be lenient
        if kind != "matrix" or not isinstance(result, list):
            raise self._malformed(f"range query answered with resultType {kind!r}")
        found: list[tuple[Labels, Points]] = []
        for item in result:
            values = _field(item, "values")
            if not isinstance(values, list):
                raise self._malformed("matrix values are not a list")
            points = [(_sample_time(v), _sample_value(v)) for v in values]
            found.append((_labels(item), [(t, v) for t, v in points if not math.isnan(v)]))
        return found

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET a `/api/v1` path and return its `data`; every failure raises FetchFailed."""
        async with self._in_flight:
            try:
                response = await self.http.get(path, params=params)
            except httpx.HTTPError as exc:
                raise FetchFailed(classify_exception(exc, self.secrets)) from None
        return self._data(response)

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both are ValueErrors
            body = None
        if isinstance(body, dict) and body.get("status") == "error":
            raise FetchFailed(self._api_error(status, body))
        if not 200 <= status < 300:
            text = " ".join(response.text[:BODY_EXCERPT].split())
            message = f"HTTP {status} {response.reason_phrase}" + (f": {text}" if text else "")
            raise FetchFailed(error_for_status(status, message, self.secrets))
        if body is None:
            excerpt = " ".join(response.text[:BODY_EXCERPT].split()) or "(empty body)"
            raise self._malformed(f"the answer is not JSON: {excerpt}")
        if not isinstance(body, dict) or "status" not in body or "data" not in body:
            raise self._malformed("the answer is JSON but not a Prometheus API answer")
        if body["status"] != "success" or not isinstance(body["data"], dict):
            raise self._malformed(f"unexpected status {body['status']!r}")
        return body["data"]

    def _api_error(self, status: int, body: Mapping[str, Any]) -> FetchError:
        """Prometheus's own words: `errorType` and `error` from the JSON body."""
        error_type = str(body.get("errorType", ""))
        message = scrub(str(body.get("error", "")) or f"HTTP {status}", self.secrets)
        if status in (401, 403):
            kind = ErrorKind.AUTH
        elif status in (400, 422) or error_type in ("bad_data", "execution"):
            kind = ErrorKind.BAD_QUERY
        elif error_type == "timeout":
            kind = ErrorKind.TIMEOUT
        else:
            kind = ErrorKind.HTTP
        return FetchError(kind, message, http_status=status)

    def _malformed(self, message: str) -> FetchFailed:
        return FetchFailed(FetchError(ErrorKind.MALFORMED, scrub(message, self.secrets)))

    async def aclose(self) -> None:
        await self.http.aclose()


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"


def _field(item: object, name: str) -> Any:
    if not isinstance(item, dict) or name not in item:
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, f"a result has no {name!r}"))
    return item[name]


def _labels(item: object) -> dict[str, str]:
    metric = _field(item, "metric")
    if not isinstance(metric, dict):
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, "a result's metric is not a map"))
    return {str(k): str(v) for k, v in metric.items()}


def _sample_time(sample: object) -> float:
    if not isinstance(sample, list) or len(sample) != 2:
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, f"bad sample {sample!r:.60}"))
    try:
        return float(sample[0])
    except (TypeError, ValueError):
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, f"bad time {sample[0]!r:.40}")) from None


def _sample_value(sample: object) -> float:
    """The value of `[time, "value"]`; Prometheus writes NaN and +Inf/-Inf as strings."""
    _sample_time(sample)
    raw = sample[1]  # type: ignore[index]
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, f"bad value {raw!r:.40}")) from None


def worst_series(series: Sequence[Series], direction: Direction) -> Series:
    """The series thresholds would judge hardest: the highest, or the lowest for `below`."""
    pick = min if direction is Direction.BELOW else max
    return pick(series, key=lambda s: s.value)


def worst_points(result: Sequence[tuple[Labels, Points]], direction: Direction) -> Points:
    """One history from many series: at each time, the worst value among them."""
    pick = min if direction is Direction.BELOW else max
    merged: dict[float, float] = {}
    for _, points in result:
        for t, v in points:
            merged[t] = pick(merged[t], v) if t in merged else v
    return sorted(merged.items())


@dataclass
class _KpiMemory:
    """What one KPI's job remembers between runs, to load history once and fill gaps."""

    newest: float | None = None  # time of the newest point handed to the state
    last_ok: float | None = None  # clock time of the last successful run


class PrometheusSource(Source):
    """One job per KPI and custom panel of every service on this datasource."""

    def __init__(
        self, datasource: Datasource, services: Sequence[Service], clock: Callable[[], float]
    ) -> None:
        self.name = f"prometheus {datasource.name}"
        self.datasource = datasource
        self.client = PrometheusClient(datasource)
        self._clock = clock
        self._memory: dict[CheckId, _KpiMemory] = {}
        self._jobs: list[Job] = []
        for service in services:
            for kpi in service.all_kpis:
                check = CheckId(service.name, CheckKind.KPI, kpi.key)
                self._memory[check] = _KpiMemory()
                self._jobs.append(
                    Job(
                        key=f"kpi:{service.name}:{kpi.key}",
                        interval=kpi.interval,
                        run=_bind(self._run_kpi, check, kpi),
                        checks=(check,),
                        timeout=datasource.http.timeout + 1.0,
                        source=self.name,
                    )
                )

    def jobs(self) -> Sequence[Job]:
        return tuple(self._jobs)

    async def aclose(self) -> None:
        await self.client.aclose()

    def history_step(self, kpi: Kpi) -> float:
        return max(kpi.interval, self.datasource.history / HISTORY_POINTS)

    async def _run_kpi(self, check: CheckId, kpi: Kpi) -> Sequence[Observation]:
        now = self._clock()
        memory = self._memory[check]
        baseline = kpi.thresholds.baseline
        start = self._history_start(kpi, memory, now)
        points: Points | BaseException = []
        before: list[Series] | BaseException | None = None
        if start is None and baseline is None:
            # The common run: one instant query, awaited directly (no extra tasks).
            try:
                current: list[Series] | BaseException = await self.client.query(kpi.query)
            except FetchFailed as failed:
                current = failed
        else:
            # History and baseline go out with the instant query: the run takes as long as
            # the slowest of them, not their sum, and stays inside one job timeout.
            history = self._history(kpi, start, now) if start is not None else _none()
            past = self.client.query(kpi.query, at=now - baseline.offset) if baseline else _none()
            current, points, before = await asyncio.gather(  # type: ignore[assignment]
                self.client.query(kpi.query), history, past, return_exceptions=True
            )
        for result in (current, before):
            if isinstance(result, BaseException):
                return [Observation(check, self._error(result))]
        if isinstance(points, BaseException):
            # History is decoration: the value still counts, and the next run tries again.
            log.debug("history of %s not loaded: %s", check, points)
            points = []
        assert isinstance(current, list)
        reading = self._reading(kpi, current, now, points or (), before)
        memory.last_ok = now
        memory.newest = max(now, points[-1][0]) if points else now
        return [Observation(check, reading)]

    def _history_start(self, kpi: Kpi, memory: _KpiMemory, now: float) -> float | None:
        """Where the range to add begins: the whole window first, the gap after an outage."""
        if self.datasource.history <= 0:
            return None
        if memory.newest is None:
            return now - self.datasource.history - 0.001  # keep the point at the window start
        if memory.last_ok is not None and now - memory.last_ok > GAP_INTERVALS * kpi.interval:
            return memory.newest if memory.newest < now else None
        return None

    async def _history(self, kpi: Kpi, start: float, now: float) -> Points:
        end = round(now, 3)  # the resolution the API is asked in
        result = await self.client.query_range(kpi.query, start, end, self.history_step(kpi))
        # Points at or before `start` are already held by the state; the point at `end` is
        # the instant value this run reports anyway.
        points = worst_points(result, kpi.thresholds.direction)
        return [(t, v) for t, v in points if start < t < end]

    def _reading(
        self,
        kpi: Kpi,
        current: Sequence[Series],
        now: float,
        history: Sequence[tuple[float, float]],
        before: object,
    ) -> Reading:
        baseline = None
        if isinstance(before, list) and before:
            baseline = worst_series(before, kpi.thresholds.direction).value
        if not current:
            return Reading(
                at=now, empty=True, series_count=0, history=tuple(history), baseline=baseline
            )
        worst = worst_series(current, kpi.thresholds.direction)
        return Reading(
            at=now,
            value=worst.value,
            labels=dict(worst.labels),
            series_count=len(current),
            history=tuple(history),
            baseline=baseline,
        )

    def _error(self, exc: BaseException) -> FetchError:
        if isinstance(exc, FetchFailed):
            return exc.error
        if isinstance(exc, asyncio.CancelledError):
            raise exc
        return classify_exception(exc, self.client.secrets)


async def _none() -> None:
    return None


def _bind(run: Callable[[CheckId, Kpi], Any], check: CheckId, kpi: Kpi) -> Callable[[], Any]:
    async def job() -> Sequence[Observation]:
        return await run(check, kpi)

    return job
