"""The Prometheus source asks for many KPIs in one request, against a real Prometheus.

Every request is counted on the source's own transport. Values, labels and errors of a
batched KPI are compared with what the same KPI gives when it is queried on its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qs

import httpx
import pytest
from servers.canned import CannedHttpServer
from servers.exporter import Exporter
from servers.process import refused_port
from servers.prometheus import PrometheusServer

from oncall_tui.config.model import (
    Baseline,
    Datasource,
    Direction,
    HttpOptions,
    Kpi,
    Service,
    Thresholds,
)
from oncall_tui.sources.base import ErrorKind, FetchError, Observation, Reading
from oncall_tui.sources.prometheus import PrometheusSource
from oncall_tui.sources.prometheus.batch import BATCH_LABEL, plan_batches

POOL_RATIO = "cqar_db_pool_active_connections / cqar_db_pool_max_connections"
BROKEN = "sum(rate(cqar_grpc_calls_total[5m])"


def kpi(
    key: str,
    query: str,
    *,
    direction: Direction = Direction.ABOVE,
    interval: float = 5.0,
    baseline: Baseline | None = None,
) -> Kpi:
    return Kpi(
        key, query, interval=interval, thresholds=Thresholds((), direction, baseline=baseline)
    )


def source_for(
    url: str, kpis: Sequence[Kpi], *, history: float = 0.0, timeout: float = 2.0
) -> PrometheusSource:
    datasource = Datasource("default", url, http=HttpOptions(timeout=timeout), history=history)
    service = Service("cqar", "CQAR", "default", kpis=tuple(kpis))
    return PrometheusSource(datasource, [service], time.time)


def record_requests(source: PrometheusSource) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    source.client.http.event_hooks["request"].append(hook)
    return seen


def params(request: httpx.Request) -> dict[str, str]:
    """The API parameters of a request, from its URL (GET) or its form body (POST)."""
    found = {k: v for k, v in request.url.params.items()}
    if request.method == "POST":
        found.update({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
    return found


async def tick(source: PrometheusSource) -> dict[str, Reading | FetchError]:
    """Run every job once; each KPI's outcome by its key."""
    found: dict[str, Reading | FetchError] = {}
    for job in source.jobs():
        observations: Sequence[Observation] = await job.run()
        assert [o.check for o in observations] == list(job.checks)
        found.update((o.check.key, o.outcome) for o in observations)
    return found


async def alone(url: str, k: Kpi) -> Reading | FetchError:
    """The KPI's outcome when it is the only KPI of its source (its plain query)."""
    source = source_for(url, [k])
    try:
        return (await tick(source))[k.key]
    finally:
        await source.aclose()


def instant_requests(seen: Sequence[httpx.Request]) -> list[dict[str, str]]:
    return [params(r) for r in seen if r.url.path == "/api/v1/query"]


@pytest.fixture(scope="module")
def gauges(module_exporter: Exporter, module_prometheus: PrometheusServer) -> Iterator[str]:
    """Gauges that stay put for the module, so single and batched answers can be compared."""
    for queue, depth in (("audit", 5), ("ingest", 40), ("events", 12)):
        module_exporter.queue_depth(depth, queue=queue)
    module_exporter.pool(7, 10)
    module_prometheus.wait_for_series("cqar_queue_depth", count=3)
    module_prometheus.wait_for_series("cqar_db_pool_active_connections == 7")
    yield module_prometheus.url


EIGHT = (
    kpi("queue_worst", "cqar_queue_depth"),
    kpi("queue_lowest", "cqar_queue_depth", direction=Direction.BELOW),
    kpi("queue_by_name", "sum by (queue) (cqar_queue_depth)"),
    kpi("queue_max", "max(cqar_queue_depth)"),
    kpi("pool_usage", POOL_RATIO),
    kpi("up", 'up{job="exporter"}'),
    kpi("seven", "vector(7)"),
    kpi("commented", "count(cqar_queue_depth) # a trailing comment"),
)


# -- one request for many KPIs -------------------------------------------------------------


async def test_eight_kpis_are_one_instant_request_per_tick(gauges: str) -> None:
    source = source_for(gauges, EIGHT)
    assert len(source.jobs()) == 1
    seen = record_requests(source)
    for _ in range(3):
        seen.clear()
        outcomes = await tick(source)
        assert len(seen) == 1
        (sent,) = instant_requests(seen)
        assert sent["query"].count(BATCH_LABEL) == 8
        assert all(isinstance(o, Reading) for o in outcomes.values()), outcomes
    await source.aclose()


async def test_a_long_batch_is_a_form_post_and_a_short_query_a_get(gauges: str) -> None:
    kpis = [kpi(f"q{i}", f'max(cqar_queue_depth{{queue!="not-{i}"}})') for i in range(25)]
    source = source_for(gauges, [*kpis, kpi("up", "up", interval=7.0)])
    seen = record_requests(source)
    outcomes = await tick(source)
    await source.aclose()
    assert {o.value for o in outcomes.values() if isinstance(o, Reading)} == {40.0, 1.0}
    long, short = seen
    assert long.method == "POST"  # no proxy in between cuts a long URL
    assert long.headers["content-type"] == "application/x-www-form-urlencoded"
    assert params(long)["query"].count(BATCH_LABEL) == 25
    assert (short.method, short.url.params["query"]) == ("GET", "up")


def test_the_form_body_is_urlencoded_whatever_the_query_holds() -> None:
    """The query's encoding is kept between ticks; what goes out is still urlencode's."""
    from urllib.parse import urlencode

    from oncall_tui.sources.prometheus.client import _form

    queries = [
        'sum(rate(x{a="b c", d=~"e|f"}[1m])) / 2 + 1',
        "a & b = c + d % e # comment\n or vector(1)",
        'label_replace(up, "x", "é ✖", "", "")',
    ]
    for query in queries:
        for params in (
            {"query": query},
            {"query": query, "time": "1700000000.125"},
            {"query": query, "start": "1", "end": "2", "step": "0.500"},
        ):
            assert _form(params) == urlencode(params), params
            assert parse_qs(_form(params))["query"] == [query]


async def test_batched_values_labels_and_counts_equal_the_single_queries(gauges: str) -> None:
    source = source_for(gauges, EIGHT)
    batched = await tick(source)
    await source.aclose()
    for k in EIGHT:
        single, together = await alone(gauges, k), batched[k.key]
        assert isinstance(single, Reading) and isinstance(together, Reading), (single, together)
        assert together.value == single.value, k.key
        assert together.labels == single.labels, k.key
        assert together.series_count == single.series_count, k.key
        assert BATCH_LABEL not in together.labels


async def test_worst_series_and_its_labels_are_picked_per_kpi_after_the_split(
    gauges: str, module_exporter: Exporter
) -> None:
    source = source_for(gauges, EIGHT)
    outcomes = await tick(source)
    await source.aclose()
    worst, lowest = outcomes["queue_worst"], outcomes["queue_lowest"]
    assert isinstance(worst, Reading) and isinstance(lowest, Reading)
    assert (worst.value, worst.labels["queue"], worst.series_count) == (40.0, "ingest", 3)
    assert (lowest.value, lowest.labels["queue"], lowest.series_count) == (5.0, "audit", 3)
    assert worst.labels == {
        "__name__": "cqar_queue_depth",
        "instance": module_exporter.target,
        "job": "exporter",
        "queue": "ingest",
    }
    seven = outcomes["seven"]
    assert isinstance(seven, Reading) and (seven.value, seven.labels) == (7.0, {})
    commented = outcomes["commented"]
    assert isinstance(commented, Reading) and commented.value == 3.0


# -- a query that cannot share a batch -----------------------------------------------------


async def test_a_broken_query_fails_alone_in_prometheus_words_then_runs_alone(
    gauges: str,
) -> None:
    kpis = (
        kpi("queue_max", "max(cqar_queue_depth)"),
        kpi("broken", BROKEN),
        kpi("pool_usage", POOL_RATIO),
        kpi("seven", "vector(7)"),
    )
    source = source_for(gauges, kpis)
    seen = record_requests(source)
    expected = await alone(gauges, kpis[1])
    assert isinstance(expected, FetchError) and "parse error" in expected.message

    first = await tick(source)
    assert first["broken"] == expected  # the message of the query alone, not of the batch
    assert first["broken"].kind is ErrorKind.BAD_QUERY and first["broken"].http_status == 400
    assert {k: o.value for k, o in first.items() if isinstance(o, Reading)} == {
        "queue_max": 40.0,
        "pool_usage": pytest.approx(0.7),
        "seven": 7.0,
    }
    assert len(seen) == 1 + 4  # the rejected batch, then each KPI on its own

    for _ in range(2):  # from now on: the others together, the broken one alone
        seen.clear()
        later = await tick(source)
        assert later["broken"] == expected
        assert all(isinstance(later[k], Reading) for k in ("queue_max", "pool_usage", "seven"))
        queries = sorted((p["query"] for p in instant_requests(seen)), key=len)
        assert len(seen) == 2
        assert queries[0] == BROKEN
        assert queries[1].count(BATCH_LABEL) == 3 and "cqar_grpc_calls_total" not in queries[1]
    await source.aclose()


async def test_range_vector_query_in_a_batch_is_a_bad_query_for_that_kpi_only(
    gauges: str,
) -> None:
    source = source_for(gauges, (kpi("range", "cqar_queue_depth[1m]"), kpi("seven", "vector(7)")))
    outcomes = await tick(source)
    await source.aclose()
    error = outcomes["range"]
    assert isinstance(error, FetchError) and error.kind is ErrorKind.BAD_QUERY
    assert "range vector" in error.message
    assert isinstance(outcomes["seven"], Reading) and outcomes["seven"].value == 7.0


async def test_scalar_queries_have_values_and_run_alone_after_the_first_tick(gauges: str) -> None:
    kpis = (
        kpi("scalar_of_max", "scalar(max(cqar_queue_depth))"),
        kpi("vector_one", "vector(1)"),
        kpi("number", "42"),
        kpi("queue_max", "max(cqar_queue_depth)"),
        kpi("scalar_math", "scalar(vector(3)) * 2"),
    )
    expected = {"scalar_of_max": 40.0, "vector_one": 1.0, "number": 42.0, "queue_max": 40.0,
                "scalar_math": 6.0}  # fmt: skip
    source = source_for(gauges, kpis)
    seen = record_requests(source)
    for _ in range(3):
        seen.clear()
        outcomes = await tick(source)
        assert {k: getattr(o, "value", o) for k, o in outcomes.items()} == expected
    # Settled: vector(1) and max(...) share a request; the three scalars go alone.
    queries = instant_requests(seen)
    assert len(queries) == 4
    assert sorted(q["query"] for q in queries if BATCH_LABEL not in q["query"]) == [
        "42",
        "scalar(max(cqar_queue_depth))",
        "scalar(vector(3)) * 2",
    ]
    await source.aclose()


# -- failures that are not the query's -----------------------------------------------------


async def test_unreachable_prometheus_is_one_request_and_an_error_for_every_kpi() -> None:
    source = source_for(f"http://127.0.0.1:{refused_port()}", EIGHT)
    seen = record_requests(source)
    outcomes = await tick(source)
    await source.aclose()
    assert len(seen) == 1
    assert len(outcomes) == 8
    assert {o.kind for o in outcomes.values() if isinstance(o, FetchError)} == {
        ErrorKind.UNREACHABLE
    }
    assert all(isinstance(o, FetchError) for o in outcomes.values())


@pytest.mark.integration
async def test_server_error_hits_the_whole_batch_without_reruns() -> None:
    body = json.dumps({"status": "error", "errorType": "internal", "error": "storage down"})
    with CannedHttpServer(503, body) as server:
        source = source_for(server.url, (kpi("a", "up"), kpi("b", "vector(1)")))
        outcomes = await tick(source)
        await source.aclose()
        sent = list(server.requests)
    assert len(sent) == 1
    assert outcomes["a"] == outcomes["b"]
    assert isinstance(outcomes["a"], FetchError) and outcomes["a"].kind is ErrorKind.HTTP
    assert outcomes["a"].message == "storage down"


@pytest.mark.integration
async def test_queries_rejected_alone_too_keep_running_alone_and_reporting() -> None:
    body = json.dumps({"status": "error", "errorType": "execution", "error": "many-to-many"})
    with CannedHttpServer(422, body) as server:
        source = source_for(server.url, (kpi("a", "a / b"), kpi("b", "c / d")))
        first = await tick(source)
        assert len(server.requests) == 1 + 2
        second = await tick(source)
        await source.aclose()
        later = server.requests[3:]
    # the two run alone and at once: which request arrives first is up to the scheduler
    assert sorted(p.params["query"][0] for p in later) == ["a / b", "c / d"]
    for outcomes in (first, second):
        assert {k: (o.kind, o.message) for k, o in outcomes.items()} == {  # type: ignore[union-attr]
            "a": (ErrorKind.BAD_QUERY, "many-to-many"),
            "b": (ErrorKind.BAD_QUERY, "many-to-many"),
        }


@pytest.mark.integration
async def test_batch_answer_without_the_tag_is_malformed() -> None:
    answer = {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "1"]}]},
    }
    with CannedHttpServer(200, json.dumps(answer)) as server:
        source = source_for(server.url, (kpi("a", "up"), kpi("b", "vector(1)")))
        outcomes = await tick(source)
        await source.aclose()
    assert {o.kind for o in outcomes.values() if isinstance(o, FetchError)} == {ErrorKind.MALFORMED}
    assert len(outcomes) == 2


# -- history and baseline, batched too -----------------------------------------------------


async def test_history_of_a_batch_is_one_range_request_on_the_second_tick_only(
    gauges: str,
) -> None:
    kpis = (
        kpi("three", "vector(3)", interval=0.4),
        kpi("five", "vector(5)", interval=0.4),
        kpi("up", 'up{job="exporter"}', interval=0.4),
        kpi("nine", "scalar(vector(9))", interval=0.4),  # a scalar: its range goes alone
    )
    source = source_for(gauges, kpis, history=60.0)
    seen = record_requests(source)

    first = await tick(source)
    assert {r.url.path for r in seen} == {"/api/v1/query"}
    assert all(isinstance(o, Reading) and o.history == () for o in first.values())

    seen.clear()
    second = await tick(source)
    ranges = [params(r) for r in seen if r.url.path == "/api/v1/query_range"]
    assert len(ranges) == 2  # the three vectors together, the scalar alone
    assert sorted(r["query"].count(BATCH_LABEL) for r in ranges) == [0, 3]
    assert len(instant_requests(seen)) == 2
    for key, value in (("three", 3.0), ("five", 5.0), ("up", 1.0), ("nine", 9.0)):
        reading, before = second[key], first[key]
        assert isinstance(reading, Reading) and isinstance(before, Reading)
        assert reading.history, key
        assert {v for _, v in reading.history} == {value}, key
        assert all(t < before.at for t, _ in reading.history), key

    seen.clear()
    third = await tick(source)
    assert {r.url.path for r in seen} == {"/api/v1/query"}
    assert all(isinstance(o, Reading) and o.history == () for o in third.values())
    await source.aclose()


async def test_baselines_of_a_batch_are_one_request_at_the_offset(gauges: str) -> None:
    kpis = (
        kpi("now", "vector(time())", baseline=Baseline(600.0)),
        kpi("now_too", "vector(time()) + 1", baseline=Baseline(600.0)),
        kpi("seven", "vector(7)"),
    )
    source = source_for(gauges, kpis)
    seen = record_requests(source)
    outcomes = await tick(source)
    await source.aclose()
    timed = [p for p in instant_requests(seen) if "time" in p]
    assert len(seen) == 2 and len(timed) == 1
    assert timed[0]["query"].count(BATCH_LABEL) == 2
    for key in ("now", "now_too"):
        reading = outcomes[key]
        assert isinstance(reading, Reading)
        assert reading.value is not None and reading.baseline is not None
        assert reading.value - reading.baseline == pytest.approx(600.0, abs=2.0)
    seven = outcomes["seven"]
    assert isinstance(seven, Reading) and seven.baseline is None


# -- planning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "max_in_flight", "sizes"),
    [
        (80, 8, [20, 20, 20, 20]),
        (8, 8, [8]),
        (26, 8, [13, 13]),
        (300, 8, [38, 38, 38, 38, 37, 37, 37, 37]),  # never more batches than can run at once
        (5, 0, [5]),
        (0, 8, []),
    ],
)
def test_batches_are_few_nearly_equal_and_keep_the_order(
    count: int, max_in_flight: int, sizes: list[int]
) -> None:
    items = list(range(count))
    batches = plan_batches(items, max_in_flight)
    assert [len(b) for b in batches] == sizes
    assert [i for b in batches for i in b] == items


def test_ten_services_of_eight_kpis_are_four_jobs_and_intervals_never_share_one() -> None:
    datasource = Datasource("main", "http://127.0.0.1:1")
    services = [
        Service(f"svc{i}", f"svc{i}", "main", kpis=tuple(kpi(f"k{j}", "up") for j in range(8)))
        for i in range(10)
    ]
    slow = Service("slow", "slow", "main", kpis=(kpi("k", "up", interval=30.0),))
    source = PrometheusSource(datasource, [*services, slow], time.time)
    jobs = source.jobs()
    assert [(job.key, len(job.checks)) for job in jobs] == [
        ("prometheus:main:5s:batch0", 20),
        ("prometheus:main:5s:batch1", 20),
        ("prometheus:main:5s:batch2", 20),
        ("prometheus:main:5s:batch3", 20),
        ("prometheus:main:30s:batch0", 1),
    ]
    assert len({c for job in jobs for c in job.checks}) == 81


async def test_queries_that_only_fail_together_stop_sharing_a_request(
    prometheus_factory, module_exporter: Exporter, gauges: str
) -> None:
    # A per-query sample limit: each query alone fits, the two together do not.
    server = prometheus_factory([module_exporter.target], extra_args=["--query.max-samples=4"])
    server.wait_for_series("cqar_queue_depth", count=3)
    kpis = (
        kpi("worst", "cqar_queue_depth"),
        kpi("lowest", "cqar_queue_depth", direction=Direction.BELOW),
    )
    source = source_for(server.url, kpis)
    seen = record_requests(source)
    first = await tick(source)
    assert len(seen) == 1 + 2
    seen.clear()
    second = await tick(source)
    await source.aclose()
    assert [p["query"] for p in instant_requests(seen)] == ["cqar_queue_depth"] * 2
    for outcomes in (first, second):
        assert {k: getattr(o, "value", o) for k, o in outcomes.items()} == {
            "worst": 40.0,
            "lowest": 5.0,
        }
