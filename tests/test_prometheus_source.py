"""The Prometheus source against a real Prometheus scraping a real exporter, and against a
real VictoriaMetrics (every test with a server runs on both: see `servers.backends`).

Failures Prometheus will not produce on demand (a hung server, a body that is not JSON, an
auth proxy) come from tiny real servers on loopback.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from servers import backends
from servers.canned import CannedHttpServer, SilentServer
from servers.exporter import Exporter
from servers.process import refused_port
from servers.prometheus import PrometheusServer

from oncall_tui.config.model import (
    Baseline,
    Datasource,
    Direction,
    HttpOptions,
    Kpi,
    Secret,
    Service,
    Thresholds,
)
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    FetchFailed,
    Observation,
    Reading,
)
from oncall_tui.sources.prometheus import PrometheusClient, PrometheusSource

# every test with a server runs on a real Prometheus and on a real VictoriaMetrics
backend = backends.backend
module_prometheus = backends.module_prometheus
prometheus = backends.prometheus

POOL_RATIO = "cqar_db_pool_active_connections / cqar_db_pool_max_connections"
TOKEN = "tok-3f9c1a77e2"
VECTOR = {
    "status": "success",
    "data": {"resultType": "vector", "result": [{"metric": {"job": "x"}, "value": [1, "4.5"]}]},
}


def kpi(
    query: str,
    key: str = "custom",
    *,
    interval: float = 5.0,
    direction: Direction = Direction.ABOVE,
    baseline: Baseline | None = None,
) -> Kpi:
    return Kpi(
        key, query, interval=interval, thresholds=Thresholds((), direction, baseline=baseline)
    )


def source_for(url: str, *kpis: Kpi, http: HttpOptions | None = None, history: float = 120.0):
    datasource = Datasource("default", url, http=http or HttpOptions(timeout=2.0), history=history)
    return PrometheusSource(datasource, [Service("cqar", "CQAR", "default", kpis=kpis)], time.time)


async def observe(source: PrometheusSource, index: int = 0) -> Observation:
    (observation,) = await source.jobs()[index].run()
    return observation


async def read(source: PrometheusSource, index: int = 0) -> Reading:
    outcome = (await observe(source, index)).outcome
    assert isinstance(outcome, Reading), outcome
    return outcome


async def fail(source: PrometheusSource, index: int = 0) -> FetchError:
    outcome = (await observe(source, index)).outcome
    assert isinstance(outcome, FetchError), outcome
    return outcome


def record_requests(source: PrometheusSource) -> list[httpx.Request]:
    """Every request the source's own client sends, seen on the real transport."""
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    source.client.http.event_hooks["request"].append(hook)
    return seen


def prometheus_value(server: PrometheusServer, expr: str, at: float | None = None) -> float:
    body = server.query(expr, at)
    assert body["status"] == "success", body
    result = body["data"]["result"]
    return float(result[1] if body["data"]["resultType"] == "scalar" else result[0]["value"][1])


# -- jobs ----------------------------------------------------------------------------------


async def test_kpis_of_one_interval_share_a_job_with_room_for_a_rerun() -> None:
    datasource = Datasource("main", "http://127.0.0.1:1", http=HttpOptions(timeout=2.5))
    service = Service(
        "cqar",
        "CQAR",
        "main",
        kpis=(kpi("up", "error_rate", interval=7.0), kpi("up", "latency", interval=7.0)),
        panels=(Kpi("events", "sum(rate(cqar_event_published_total[5m]))", custom=True),),
    )
    source = PrometheusSource(datasource, [service], time.time)
    jobs = source.jobs()
    assert source.name == "prometheus main"
    assert [job.key for job in jobs] == ["prometheus:main:7s:batch0", "prometheus:main:5s:batch0"]
    assert [job.checks for job in jobs] == [
        (CheckId("cqar", CheckKind.KPI, "error_rate"), CheckId("cqar", CheckKind.KPI, "latency")),
        (CheckId("cqar", CheckKind.KPI, "events"),),
    ]
    assert [job.interval for job in jobs] == [7.0, 5.0]
    assert {job.timeout for job in jobs} == {6.0}  # a rejected batch is rerun KPI by KPI
    assert {job.source for job in jobs} == {"prometheus main"}
    await source.aclose()


# -- values from a real Prometheus ---------------------------------------------------------


async def test_value_equals_what_prometheus_answers(
    module_prometheus: PrometheusServer, module_exporter: Exporter
) -> None:
    module_exporter.pool(7, 10)
    module_prometheus.wait_for_series("cqar_db_pool_active_connections == 7")
    source = source_for(module_prometheus.url, kpi(POOL_RATIO, "pool_usage"))
    reading = await read(source)
    assert reading.value == pytest.approx(0.7)
    assert reading.value == prometheus_value(module_prometheus, POOL_RATIO)
    assert reading.labels == {"instance": module_exporter.target, "job": "exporter"}
    await source.aclose()


async def test_rate_at_a_given_time_equals_prometheus_own_answer(
    module_prometheus: PrometheusServer, module_exporter: Exporter
) -> None:
    module_exporter.traffic(ok=300)
    expr = "sum(rate(cqar_grpc_calls_total[1m]))"
    module_prometheus.wait_for_series(f"{expr} > 0")
    at = time.time()
    # a scrape begun before `at` may be stored after it: let it land (and VictoriaMetrics
    # make it searchable) before either side asks, so both read the same samples
    await asyncio.sleep(1.5)
    module_prometheus.flush()
    client = PrometheusClient(Datasource("default", module_prometheus.url))
    (series,) = await client.query(expr, at=at)
    assert series.value == prometheus_value(module_prometheus, expr, at=round(at, 3))
    assert series.value > 0
    await client.aclose()


@pytest.mark.parametrize(
    ("direction", "queue", "depth"),
    [(Direction.ABOVE, "ingest", 40.0), (Direction.BELOW, "audit", 5.0)],
)
async def test_multi_series_result_reports_the_worst_series_by_direction(
    module_prometheus: PrometheusServer,
    module_exporter: Exporter,
    direction: Direction,
    queue: str,
    depth: float,
) -> None:
    for name, value in (("audit", 5), ("ingest", 40), ("events", 12)):
        module_exporter.queue_depth(value, queue=name)
    module_prometheus.wait_for_series("cqar_queue_depth", count=3)
    source = source_for(
        module_prometheus.url, kpi("cqar_queue_depth", "queue_depth", direction=direction)
    )
    reading = await read(source)
    assert reading.value == depth
    assert reading.labels["queue"] == queue
    assert reading.series_count == 3
    await source.aclose()


async def test_scalar_result_is_a_value(module_prometheus: PrometheusServer) -> None:
    source = source_for(module_prometheus.url, kpi("scalar(vector(3)) * 2"))
    assert (await read(source)).value == 6.0
    await source.aclose()


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param('cqar_grpc_calls_total{method="nope"}', id="no-series"),
        pytest.param("vector(0) / 0", id="all-nan-vector"),
        pytest.param("0 / 0", id="nan-scalar"),
    ],
)
async def test_empty_or_all_nan_result_is_an_empty_reading(
    module_prometheus: PrometheusServer, expr: str
) -> None:
    source = source_for(module_prometheus.url, kpi(expr))
    reading = await read(source)
    assert reading.empty
    assert reading.value is None
    assert reading.series_count == 0
    await source.aclose()


async def test_infinity_is_kept_as_a_value(module_prometheus: PrometheusServer) -> None:
    source = source_for(module_prometheus.url, kpi("vector(1) / 0"))
    assert (await read(source)).value == float("inf")
    await source.aclose()


async def test_bad_promql_is_a_bad_query_in_prometheus_words(
    module_prometheus: PrometheusServer, backend: str
) -> None:
    source = source_for(module_prometheus.url, kpi("sum(rate(cqar_grpc_calls_total[5m])"))
    error = await fail(source)
    assert error.kind is ErrorKind.BAD_QUERY
    # each server says it in its own words, with its own status code
    words, status = {
        backends.PROMETHEUS: ("parse error", 400),
        backends.VICTORIA_METRICS: ("unparsed data", 422),
    }[backend]
    assert words in error.message
    assert error.http_status == status
    await source.aclose()


async def test_range_vector_query_is_a_bad_query(module_prometheus: PrometheusServer) -> None:
    source = source_for(module_prometheus.url, kpi("cqar_grpc_calls_total[1m]"))
    error = await fail(source)
    assert error.kind is ErrorKind.BAD_QUERY
    assert "range vector" in error.message
    await source.aclose()


async def test_baseline_is_the_same_query_at_the_offset(
    module_prometheus: PrometheusServer,
) -> None:
    source = source_for(module_prometheus.url, kpi("vector(time())", baseline=Baseline(600.0)))
    seen = record_requests(source)
    reading = await read(source)
    assert reading.value is not None and reading.baseline is not None
    assert reading.value - reading.baseline == pytest.approx(600.0, abs=2.0)
    timed = [r for r in seen if r.url.path == "/api/v1/query" and "time" in r.url.params]
    assert len(timed) == 1
    await source.aclose()


# -- history -------------------------------------------------------------------------------


async def test_history_is_loaded_once_after_the_first_value_then_only_the_gap(
    module_prometheus: PrometheusServer, backend: str
) -> None:
    source = source_for(module_prometheus.url, kpi("up", interval=0.4), history=120.0)
    seen = record_requests(source)

    first = await read(source)
    assert [r.url.path for r in seen] == ["/api/v1/query"]  # values first, history later
    assert first.history == ()
    assert first.value == 1.0

    seen.clear()
    second = await read(source)
    ranges = [r for r in seen if r.url.path == "/api/v1/query_range"]
    assert len(ranges) == 1
    params = ranges[0].url.params
    assert float(params["end"]) == pytest.approx(first.at, abs=0.001)  # the window before it
    assert float(params["end"]) - float(params["start"]) == pytest.approx(120.0, abs=0.01)
    assert float(params["step"]) == 0.5  # max(interval, history / 240)
    assert second.history, "Prometheus has scraped for seconds: the range has points"
    assert all(t < first.at for t, _ in second.history)
    assert second.value == 1.0

    seen.clear()
    third = await read(source)
    assert [r.url.path for r in seen] == ["/api/v1/query"]
    assert third.history == ()

    seen.clear()
    await asyncio.sleep(1.0)  # more than two intervals without a run: a gap to fill
    fourth = await read(source)
    assert [r.url.path for r in seen] == ["/api/v1/query"]  # the value does not wait for it
    seen.clear()
    fifth = await read(source)
    ranges = [r for r in seen if r.url.path == "/api/v1/query_range"]
    assert len(ranges) == 1
    assert float(ranges[0].url.params["start"]) == pytest.approx(third.at, abs=0.001)
    assert float(ranges[0].url.params["end"]) == pytest.approx(fourth.at, abs=0.001)
    assert all(third.at < t < fourth.at for t, _ in fifth.history)
    # VictoriaMetrics hides points younger than its -search.latencyOffset (2 s here), and
    # this gap is younger than that: there the request is asked for and comes back empty
    assert fifth.history or backend == backends.VICTORIA_METRICS
    await source.aclose()


async def test_killed_prometheus_gives_errors_then_values_after_restart(
    prometheus: PrometheusServer,
) -> None:
    source = source_for(prometheus.url, kpi("up", interval=0.5), http=HttpOptions(timeout=1.0))
    assert (await read(source)).value == 1.0
    before_kill = await read(source)  # this run loads the history too
    assert before_kill.history

    prometheus.kill()
    error = await fail(source)
    assert error.kind is ErrorKind.UNREACHABLE

    prometheus.start()
    await asyncio.sleep(1.1)  # the outage outlasted two intervals: there is a gap to fill
    # VictoriaMetrics loses the samples it had not flushed when killed: wait for a scrape
    await asyncio.to_thread(prometheus.wait_for_series, 'up{job="exporter"} == 1')
    seen = record_requests(source)
    reading = await read(source)
    assert reading.value == 1.0
    assert [r.url.path for r in seen] == ["/api/v1/query"]  # the value first
    seen.clear()
    await read(source)
    ranges = [r for r in seen if r.url.path == "/api/v1/query_range"]
    assert len(ranges) == 1  # the gap, not the whole window
    assert float(ranges[0].url.params["start"]) == pytest.approx(before_kill.at, abs=0.001)
    assert float(ranges[0].url.params["end"]) == pytest.approx(reading.at, abs=0.001)
    await source.aclose()


# -- failures from loopback servers ---------------------------------------------------------


async def test_unreachable_port_is_unreachable() -> None:
    source = source_for(f"http://127.0.0.1:{refused_port()}", kpi("up"))
    error = await fail(source)
    assert error.kind is ErrorKind.UNREACHABLE
    assert "connection refused" in error.message
    await source.aclose()


@pytest.mark.integration
async def test_server_that_never_answers_times_out_within_the_timeout() -> None:
    with SilentServer() as silent:
        source = source_for(silent.url, kpi("up"), http=HttpOptions(timeout=0.5))
        started = time.monotonic()
        error = await fail(source)
        elapsed = time.monotonic() - started
        await source.aclose()
    assert error.kind is ErrorKind.TIMEOUT
    assert elapsed < source.jobs()[0].timeout


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html>maintenance</html>", id="not-json"),
        pytest.param(b'{"result": []}', id="json-without-status-and-data"),
        pytest.param(b"[1, 2, 3]", id="json-list"),
        pytest.param(
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": [{}]}}),
            id="vector-item-without-fields",
        ),
    ],
)
@pytest.mark.integration
async def test_body_that_is_not_prometheus_json_is_malformed(body: bytes | str) -> None:
    with CannedHttpServer(200, body) as server:
        source = source_for(server.url, kpi("up"))
        error = await fail(source)
        await source.aclose()
    assert error.kind is ErrorKind.MALFORMED


@pytest.mark.integration
async def test_proxy_error_page_is_an_http_error_with_its_status() -> None:
    with CannedHttpServer(502, b"<h1>Bad Gateway</h1>", content_type="text/html") as server:
        source = source_for(server.url, kpi("up"))
        error = await fail(source)
        await source.aclose()
    assert error.kind is ErrorKind.HTTP
    assert error.http_status == 502
    assert "Bad Gateway" in error.message


@pytest.mark.integration
async def test_execution_error_422_is_a_bad_query_with_its_message() -> None:
    body = {"status": "error", "errorType": "execution", "error": "many-to-many matching"}
    with CannedHttpServer(422, json.dumps(body)) as server:
        source = source_for(server.url, kpi("a / b"))
        error = await fail(source)
        await source.aclose()
    assert error.kind is ErrorKind.BAD_QUERY
    assert error.message == "many-to-many matching"


@pytest.mark.integration
async def test_bearer_token_is_sent_but_never_in_the_error() -> None:
    echoed = json.dumps({"status": "error", "errorType": "auth", "error": f"bad token {TOKEN}"})
    with CannedHttpServer(401, echoed) as server:
        http = HttpOptions(timeout=2.0, bearer_token=Secret(TOKEN))
        source = source_for(server.url, kpi("up"), http=http)
        error = await fail(source)
        await source.aclose()
        sent = server.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert error.kind is ErrorKind.AUTH
    assert TOKEN not in error.message and TOKEN not in str(error) and TOKEN not in repr(error)


@pytest.mark.integration
async def test_tenant_header_and_path_prefix_reach_a_mimir_style_api() -> None:
    with CannedHttpServer(200, json.dumps(VECTOR)) as server:
        http = HttpOptions(timeout=2.0, headers={"X-Scope-OrgID": "team-a"})
        source = source_for(f"{server.url}/prometheus/", kpi("up"), http=http, history=0)
        reading = await read(source)
        await source.aclose()
        sent = server.requests[-1]
    assert reading.value == 4.5
    assert sent.path == "/prometheus/api/v1/query"
    assert sent.params["query"] == ["up"]
    assert sent.headers["x-scope-orgid"] == "team-a"


async def test_client_raises_fetch_failed_with_the_classified_error() -> None:
    client = PrometheusClient(Datasource("default", f"http://127.0.0.1:{refused_port()}"))
    with pytest.raises(FetchFailed) as raised:
        await client.query_range("up", 0, 60, 15)
    assert raised.value.error.kind is ErrorKind.UNREACHABLE
    await client.aclose()
