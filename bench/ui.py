"""The dashboard as a terminal sees it: time to first data, idle CPU, bytes per refresh.

Runs the real `oncall` command under a pty of 120x40 (TERM=xterm-256color) twice over:

- demo: `oncall demo` (simulated services, polled every 1 s);
- prometheus: `oncall --config <tmp>/oncall.yaml`, 10 services x 7 KPIs at the default
  refresh (5 s) against a real /usr/bin/prometheus scraping a prometheus_client exporter
  (the test servers under tests/servers).

For each it prints:

(a) first data: seconds from just before the spawn until a formatted `req/s` cell has been
    written to the pty; median, min and max of --runs runs. Also when the first byte and
    the first full-screen frame arrived, which splits start-up (imports) from polling.
(b) idle CPU: utime+stime of the child (/proc/PID/stat) over --idle seconds after the first
    data (output drained all the while), as CPU seconds per minute and % of one core; and
    the same sources and poller without the UI (bench/poll_idle.py), to split polling from
    drawing.
(c) bytes: bytes per second in that idle window, bytes and screen rows per refresh burst,
    the first full paint (the first frame rewriting all 40 rows) and the ratio of a
    value refresh to it. A burst is the output of one frame (writes < 30 ms apart); a
    value refresh is a burst that rewrote at least one `req/s` cell.

Targets (issue 3): first data < 1 s, idle CPU < 2 % of one core, no full repaint on a
refresh where only values change. Figures are printed, not judged pass/fail; the machine's
load average is printed with them since other work on a 2-core machine skews them.

Run: `python bench/ui.py [--runs 5] [--idle 30] [--only demo|prometheus|keys] [--presses 5]
[--oncall PATH]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ptyrun import Burst, PtyRun  # noqa: E402
from servers.exporter import Exporter, drive_services  # noqa: E402
from servers.prometheus import PrometheusServer  # noqa: E402

COLS, ROWS = 120, 40
SERVICES = 10
# a latency cell as the matrix writes it: "3.89 ms" (at 120 columns the req/s unit is only
# in the column heading, so a request-rate cell is a bare number)
VALUE = re.compile(rb"\d[\d.]* ms")
FIRST_DATA_TIMEOUT = 30.0
SETTLE = 3.0  # seconds after first data before the idle window (history loads, layout)


@dataclass(frozen=True)
class Startup:
    first_byte: float
    first_frame: float | None  # the first burst rewriting every row
    first_data: float


@dataclass(frozen=True)
class Idle:
    seconds: float
    cpu: float
    bursts: list[Burst]
    full_paint: Burst | None
    data_burst: Burst | None  # the burst that carried the first value


def oncall_command() -> str:
    """The installed console script next to this Python (not a pyenv shim, which adds
    a bash start-up to every run), else whatever `oncall` is on PATH."""
    beside = Path(sys.executable).parent / "oncall"
    if beside.exists():
        return str(beside)
    found = shutil.which("oncall")
    if found is None:
        raise SystemExit("oncall is not installed: pip install -e .")
    return found


def child_env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE (set in some sandboxes) would compile the package at every start
    drop = ("NO_COLOR", "ONCALL_CONFIG", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
    return env


def startup_of(run: PtyRun, first_data: float) -> Startup:
    chunks = run.chunks()
    full = next((b for b in run.bursts() if len(b.rows) >= ROWS), None)
    return Startup(chunks[0].at, full.start if full else None, first_data)


def one_run(argv: list[str], cwd: str, idle: float) -> tuple[Startup, Idle | None]:
    with PtyRun(argv, cols=COLS, rows=ROWS, env=child_env(), cwd=cwd) as run:
        first = run.wait_for(VALUE, FIRST_DATA_TIMEOUT)
        if first is None:
            tail = run.output()[-2000:].decode("utf-8", "replace")
            raise SystemExit(f"no value on screen within {FIRST_DATA_TIMEOUT} s: {argv}\n{tail}")
        startup = startup_of(run, first)
        if idle <= 0:
            return startup, None
        time.sleep(max(0.0, first + SETTLE - run.now()))
        start, cpu_start = run.now(), run.cpu()
        time.sleep(idle)
        end, cpu_end = run.now(), run.cpu()
        all_bursts = run.bursts()
        full = next((b for b in all_bursts if len(b.rows) >= ROWS), None)
        data = next((b for b in all_bursts if b.start <= first <= b.end + 0.001), None)
        window = [b for b in all_bursts if start <= b.start < end]
        return startup, Idle(end - start, cpu_end - cpu_start, window, full, data)


def measure(
    name: str, argv: list[str], cwd: str, runs: int, idle: float, poll_args: list[str]
) -> dict[str, object]:
    startups: list[Startup] = []
    idle_result: Idle | None = None
    for index in range(runs):
        last = index == runs - 1
        startup, result = one_run(argv, cwd, idle if last else 0.0)
        startups.append(startup)
        if result is not None:
            idle_result = result
        print(
            f"  {name} run {index + 1}: first byte {startup.first_byte:.2f} s, "
            f"first frame {fmt_s(startup.first_frame)}, first data {startup.first_data:.2f} s"
            + (f", then {idle:.0f} s idle" if last and idle > 0 else ""),
            flush=True,
        )
    poller_cpu = poller_alone(poll_args, cwd, idle) if idle > 0 else None
    return {"name": name, "startups": startups, "idle": idle_result, "poller": poller_cpu}


def poller_alone(poll_args: list[str], cwd: str, idle: float) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the same sources and poller without the UI."""
    script = Path(__file__).resolve().parent / "poll_idle.py"
    argv = [sys.executable, str(script), *poll_args, "--idle", str(idle), "--settle", str(SETTLE)]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=idle + 60)
    if done.returncode != 0:
        raise SystemExit(f"poll_idle.py failed:\n{done.stderr}")
    cpu, wall = (float(x) for x in done.stdout.split())
    print(f"  poller alone (no UI): {cpu:.2f} CPU s in {wall:.0f} s", flush=True)
    return cpu, wall


def fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


# -- the Prometheus scenario ---------------------------------------------------------------


def service_yaml(prefix: str) -> dict[str, object]:
    calls = f"{prefix}_grpc_calls_total"
    buckets = f"{prefix}_grpc_call_duration_seconds_bucket"
    hits, misses = f"{prefix}_cache_hit_total", f"{prefix}_cache_miss_total"
    quantile = "histogram_quantile({q}, sum by (le) (rate(" + buckets + "[1m])))"
    return {
        "title": f"service {prefix}",
        "kpis": {
            "request_rate": {"query": f"sum(rate({calls}[1m]))", "unit": "req/s"},
            "latency_p50": {
                "query": quantile.format(q=0.5),
                "unit": "s",
                "warn": 0.01,
                "crit": 0.02,
            },  # fmt: skip
            "latency_p99": {
                "query": quantile.format(q=0.99),
                "unit": "s",
                "warn": 0.05,
                "crit": 0.1,
            },  # fmt: skip
            "error_rate": {
                "query": f'sum(rate({calls}{{status_code!="OK"}}[1m])) / sum(rate({calls}[1m]))',
                "unit": "ratio",
                "warn": 0.001,
                "crit": 0.01,
                "nodata": "ok",
            },  # fmt: skip
            "cache_hit_rate": {
                "query": f"sum(rate({hits}[1m])) / (sum(rate({hits}[1m])) "
                f"+ sum(rate({misses}[1m])))",
                "unit": "ratio",
                "warn": 0.8,
                "crit": 0.7,
            },  # fmt: skip
            "pool_usage": {
                "query": f"{prefix}_db_pool_active_connections / {prefix}_db_pool_max_connections",
                "unit": "ratio",
                "warn": 0.8,
                "crit": 0.9,
            },  # fmt: skip
            "queue_depth": {"query": f"max({prefix}_queue_depth)", "warn": 50, "crit": 100},
        },
    }


def write_config(folder: Path, url: str, prefixes: list[str]) -> Path:
    """A 10-service config at the default refresh (no `refresh:` key)."""
    config = {
        "datasources": {"default": {"type": "prometheus", "url": url, "timeout": "3s"}},
        "services": {p: service_yaml(p) for p in prefixes},
    }
    path = folder / "oncall.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# -- report --------------------------------------------------------------------------------


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def report(
    results: list[dict[str, object]], idle: float, extra: list[tuple[str, str, str, str]]
) -> None:
    rows: list[tuple[str, ...]] = []
    for result in results:
        name = str(result["name"])
        startups: list[Startup] = result["startups"]  # type: ignore[assignment]
        firsts = [s.first_data for s in startups]
        bytes_ = [s.first_byte for s in startups]
        frames = [s.first_frame for s in startups if s.first_frame is not None]
        rows.append((name, "(a) first data, median", f"{statistics.median(firsts):.2f} s",
                     f"min {min(firsts):.2f}, max {max(firsts):.2f}; target < 1 s"))  # fmt: skip
        rows.append((name, "    first byte (start-up)", f"{statistics.median(bytes_):.2f} s",
                     "interpreter + imports until Textual writes"))  # fmt: skip
        if frames:
            rows.append((name, "    first full frame", f"{statistics.median(frames):.2f} s",
                         "the screen without values"))  # fmt: skip
        result_idle: Idle | None = result["idle"]  # type: ignore[assignment]
        if result_idle is None:
            continue
        per_min = result_idle.cpu / result_idle.seconds * 60
        core = result_idle.cpu / result_idle.seconds * 100
        rows.append((name, "(b) idle CPU", f"{per_min:.2f} s/min",
                     f"{core:.1f} % of one core over {result_idle.seconds:.0f} s; "
                     "target < 2 %"))  # fmt: skip
        poller: tuple[float, float] | None = result["poller"]  # type: ignore[assignment]
        if poller is not None:
            alone = poller[0] / poller[1] * 100
            rows.append((name, "    of which polling", f"{alone * 0.6:.2f} s/min",
                         f"{alone:.1f} % of one core: the sources and state alone, no UI; "
                         f"the UI adds about {core - alone:.1f} %"))  # fmt: skip
        bursts = result_idle.bursts
        total = sum(len(b.data) for b in bursts)
        rows.append((name, "(c) bytes per second", kb(total / result_idle.seconds),
                     f"{len(bursts) / result_idle.seconds:.1f} frames/s"))  # fmt: skip
        full = result_idle.full_paint
        full_size = len(full.data) if full else 0
        if full is not None:
            rows.append((name, "    first full paint", kb(full_size),
                         f"{len(full.rows)} rows, no values yet"))  # fmt: skip
        if result_idle.data_burst is not None:
            data = result_idle.data_burst
            rows.append((name, "    frame with first data", kb(len(data.data)),
                         f"{len(data.rows)} rows"))  # fmt: skip
        per_second = total / result_idle.seconds
        if bursts:
            sizes = [len(b.data) for b in bursts]
            row_counts = [len(b.rows) for b in bursts]
            rows.append((name, "    per frame, median", kb(statistics.median(sizes)),
                         f"max {kb(max(sizes))}; rows rewritten median "
                         f"{statistics.median(row_counts):.0f}, max {max(row_counts)} "
                         f"of {ROWS}"))  # fmt: skip
            values = [b for b in bursts if VALUE.search(b.data)]
            others = [b for b in bursts if not VALUE.search(b.data)]
            if values:
                value_size = statistics.median(len(b.data) for b in values)
                ratio = f"{value_size / full_size:.2f}x the full paint" if full_size else ""
                rows.append((name, "    value refresh frame", kb(value_size),
                             f"{len(values)} frames; rows median "
                             f"{statistics.median(len(b.rows) for b in values):.0f}; "
                             f"{ratio}"))  # fmt: skip
            if others:
                rows.append((name, "    other frames (ages)",
                             kb(statistics.median(len(b.data) for b in others)),
                             f"{len(others)} frames; rows median "
                             f"{statistics.median(len(b.rows) for b in others):.0f}"))  # fmt: skip
            if full_size:
                rows.append((name, "    bytes per 1 s tick", kb(per_second),
                             f"{per_second / full_size:.2f}x the full paint"))  # fmt: skip
    rows.extend(extra)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    print(f"oncall UI benchmark, {COLS}x{ROWS} pty, TERM=xterm-256color, idle window {idle:.0f} s,"
          f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    for name, what, value, note in rows:
        print(f"{name:<{widths[0]}}  {what:<{widths[1]}}  {value:>{widths[2]}}  {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups per scenario")
    parser.add_argument("--idle", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument("--only", choices=("demo", "prometheus", "keys"), default=None)
    parser.add_argument("--presses", type=int, default=5, help="presses of each key (keys)")
    parser.add_argument(
        "--oncall",
        default=None,
        help="the oncall command to run (default: the one beside this Python)",
    )
    args = parser.parse_args()
    command = args.oncall or oncall_command()
    print(f"oncall: {command}", flush=True)

    results = []
    extra: list[tuple[str, str, str, str]] = []
    workdir = Path(tempfile.mkdtemp(prefix="oncall-bench-ui-"))
    try:
        if args.only in (None, "demo"):
            results.append(
                measure("demo", [command, "demo"], str(workdir), args.runs, args.idle, ["--demo"])
            )
        if args.only in (None, "prometheus"):
            results.append(prometheus_scenario(command, workdir, args.runs, args.idle))
        if args.only in (None, "keys"):
            from ui_keys import keys_scenario

            extra = keys_scenario(command, workdir, ROOT, child_env(), args.idle, args.presses)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args.idle, extra)
    return 0


def prometheus_scenario(command: str, workdir: Path, runs: int, idle: float) -> dict[str, object]:
    prefixes = [f"svc{i}" for i in range(SERVICES)]
    exporter = Exporter(prefixes)
    stop = threading.Event()
    driver = threading.Thread(target=drive_services, args=(exporter, prefixes, stop), daemon=True)
    driver.start()
    server = PrometheusServer([exporter.target], workdir=workdir / "prometheus")
    try:
        # rates need two scrapes of moving counters
        server.wait_for_series(f"sum(rate({prefixes[-1]}_grpc_calls_total[1m])) > 0", 30)
        config = write_config(workdir, server.url, prefixes)
        argv = [command, "--config", str(config)]
        name = f"prometheus x{SERVICES}"
        return measure(name, argv, str(workdir), runs, idle, ["--config", str(config)])
    finally:
        stop.set()
        server.stop()
        exporter.stop()


if __name__ == "__main__":
    raise SystemExit(main())
