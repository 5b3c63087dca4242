"""How long one search over a large runbook index takes (the cost of each keystroke in `/`).

Run: `python bench/search.py`. Prints figures; there is no pass or fail.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oncall_tui.runbooks.index import RunbookIndex  # noqa: E402
from oncall_tui.runbooks.search import build_search_index  # noqa: E402


def main() -> int:
    runbooks = RunbookIndex.load([ROOT / "runbooks"])
    services = [(f"svc{i}", f"Service {i}") for i in range(60)]
    big = RunbookIndex(runbooks.roots, runbooks.runbooks * 10)
    index = build_search_index(services, big)
    for query in ("kubectl rollout", "pool", "error rate", "xyzzy"):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            hits = index.search(query)
            times.append(time.perf_counter() - started)
        print(
            f"{query!r:>18}: {len(hits):3} hits, median {statistics.median(times) * 1e3:6.1f} ms, "
            f"max {max(times) * 1e3:6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
