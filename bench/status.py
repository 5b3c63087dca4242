"""`oncall status` against the shell script an on-call engineer would write instead.

Starts a real /usr/bin/prometheus scraping a `prometheus_client` exporter (the test servers
under tests/servers), writes configs of 1, 5, 20, 80 and 200 KPIs (7 KPIs per service, the
shapes of bench/ui.py) and times, side by side in one run:

- `oncall status --config <cfg> --format json` (the installed console script);
- a sequential `curl -s --data-urlencode query=... /api/v1/query | jq` loop over the same
  queries (the shape of the diagnose scripts in operations guides), run by bash;
- for one KPI also `promtool query instant` on the same query, and the floor of any
  `oncall status` built on asyncio and httpx: a Python process that imports only those
  (and `oncall_tui`'s package stub of httpx's CLI), then sends the query and the alerts
  request oncall sends, on one `httpx.AsyncClient`, and parses the JSON.

Each figure is the median wall time of --runs runs, the tools interleaved so that load from
other work on the machine hits them alike. The ratio is oncall / curl+jq: above 1 oncall
is slower. Targets (issue 12): ratio <= 1 at 5 KPIs, under 0.15 s for one KPI.

The CPU column is the user + system time of the oncall process. `--compare CMD` times
another oncall command (an older build) in the same runs, interleaved.

Run: `python bench/status.py [--runs 7] [--kpis 1,5,20,80,200] [--compare CMD]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.exporter import Exporter, drive_services  # noqa: E402
from servers.prometheus import PrometheusServer  # noqa: E402
from ui import oncall_command, service_yaml  # noqa: E402

KPIS_PER_SERVICE = 7
#: KPIs, oncall (wall, CPU), curl+jq (wall, CPU), promtool wall, compared (wall, CPU)
Row = tuple[int, tuple[float, float], tuple[float, float], float | None, tuple[float, float] | None]


def kpi_config(url: str, count: int) -> dict[str, object]:
    """`count` KPIs over ceil(count / 7) services of bench/ui.py's shape."""
    services: dict[str, object] = {}
    left = count
    index = 0
    while left > 0:
        prefix = f"svc{index % 10}"
        service = service_yaml(prefix)
        kpis = dict(list(service["kpis"].items())[: min(left, KPIS_PER_SERVICE)])  # type: ignore[union-attr]
        service["kpis"] = kpis
        services[f"{prefix}-{index}"] = service
        left -= len(kpis)
        index += 1
    return {
        "datasources": {"default": {"type": "prometheus", "url": url, "timeout": "5s"}},
        "services": services,
    }


def queries_of(config: dict[str, object]) -> list[str]:
    return [
        kpi["query"]
        for service in config["services"].values()  # type: ignore[union-attr]
        for kpi in service["kpis"].values()
    ]


FLOOR = """
import asyncio, json, os, sys
import oncall_tui  # its stub of httpx's CLI, as in oncall
import httpx

async def main(url, query):
    async with httpx.AsyncClient(base_url=url, verify=False) as client:
        answers = await asyncio.gather(
            client.post("/api/v1/query", data={"query": query}),
            client.get("/api/v1/alerts"),
        )
        return [answer.json() for answer in answers]

json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2])))
sys.stdout.flush()
os._exit(0)  # no interpreter teardown, as oncall status
"""


def curl_script(url: str, queries: list[str]) -> str:
    """One curl + jq per query, sequential, printing `value` per line."""
    lines = ["set -e"]
    for query in queries:
        lines.append(
            f"curl -s --fail {shlex.quote(url + '/api/v1/query')} "
            f"--data-urlencode {shlex.quote('query=' + query)} "
            "| jq -r '.data.result[0].value[1] // \"none\"'"
        )
    return "\n".join(lines) + "\n"


def child_env() -> dict[str, str]:
    """The environment of a user's shell: bytecode caching on (a CI or sandbox may set
    PYTHONDONTWRITEBYTECODE, which makes every run compile the package from source)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str], cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=120
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 2):  # status exits 1/2 on warn/crit
        raise SystemExit(f"{argv[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per tool and size")
    parser.add_argument("--kpis", default="1,5,20,80,200", help="comma-separated KPI counts")
    parser.add_argument(
        "--compare",
        metavar="COMMAND",
        default=None,
        help="another oncall command (an older build) timed alongside, in the same runs",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.kpis.split(",")]
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install {tool})")
    command = oncall_command()
    promtool = shutil.which("promtool")
    print(f"oncall: {command}", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="oncall-bench-status-"))
    prefixes = [f"svc{i}" for i in range(10)]
    exporter = Exporter(prefixes)
    stop = threading.Event()
    driver = threading.Thread(target=drive_services, args=(exporter, prefixes, stop), daemon=True)
    driver.start()
    server = PrometheusServer([exporter.target], workdir=workdir / "prometheus")
    rows: list[Row] = []
    floor: tuple[float, float] | None = None
    try:
        server.wait_for_series(f"sum(rate({prefixes[-1]}_grpc_calls_total[1m])) > 0", 30)
        for size in sizes:
            config = kpi_config(server.url, size)
            path = workdir / f"oncall-{size}.yaml"
            path.write_text(yaml.safe_dump(config, sort_keys=False))
            queries = queries_of(config)
            script = workdir / f"curl-{size}.sh"
            script.write_text(curl_script(server.url, queries))
            status_args = ["status", "--config", str(path), "--format", "json"]
            oncall_argv = [command, *status_args]
            other_argv = [args.compare, *status_args] if args.compare else None
            curl_argv = ["bash", str(script)]
            promtool_argv = (
                [promtool, "query", "instant", server.url, queries[0]]
                if promtool and size == 1
                else None
            )
            floor_argv = (
                [sys.executable, "-c", FLOOR, server.url, queries[0]] if size == 1 else None
            )
            timed(oncall_argv, str(workdir))  # warm the page cache once
            if other_argv is not None:
                timed(other_argv, str(workdir))
            ours, theirs, others, tools, floors = [], [], [], [], []
            for _ in range(args.runs):
                ours.append(timed(oncall_argv, str(workdir)))
                theirs.append(timed(curl_argv, str(workdir)))
                if other_argv is not None:
                    others.append(timed(other_argv, str(workdir)))
                if promtool_argv is not None:
                    tools.append(timed(promtool_argv, str(workdir)))
                if floor_argv is not None:
                    floors.append(timed(floor_argv, str(workdir)))
            row = (
                size,
                medians(ours),
                medians(theirs),
                statistics.median(t[0] for t in tools) if tools else None,
                medians(others) if others else None,
            )
            rows.append(row)
            if floors:
                floor = medians(floors)
            print(
                f"  {size} KPIs: oncall {row[1][0]:.3f} s (CPU {row[1][1]:.3f} s), "
                f"curl+jq {row[2][0]:.3f} s"
                + (f", promtool {row[3]:.3f} s" if row[3] is not None else "")
                + (
                    f", compared {row[4][0]:.3f} s (CPU {row[4][1]:.3f} s)"
                    if row[4] is not None
                    else ""
                ),
                flush=True,
            )
    finally:
        stop.set()
        server.stop()
        exporter.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"oncall status vs sequential curl + jq, medians of {args.runs} runs, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores"
    )
    compared = f"  {'compared':>8}  {'its CPU':>7}" if args.compare else ""
    print(f"{'KPIs':>5}  {'oncall':>8}  {'CPU':>7}  {'curl+jq':>8}  {'ratio':>6}{compared}  note")
    for size, (ours_s, ours_cpu), (theirs_s, _), tool_s, other_s in rows:
        note = "target <= 1.00x" if size == 5 else ""
        if size == 1:
            note = "target < 0.150 s"
            if tool_s is not None:
                note += f"; promtool query instant {tool_s:.3f} s ({ours_s / tool_s:.1f}x)"
        other = f"  {other_s[0]:>7.3f}s  {other_s[1]:>6.3f}s" if other_s is not None else ""
        print(
            f"{size:>5}  {ours_s:>7.3f}s  {ours_cpu:>6.3f}s  {theirs_s:>7.3f}s  "
            f"{ours_s / theirs_s:>5.2f}x{other}  {note}"
        )
    if floor is not None:
        print(
            f"floor (asyncio + httpx, the same two requests, nothing else): {floor[0]:.3f} s, "
            f"CPU {floor[1]:.3f} s"
        )
    if args.compare:
        print(f"compared: {args.compare}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
