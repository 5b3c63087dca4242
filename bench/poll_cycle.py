"""How long one poll of 10 services x 8 KPIs takes against a real Prometheus, and its floor.

Starts an exporter with series for 10 services and a Prometheus scraping it (the test
servers under tests/servers), builds the Prometheus source, the state and the poller, and
runs ticks of `poller.poll_once()`. For each tick it prints nothing; at the end it prints:

- tick: time from the start of a tick until all 80 values are in the state
- floor: the slowest single HTTP query of the same tick (no tick can be faster than it)
- ratio tick / floor and overhead tick - floor (targets: under 1.5 and under 50 ms)
- the process's resident memory

Run: `python bench/poll_cycle.py [--ticks 30] [--max-in-flight 8]`.
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
    Thresholds,
)
from oncall_tui.engine.poller import Poller  # noqa: E402
from oncall_tui.engine.state import DashboardState  # noqa: E402
from oncall_tui.engine.status import Status  # noqa: E402
from oncall_tui.sources.prometheus import PrometheusSource  # noqa: E402
from tests.servers.exporter import Exporter  # noqa: E402
from tests.servers.prometheus import PrometheusServer  # noqa: E402

SERVICES = 10


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


def drive(exporter: Exporter, prefixes: list[str], stop: threading.Event) -> None:
    """Keep counters moving so that rates and quantiles have values."""
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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(url: str, prefixes: list[str], ticks: int, max_in_flight: int) -> None:
    datasource = Datasource(
        "default", url, http=HttpOptions(timeout=3.0), max_in_flight=max_in_flight, history=1800
    )
    services = [Service(p, p, "default", kpis=kpis(p)) for p in prefixes]
    config = Config(path=None, datasources={"default": datasource}, services={
        s.name: s for s in services
    })  # fmt: skip
    state = DashboardState(config)
    source = PrometheusSource(datasource, services, time.time)
    poller = Poller([source], state)

    # Time each HTTP query inside the concurrency cap: the floor of a tick.
    durations: list[float] = []
    original_get = source.client.http.get

    async def timed_get(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original_get(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    source.client.http.get = timed_get  # type: ignore[method-assign]

    started = time.perf_counter()
    await poller.poll_once()  # the first tick also loads 30 min of history per KPI
    first = time.perf_counter() - started

    tick_times, floors = [], []
    for _ in range(ticks):
        durations.clear()
        tick_start = time.time()
        started = time.perf_counter()
        await poller.poll_once()
        elapsed = time.perf_counter() - started
        checks = [c for s in state.snapshot().services for c in s.checks]
        fresh = [c for c in checks if c.updated_at is not None and c.updated_at >= tick_start]
        if len(fresh) != SERVICES * 8 or any(c.value is None for c in fresh):
            errors = {str(c.id): c.error for c in checks if c.error is not None}
            raise SystemExit(f"only {len(fresh)} of {SERVICES * 8} values fresh; {errors}")
        tick_times.append(elapsed)
        floors.append(max(durations))
        await asyncio.sleep(0.2)
    await poller.aclose()
    bare = await bare_httpx(url, [k.query for s in services for k in s.kpis], max_in_flight, ticks)

    ratios = [t / f for t, f in zip(tick_times, floors, strict=True)]
    overheads = [t - f for t, f in zip(tick_times, floors, strict=True)]
    ms = 1000.0
    print(f"{SERVICES} services x 8 KPIs = {SERVICES * 8} queries a tick, max_in_flight "
          f"{max_in_flight}, {ticks} ticks")  # fmt: skip
    print(f"first tick (with 30 min history, {SERVICES * 8} range queries): {first * ms:.0f} ms")
    print(f"tick to all values in state: median {statistics.median(tick_times) * ms:.1f} ms, "
          f"p95 {percentile(tick_times, 95) * ms:.1f} ms")  # fmt: skip
    print(f"slowest single query (floor): median {statistics.median(floors) * ms:.1f} ms, "
          f"p95 {percentile(floors, 95) * ms:.1f} ms")  # fmt: skip
    print(f"ratio tick / floor: median {statistics.median(ratios):.2f}, "
          f"p95 {percentile(ratios, 95):.2f} (target < 1.5)")  # fmt: skip
    print(f"overhead tick - floor: median {statistics.median(overheads) * ms:.1f} ms, "
          f"p95 {percentile(overheads, 95) * ms:.1f} ms (target < 50 ms)")  # fmt: skip
    print(f"bare httpx, same queries, same cap, no source/state: median "
          f"{statistics.median(bare) * ms:.1f} ms; poller+source+state cost over it: "
          f"{(statistics.median(tick_times) - statistics.median(bare)) * ms:+.1f} ms")  # fmt: skip
    print(f"process RSS: {rss_mb():.0f} MB")


async def bare_httpx(url: str, queries: list[str], limit: int, ticks: int) -> list[float]:
    """The same instant queries through a plain client: what HTTP alone costs per tick."""
    import httpx

    cap = asyncio.Semaphore(limit)
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=limit)) as c:

        async def one(query: str) -> None:
            async with cap:
                (await c.get("/api/v1/query", params={"query": query})).json()

        times = []
        for _ in range(ticks):
            started = time.perf_counter()
            await asyncio.gather(*(one(q) for q in queries))
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.2)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--max-in-flight", type=int, default=8)
    args = parser.parse_args()

    prefixes = [f"svc{i}" for i in range(SERVICES)]
    exporter = Exporter(prefixes)
    stop = threading.Event()
    driver = threading.Thread(target=drive, args=(exporter, prefixes, stop), daemon=True)
    driver.start()
    server = PrometheusServer([exporter.target])
    try:
        # Rates need two scrapes of moving counters; histogram quantiles need rates.
        server.wait_for_series(f"sum(rate({prefixes[-1]}_grpc_calls_total[1m])) > 0", 30)
        asyncio.run(measure(server.url, prefixes, args.ticks, args.max_in_flight))
    finally:
        stop.set()
        server.close()
        exporter.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
