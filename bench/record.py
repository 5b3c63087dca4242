"""The flight recorder under load: 100 services x 8 KPIs at a 5 s refresh.

Writes the rows as the poller would: every simulated tick, each service's 8 KPI readings
go through `DashboardState.apply()` (one apply per service, as one batched Prometheus job
per service would), with the recorder following the state and its writer thread writing
the real file. The clock is simulated, so a day is written as fast as the machine allows.

Figures:
- file size per day (the file and its WAL at the end, scaled to 24 h when a shorter
  simulated span was written: say `--hours 24` for the full day);
- writer CPU per tick (the writer thread's own CPU time, `time.thread_time`, over ticks);
- the UI tick with recording on vs off: the work the app's event loop does per refresh
  (the 100 applies of one tick and one `snapshot()`), median over the ticks, recording off
  and on in alternating blocks so that load from other work hits both alike;
- replay seek: `RecordingSource.seek(t)` to random times of the file (a fresh state as it
  stood at t, with its sparkline history and `for:` window), median and worst.

Targets (issue 14): UI tick under 5 % more with recording on; seek under 200 ms.
Run: `python bench/record.py [--hours 24] [--seeks 20]`.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oncall_tui.config.model import (  # noqa: E402
    STANDARD_KPIS,
    Config,
    Datasource,
    Kpi,
    Level,
    Service,
    Thresholds,
)
from oncall_tui.engine.state import DashboardState  # noqa: E402
from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading  # noqa: E402
from oncall_tui.status import Status  # noqa: E402
from oncall_tui.store.recorder import Recorder  # noqa: E402
from oncall_tui.store.source import RecordingSource  # noqa: E402

SERVICES = 100
REFRESH = 5.0
START = 1_800_000_000.0


def build_config() -> Config:
    def thresholds(key: str) -> Thresholds:
        if key == "cache_hit_rate":
            return Thresholds(
                (Level("warn", 0.8, Status.WARN), Level("crit", 0.7, Status.CRIT)),
                direction=__import__("oncall_tui.config.model").config.model.Direction.BELOW,
            )
        hold = 60.0 if key == "latency_p99" else 0.0
        return Thresholds(
            (Level("warn", 0.8, Status.WARN), Level("crit", 1.0, Status.CRIT)), hold=hold
        )

    services = {}
    for i in range(SERVICES):
        name = f"svc{i:03d}"
        kpis = tuple(Kpi(key, f"q{i}_{key}", thresholds=thresholds(key)) for key in STANDARD_KPIS)
        services[name] = Service(name, name, "default", kpis=kpis)
    return Config(
        path=None,
        refresh=REFRESH,
        datasources={"default": Datasource("default", "http://127.0.0.1:9")},
        services=services,
    )


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def tick_observations(tick: int, now: float) -> list[list[Observation]]:
    """One tick: per service, its 8 readings. Values wander; now and then one breaches."""
    batches = []
    for i in range(SERVICES):
        name = f"svc{i:03d}"
        batch = []
        for k, key in enumerate(STANDARD_KPIS):
            wave = math.sin((tick + 37 * i + 11 * k) / 120.0)
            if key == "cache_hit_rate":
                value = 0.9 + 0.05 * wave
            else:
                value = 0.5 + 0.2 * wave
            if (tick // 360 + i) % 97 == 0 and k == 4:
                value = 1.2  # a 30 min breach of one service's error rate now and then
            labels = {"instance": f"{name}-{(tick // 720) % 3}:8080", "job": name}
            batch.append(
                Observation(
                    CheckId(name, CheckKind.KPI, key),
                    Reading(now, value, labels=labels, series_count=3),
                )
            )
        batches.append(batch)
    return batches


def ui_tick(state: DashboardState, batches: list[list[Observation]]) -> float:
    started = time.perf_counter()
    for batch in batches:
        state.apply(batch)
    state.snapshot()
    return time.perf_counter() - started


def write(path: Path, hours: float) -> dict[str, float]:
    config = build_config()
    clock = Clock()
    state = DashboardState(config, clock)
    recorder = Recorder.start(config, path, clock=clock)
    recorder.follow(state)
    ticks = int(hours * 3600 / REFRESH)
    started = time.perf_counter()
    for tick in range(ticks):
        clock.now = START + tick * REFRESH
        for batch in tick_observations(tick, clock.now):
            state.apply(batch)
        if tick % 120 == 119:  # keep the queue bounded, as the real 5 s pace would
            recorder.flush(timeout=120)
    recorder.flush(timeout=300)
    busy = recorder.stats.busy_seconds
    rows = recorder.stats.rows
    recorder.close()
    wall = time.perf_counter() - started
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {"ticks": ticks, "rows": rows, "busy": busy, "wall": wall, "size": size}


def compare_ui_tick(path: Path, ticks: int, *, paced: bool) -> tuple[float, float]:
    """Median UI tick, recording off and on.

    `paced`: the writer has written each tick's batch before the next tick starts, as at
    the real 5 s refresh (the writer needs a few ms of every 5 s). Unpaced, ticks run back
    to back while the writer works beside them: the worst case, the writer's thread and the
    UI's loop contending for the GIL all the time.
    """
    config = build_config()
    off_clock, on_clock = Clock(), Clock()
    off = DashboardState(config, off_clock)
    on = DashboardState(config, on_clock)
    recorder = Recorder.start(config, path, clock=on_clock)
    recorder.follow(on)
    times_off: list[float] = []
    times_on: list[float] = []
    for tick in range(ticks):  # off and on alternate tick by tick: load hits both alike
        for state, clock, into in ((off, off_clock, times_off), (on, on_clock, times_on)):
            clock.now = START + 86400 * 3 + tick * REFRESH
            batches = tick_observations(tick, clock.now)
            into.append(ui_tick(state, batches))
        if paced:
            recorder.flush(timeout=60)
    recorder.close()
    return statistics.median(times_off), statistics.median(times_on)


def seeks(path: Path, hours: float, count: int) -> list[float]:
    config = build_config()
    source = RecordingSource(config, path)
    span = source.recording.span()
    assert span is not None
    rng = random.Random(7)
    took = []
    for _ in range(count):
        at = rng.uniform(span[0] + 900, span[1])
        started = time.perf_counter()
        state = source.seek(at)
        state.snapshot()
        took.append(time.perf_counter() - started)
    source.recording.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours written")
    parser.add_argument("--seeks", type=int, default=20)
    parser.add_argument("--ui-ticks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oncall-bench-record-") as folder:
        path = Path(folder) / "bench.sqlite"
        print(f"writing {args.hours:g} simulated hours of {SERVICES} services x 8 KPIs at 5 s")
        w = write(path, args.hours)
        scale = 24.0 / args.hours
        print(f"  rows written          {w['rows']:,} in {w['wall']:.0f} s of wall time")
        print(f"  file size             {w['size'] / 1e6:.1f} MB for {args.hours:g} h")
        print(
            f"  file size per day     {w['size'] * scale / 1e6:.0f} MB"
            + ("" if scale == 1 else f" (scaled x{scale:g} from {args.hours:g} h)")
        )
        print(f"  bytes per observation {w['size'] / max(w['rows'], 1):.1f}")
        print(
            f"  writer CPU per tick   {w['busy'] / w['ticks'] * 1000:.2f} ms "
            f"({w['ticks']:,} ticks of 800 readings)"
        )
        took = seeks(path, args.hours, args.seeks)
        print(
            f"  seek (median / worst) {statistics.median(took) * 1000:.0f} ms / "
            f"{max(took) * 1000:.0f} ms over {len(took)} random times"
        )
        for paced, name in ((True, "paced at 5 s"), (False, "back to back")):
            ui_file = Path(folder) / f"ui-{paced}.sqlite"
            off, on = compare_ui_tick(ui_file, args.ui_ticks, paced=paced)
            print(
                f"  UI tick off / on      {off * 1000:.2f} ms / {on * 1000:.2f} ms "
                f"({(on / off - 1) * 100:+.1f} %), {name}"
            )


if __name__ == "__main__":
    main()
