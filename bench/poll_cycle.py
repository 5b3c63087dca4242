"""How long one poll of 10 services x 8 KPIs takes against a real Prometheus, and its floor.

Starts an exporter with series for 10 services and a Prometheus scraping it (the test
servers under tests/servers), builds the Prometheus source, the state and the poller, and
runs ticks of `poller.poll_once()`. For each tick it prints nothing; at the end it prints:

- the first tick (values only) and the second (values plus each KPI's 30 min of history)
- tick: time from the start of a tick until all 80 values are in the state
- floor: the slowest single HTTP request of the same tick (no tick can be faster than it)
- ratio tick / floor and overhead tick - floor (targets: under 1.5 and under 50 ms)
- HTTP requests per tick and the CPU time of the event loop's thread per tick
- the same 80 queries as 80 plain httpx GETs, for comparison
- the process's resident memory

Then the same again with 2 SLOs per service (availability and latency, the standard four
window pairs over 30 days: 8 windows each, 160 error-ratio queries in all), batched with
the KPIs: a full poll (every window, as at start-up and in `oncall status`), a steady tick
(only the jobs due every 5 s: the KPIs and the 5m, 30m and 1h windows; longer windows are
polled less often) and the requests per minute of the whole schedule, beside the same
figures without SLOs.

Run: `python bench/poll_cycle.py [--ticks 30] [--max-in-flight 8] [--max-batch 25]
[--no-slos]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_tui.config.model import (  # noqa: E402
    Config,
    Datasource,
    Direction,
    HttpOptions,
    Kpi,
    Level,
    Service,
    Slo,
    Thresholds,
)
from oncall_tui.config.slos import le_matcher  # noqa: E402
from oncall_tui.engine.poller import Poller  # noqa: E402
from oncall_tui.engine.state import DashboardState  # noqa: E402
from oncall_tui.sources.base import CheckKind  # noqa: E402
from oncall_tui.sources.prometheus import PrometheusSource  # noqa: E402
from oncall_tui.sources.prometheus.batch import MAX_BATCH  # noqa: E402
from oncall_tui.status import Status  # noqa: E402
from tests.servers.exporter import Exporter, drive_services  # noqa: E402
from tests.servers.prometheus import PrometheusServer  # noqa: E402

SERVICES = 10
REFRESH = 5.0


def slos(prefix: str) -> tuple[Slo, ...]:
    """Availability and latency SLOs of one service, on the standard windows."""
    calls = f"{prefix}_grpc_calls_total"
    buckets = f"{prefix}_grpc_call_duration_seconds_bucket"
    fast = f"{buckets}{{{le_matcher(0.025)}}}"
    every = f'{buckets}{{le="+Inf"}}'
    return (
        Slo(
            name="availability",
            objective=0.999,
            error_ratio=(
                f'sum(rate({calls}{{status_code!="OK"}}[$window])) / sum(rate({calls}[$window]))'
            ),
            interval=REFRESH,
        ),
        Slo(
            name="latency",
            objective=0.99,
            error_ratio=f"1 - (sum(rate({fast}[$window])) / sum(rate({every}[$window])))",
            sli="latency",
            interval=REFRESH,
        ),
    )


def kpis(prefix: str) -> tuple[Kpi, ...]:
    calls = f"{prefix}_grpc_calls_total"
    buckets = f"{prefix}_grpc_call_duration_seconds_bucket"
    hits, misses = f"{prefix}_cache_hit_total", f"{prefix}_cache_miss_total"

    def above(warn: float, crit: float) -> Thresholds:
        return Thresholds((Level("warn", warn, Status.WARN), Level("crit", crit, Status.CRIT)))

    below = Thresholds(
        (Level("warn", 0.8, Status.WARN), Level("crit", 0.7, Status.CRIT)), Direction.BELOW
    )
    quantile = "histogram_quantile({q}, sum by (le) (rate(" + buckets + "[1m])))"
    return (
        Kpi("request_rate", f"sum(rate({calls}[1m]))"),
        Kpi("latency_p50", quantile.format(q=0.5), thresholds=above(0.01, 0.02)),
        Kpi("latency_p95", quantile.format(q=0.95), thresholds=above(0.02, 0.05)),
        Kpi("latency_p99", quantile.format(q=0.99), thresholds=above(0.05, 0.1)),
        Kpi(
            "error_rate",
            f'sum(rate({calls}{{status_code!="OK"}}[1m])) / sum(rate({calls}[1m]))',
            thresholds=above(0.001, 0.01),
        ),
        Kpi(
            "cache_hit_rate",
            f"sum(rate({hits}[1m])) / (sum(rate({hits}[1m])) + sum(rate({misses}[1m])))",
            thresholds=below,
        ),
        Kpi(
            "pool_usage",
            f"{prefix}_db_pool_active_connections / {prefix}_db_pool_max_connections",
            thresholds=above(0.8, 0.9),
        ),
        Kpi("queue_depth", f"max({prefix}_queue_depth)", thresholds=above(50, 100)),
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(
    url: str, prefixes: list[str], ticks: int, max_in_flight: int, max_batch: int
) -> dict[str, float]:
    datasource = Datasource(
        "default", url, http=HttpOptions(timeout=3.0), max_in_flight=max_in_flight, history=1800
    )
    services = [Service(p, p, "default", kpis=kpis(p)) for p in prefixes]
    return await _measure(url, datasource, services, ticks, max_in_flight, max_batch)


async def _measure(
    url: str,
    datasource: Datasource,
    services: list[Service],
    ticks: int,
    max_in_flight: int,
    max_batch: int,
) -> dict[str, float]:
    """The figures of one configuration; printed, and returned for the SLO comparison."""
    config = Config(path=None, datasources={"default": datasource}, services={
        s.name: s for s in services
    })  # fmt: skip
    state = DashboardState(config)
    source = PrometheusSource(datasource, services, time.time, max_batch=max_batch)
    poller = Poller([source], state)

    # Time each HTTP request (GET or POST) inside the concurrency cap: the floor of a tick.
    durations: list[float] = []
    original_send = source.client.http.send

    async def timed_send(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original_send(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    source.client.http.send = timed_send  # type: ignore[method-assign]

    warmup = []
    for _ in range(2):  # values only, then values and the history window before them
        durations.clear()
        started = time.perf_counter()
        await poller.poll_once()
        warmup.append((time.perf_counter() - started, len(durations)))
        await asyncio.sleep(0.2)

    tick_times, floors, requests, cpu = [], [], [], []
    for _ in range(ticks):
        durations.clear()
        tick_start = time.time()
        started, cpu_started = time.perf_counter(), time.thread_time()
        await poller.poll_once()
        elapsed = time.perf_counter() - started
        cpu.append(time.thread_time() - cpu_started)
        requests.append(len(durations))
        checks = [c for s in state.snapshot().services for c in s.of_kind(CheckKind.KPI)]
        fresh = [c for c in checks if c.updated_at is not None and c.updated_at >= tick_start]
        if len(fresh) != SERVICES * 8 or any(c.value is None for c in fresh):
            errors = {str(c.id): c.error for c in checks if c.error is not None}
            raise SystemExit(f"only {len(fresh)} of {SERVICES * 8} values fresh; {errors}")
        tick_times.append(elapsed)
        floors.append(max(durations))
        await asyncio.sleep(0.2)
    await poller.aclose()
    queries = [k.query for s in services for k in s.kpis]
    bare, bare_cpu = await bare_httpx(url, queries, max_in_flight, ticks)

    ratios = [t / f for t, f in zip(tick_times, floors, strict=True)]
    overheads = [t - f for t, f in zip(tick_times, floors, strict=True)]
    ms = 1000.0
    print(f"{SERVICES} services x 8 KPIs = {SERVICES * 8} queries a tick, {len(poller.jobs)} "
          f"batches, max_in_flight {max_in_flight}, max_batch {max_batch}, "
          f"{ticks} ticks")  # fmt: skip
    print(f"first tick (values only): {warmup[0][0] * ms:.0f} ms, {warmup[0][1]} requests; "
          f"second (values + 30 min history): {warmup[1][0] * ms:.0f} ms, "
          f"{warmup[1][1]} requests")  # fmt: skip
    print(f"tick to all values in state: median {statistics.median(tick_times) * ms:.1f} ms, "
          f"p95 {percentile(tick_times, 95) * ms:.1f} ms")  # fmt: skip
    print(f"slowest single query (floor): median {statistics.median(floors) * ms:.1f} ms, "
          f"p95 {percentile(floors, 95) * ms:.1f} ms")  # fmt: skip
    print(f"ratio tick / floor: median {statistics.median(ratios):.2f}, "
          f"p95 {percentile(ratios, 95):.2f} (target < 1.5)")  # fmt: skip
    print(f"overhead tick - floor: median {statistics.median(overheads) * ms:.1f} ms, "
          f"p95 {percentile(overheads, 95) * ms:.1f} ms (target < 50 ms)")  # fmt: skip
    print(f"HTTP requests per tick: median {statistics.median(requests):.0f}; event loop CPU "
          f"per tick: median {statistics.median(cpu) * ms:.1f} ms")  # fmt: skip
    print(f"for comparison, the {len(queries)} queries as plain httpx GETs, same cap: median "
          f"{statistics.median(bare) * ms:.1f} ms, CPU {statistics.median(bare_cpu) * ms:.1f} ms "
          f"a tick")  # fmt: skip
    print(f"process RSS: {rss_mb():.0f} MB")
    return {
        "full_tick": statistics.median(tick_times),
        "full_requests": statistics.median(requests),
        "cpu": statistics.median(cpu),
        "batches": len(poller.jobs),
    }


async def measure_slos(
    url: str, prefixes: list[str], ticks: int, max_in_flight: int, max_batch: int
) -> dict[str, dict[str, float]]:
    """A full poll and a steady tick (the jobs due every REFRESH s), with and without SLOs."""
    datasource = Datasource(
        "default", url, http=HttpOptions(timeout=3.0), max_in_flight=max_in_flight, history=0
    )
    figures: dict[str, dict[str, float]] = {}
    for label, with_slos in (("without SLOs", False), ("with 2 SLOs each", True)):
        services = [
            Service(p, p, "default", kpis=kpis(p), slos=slos(p) if with_slos else ())
            for p in prefixes
        ]
        config = Config(
            path=None, datasources={"default": datasource}, services={s.name: s for s in services}
        )
        state = DashboardState(config)
        source = PrometheusSource(datasource, services, time.time, max_batch=max_batch)
        poller = Poller([source], state)
        sent: list[float] = []
        original_send = source.client.http.send

        async def counted_send(
            *args: Any, _send: Any = original_send, _sent: list[float] = sent, **kwargs: Any
        ) -> Any:
            _sent.append(time.perf_counter())
            return await _send(*args, **kwargs)

        source.client.http.send = counted_send  # type: ignore[method-assign]
        await poller.poll_once()  # warm the connections
        steady = [j for j in source.jobs() if j.interval == REFRESH]
        full_times, full_requests, steady_times, steady_requests = [], [], [], []
        for _ in range(ticks):
            sent.clear()
            started = time.perf_counter()
            await poller.poll_once()
            full_times.append(time.perf_counter() - started)
            full_requests.append(len(sent))
            await asyncio.sleep(0.1)
            sent.clear()
            started = time.perf_counter()
            for observations in await asyncio.gather(*(j.run() for j in steady)):
                state.apply(observations)
            steady_times.append(time.perf_counter() - started)
            steady_requests.append(len(sent))
            await asyncio.sleep(0.1)
        broken = [
            str(c.id)
            for s in state.snapshot().services
            for c in s.checks
            if c.error is not None or c.updated_at is None
        ]
        if broken:
            raise SystemExit(f"{label}: checks without data: {broken[:5]}")
        # one request per batch job a run; the schedule: each job every `interval` seconds
        per_minute = sum(60.0 / j.interval for j in source.jobs())
        await poller.aclose()
        figures[label] = {
            "jobs": len(source.jobs()),
            "full_requests": statistics.median(full_requests),
            "full_tick": statistics.median(full_times),
            "steady_requests": statistics.median(steady_requests),
            "steady_tick": statistics.median(steady_times),
            "per_minute": per_minute,
        }
    ms = 1000.0
    print()
    print(f"SLOs: {len(prefixes)} services x 8 KPIs, and x 2 SLOs x 8 windows (standard pairs "
          f"over 30 d); refresh {REFRESH:g} s, {ticks} ticks")  # fmt: skip
    print(f"{'':18} {'batch jobs':>10} {'full poll':>22} {'steady 5 s tick':>22} "
          f"{'requests/min':>12}")  # fmt: skip
    for label, f in figures.items():
        print(f"{label:18} {f['jobs']:>10.0f} {f['full_requests']:>6.0f} req "
              f"{f['full_tick'] * ms:>8.1f} ms   {f['steady_requests']:>6.0f} req "
              f"{f['steady_tick'] * ms:>8.1f} ms   {f['per_minute']:>12.1f}")  # fmt: skip
    return figures


async def bare_httpx(
    url: str, queries: list[str], limit: int, ticks: int
) -> tuple[list[float], list[float]]:
    """The same instant queries, one request each, through a plain client: time and CPU."""
    import httpx

    cap = asyncio.Semaphore(limit)
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=limit)) as c:

        async def one(query: str) -> None:
            async with cap:
                (await c.get("/api/v1/query", params={"query": query})).json()

        times, cpu = [], []
        for _ in range(ticks):
            started, cpu_started = time.perf_counter(), time.thread_time()
            await asyncio.gather(*(one(q) for q in queries))
            times.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
            await asyncio.sleep(0.2)
    return times, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--max-in-flight", type=int, default=8)
    parser.add_argument("--max-batch", type=int, default=MAX_BATCH)
    parser.add_argument("--no-slos", action="store_true", help="skip the SLO comparison")
    args = parser.parse_args()

    prefixes = [f"svc{i}" for i in range(SERVICES)]
    exporter = Exporter(prefixes)
    stop = threading.Event()
    driver = threading.Thread(target=drive_services, args=(exporter, prefixes, stop), daemon=True)
    driver.start()
    server = PrometheusServer([exporter.target])
    try:
        # Rates need two scrapes of moving counters; histogram quantiles need rates.
        server.wait_for_series(f"sum(rate({prefixes[-1]}_grpc_calls_total[1m])) > 0", 30)
        asyncio.run(measure(server.url, prefixes, args.ticks, args.max_in_flight, args.max_batch))
        if not args.no_slos:
            asyncio.run(
                measure_slos(server.url, prefixes, args.ticks, args.max_in_flight, args.max_batch)
            )
    finally:
        stop.set()
        server.close()
        exporter.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
