"""The query API of one Prometheus-compatible datasource, and the reading of its answers.

Only `/api/v1/query` and `/api/v1/query_range` are used, so every compatible server works
(Prometheus, Thanos, Mimir, VictoriaMetrics); tenant headers such as Mimir's `X-Scope-OrgID`
come from the datasource's `headers`. Long queries (batches) go out as a form POST, which the
same API accepts, so that no proxy in between cuts a long URL.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlencode

from oncall_tui.config.model import Datasource, Direction
from oncall_tui.inert import inert_map
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed, Series
from oncall_tui.sources.http_client import (
    answers_ready,
    error_for_status,
    make_client,
    scrub,
    send_capped,
)
from oncall_tui.sources.json_answer import parse_json
from oncall_tui.sources.tasks import Semaphore

if TYPE_CHECKING:
    from oncall_tui.sources.http_client import AnyClient, AnyResponse

Labels = Mapping[str, str]
Points = list[tuple[float, float]]

#: how much of a body that is not Prometheus JSON is quoted in the error
BODY_EXCERPT = 200
#: form-encoded parameters longer than this go in a POST body instead of the URL
MAX_GET_PARAMS = 1500
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class PrometheusClient:
    """The query API of one datasource: one pooled client, at most `max_in_flight` queries;
    `blocking`: the blocking client of a one-shot command (see `sources.tasks`)."""

    def __init__(self, datasource: Datasource, *, blocking: bool = False) -> None:
        self.datasource = datasource
        self.secrets = datasource.http.secrets()
        limit = max(1, datasource.max_in_flight or 8)
        # Base URL may carry a path prefix (Mimir's /prometheus); /api/v1/... is appended.
        self.http: AnyClient = make_client(
            datasource.http,
            base_url=datasource.url.rstrip("/"),
            blocking=blocking,
            max_connections=limit,
            lean=True,  # polled every few seconds: the lean transport for plain http
        )
        self._in_flight = Semaphore(limit)

    async def query(self, expr: str, at: float | None = None) -> list[Series]:
        """Instant query. NaN samples are dropped, so an all-NaN answer is an empty list."""
        return (await self.query_typed(expr, at))[1]

    async def query_typed(self, expr: str, at: float | None = None) -> tuple[str, list[Series]]:
        """Instant query and its `resultType` ("vector" or "scalar"); other types raise."""
        params = {"query": expr}
        if at is not None:
            params["time"] = _fmt_time(at)
        data = await self._request("/api/v1/query", params)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":
            value = _sample_value(result)
            return kind, [] if math.isnan(value) else [Series({}, value)]
        if kind == "vector":
            if not isinstance(result, list):
                raise self._malformed("vector result is not a list")
            found = []
            for item in result:
                value = _sample_value(_field(item, "value"))
                if not math.isnan(value):
                    found.append(Series(_labels(item), value))
            return kind, found
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
        data = await self._request("/api/v1/query_range", params)
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

    async def _request(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET (or POST, when long) an `/api/v1` path and return its `data`.

        Every failure raises FetchFailed.
        """
        form = _form(params)
        http = self.datasource.http
        async with self._in_flight:
            if len(form) > MAX_GET_PARAMS:
                response = await send_capped(
                    self.http,
                    "POST",
                    path,
                    content=form.encode("ascii"),
                    headers=FORM,
                    max_body=http.max_body,
                    deadline=http.timeout,
                    secrets=self.secrets,
                )
            else:
                response = await send_capped(
                    self.http,
                    "GET",
                    path,
                    params=params,
                    max_body=http.max_body,
                    deadline=http.timeout,
                    secrets=self.secrets,
                )
        return self._data(response)

    def _data(self, response: AnyResponse) -> dict[str, Any]:
        body = _parsed(response.content)  # once: answer_error reads the same document
        error = answer_error(
            response.status_code,
            response.reason_phrase,
            response.content,
            self.secrets,
            document=body,
        )
        if error is not None:
            raise FetchFailed(error)
        if body is None:
            excerpt = " ".join(response.text[:BODY_EXCERPT].split()) or "(empty body)"
            raise self._malformed(f"the answer is not JSON: {excerpt}")
        if not isinstance(body, dict) or "status" not in body or "data" not in body:
            raise self._malformed("the answer is JSON but not a Prometheus API answer")
        if body["status"] != "success" or not isinstance(body["data"], dict):
            raise self._malformed(f"unexpected status {body['status']!r}")
        return body["data"]

    def _malformed(self, message: str) -> FetchFailed:
        return FetchFailed(FetchError(ErrorKind.MALFORMED, scrub(message, self.secrets)))

    async def ready(self) -> bool:
        """Whether the server answers at all: `GET /-/ready` (Prometheus, Thanos; other
        compatible servers answer 404, which is an answer too). Any status below 500."""
        return await answers_ready(self.http, self.datasource.http.timeout, self.secrets)

    async def aclose(self) -> None:
        await self.http.aclose()


_UNREAD = object()


def _parsed(content: bytes) -> Any:
    """The JSON document of an answer, or None when it is not JSON we read."""
    try:
        return parse_json(content)
    except ValueError:  # not JSON, not UTF-8, or nested too deeply to read
        return None


def answer_error(
    status: int,
    reason: str,
    content: bytes,
    secrets: Sequence[str] = (),
    *,
    document: Any = _UNREAD,
) -> FetchError | None:
    """What a Prometheus API answer says went wrong, or None when it is not an error.

    The one mapping of answers onto error kinds, with the one secret scrubber, for this
    client and for `oncall validate --online` (which asks through prometheus-api-client).
    `document` is `content` already read by `_parsed`, when the caller has it.
    """
    body = _parsed(content) if document is _UNREAD else document
    if isinstance(body, dict) and body.get("status") == "error":
        return api_error(status, body, secrets)
    if not 200 <= status < 300:
        text = " ".join(content[:BODY_EXCERPT].decode("utf-8", "replace").split())
        message = f"HTTP {status} {reason}" + (f": {text}" if text else "")
        return error_for_status(status, message, secrets)
    return None


def api_error(status: int, body: Mapping[str, Any], secrets: Sequence[str] = ()) -> FetchError:
    """Prometheus's own words: `errorType` and `error` from the JSON body."""
    error_type = str(body.get("errorType", ""))
    message = scrub(str(body.get("error", "")) or f"HTTP {status}", secrets)
    if status in (401, 403):
        kind = ErrorKind.AUTH
    elif status in (400, 422) or error_type in ("bad_data", "execution"):
        kind = ErrorKind.BAD_QUERY
    elif error_type == "timeout":
        kind = ErrorKind.TIMEOUT
    else:
        kind = ErrorKind.HTTP
    return FetchError(kind, message, http_status=status)


def _form(params: Mapping[str, str]) -> str:
    """`params` form-encoded, as `urlencode` does; the query's part is kept from tick to tick.

    A batch of 40 KPIs is a query of ~15 KB that is the same every tick; percent-encoding it
    byte by byte took about a tenth of the idle dashboard's CPU."""
    return "&".join(
        _encoded_query(value) if key == "query" else urlencode({key: value})
        for key, value in params.items()
    )


@functools.lru_cache(maxsize=256)
def _encoded_query(expr: str) -> str:
    return "query=" + quote_plus(expr)


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
    return inert_map(metric)


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
