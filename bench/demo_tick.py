"""How long the demo source takes per tick, and for its first tick with 30 min of history.

Run: `python bench/demo_tick.py`. Prints figures; there is no pass or fail.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_tui.sources.demo import DemoSource, demo_config  # noqa: E402

NOW = 1_700_000_000.0


async def run_all(jobs) -> int:
    """One tick; `jobs` come from one `jobs()` call, as the poller holds them."""
    results = await asyncio.gather(*(job.run() for job in jobs))
    return sum(len(r) for r in results)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    config = demo_config()
    jobs = DemoSource(config, lambda: NOW, seed=7).jobs()
    first = [
        timed(lambda i=i: asyncio.run(run_all(DemoSource(config, lambda: NOW + 997 * i, 7).jobs())))
        for i in range(5)
    ]
    asyncio.run(run_all(jobs))
    steady = [timed(lambda: asyncio.run(run_all(jobs))) for _ in range(30)]
    print(f"demo jobs: {len(jobs)}")
    print(f"first tick (30 min backfill): median {statistics.median(first) * 1e3:.1f} ms")
    print(f"steady tick: median {statistics.median(steady) * 1e3:.2f} ms, "
          f"max {max(steady) * 1e3:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
