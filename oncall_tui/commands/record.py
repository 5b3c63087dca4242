"""`oncall record`: the poller and the flight recorder with no screen (a bastion daemon).

Polls every source on its interval into the state, which the recorder follows; logs one
line a minute (checks, rows written, file size) to stderr; stops cleanly on SIGTERM or
SIGINT (the last batch is written), or by itself after `--for`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time

from oncall_tui.commands.status import load_for_command
from oncall_tui.config.durations import parse_duration
from oncall_tui.config.model import Config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.registry import build_sources

LOG_EVERY = 60.0


def _stamp(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def _size(path) -> int:  # the file and its WAL
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += (path.parent / (path.name + suffix)).stat().st_size
    return total


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def run(args: argparse.Namespace) -> int:
    duration = None
    log_every = LOG_EVERY
    try:
        if args.for_ is not None:
            duration = parse_duration(args.for_)
        if args.log_every is not None:
            log_every = parse_duration(args.log_every)
    except ValueError as exc:
        print(f"oncall record: {exc}", file=sys.stderr)
        return 3
    config = load_for_command(args)
    if config is None:
        return 3
    from oncall_tui.store.paths import recording_path
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.store.schema import RecordingError

    path = recording_path(config, args.record)
    if path is None:
        print(
            "oncall record: the config says `record: false`; give --record PATH to record",
            file=sys.stderr,
        )
        return 3
    try:
        recorder = Recorder.start(config, path)
    except (RecordingError, OSError) as exc:
        print(f"oncall record: {exc}", file=sys.stderr)
        return 3
    try:
        return asyncio.run(_record(config, recorder, duration, log_every))
    finally:
        recorder.close()
        stats = recorder.stats
        print(
            f"{_stamp(time.time())} oncall record: stopped; {stats.rows} rows written, "
            f"{_mib(_size(path))}, {path}",
            file=sys.stderr,
            flush=True,
        )


async def _record(config: Config, recorder, duration: float | None, log_every: float) -> int:
    state = DashboardState(config, time.time)
    recorder.follow(state)
    poller = Poller(build_sources(config, time.time), state)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    checks = sum(
        len(s.all_kpis) + len(s.health) + bool(s.kubernetes) for s in config.services.values()
    )
    print(
        f"{_stamp(time.time())} oncall record: {checks} checks of {len(config.services)} "
        f"services to {recorder.path}" + (f" for {duration:g} s" if duration else ""),
        file=sys.stderr,
        flush=True,
    )
    task = asyncio.create_task(poller.run())
    started = time.monotonic()
    last_rows = 0
    try:
        while not stop.is_set():
            wait = log_every
            if duration is not None:
                wait = min(wait, max(0.0, duration - (time.monotonic() - started)))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
            if duration is not None and time.monotonic() - started >= duration:
                break
            if stop.is_set():
                break
            stats = recorder.stats
            print(
                f"{_stamp(time.time())} oncall record: {checks} checks, {stats.rows} rows "
                f"written (+{stats.rows - last_rows}), {_mib(_size(recorder.path))}"
                + (
                    f", {stats.failures} batches failed: {stats.last_error}"
                    if stats.failures
                    else ""
                ),
                file=sys.stderr,
                flush=True,
            )
            last_rows = stats.rows
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await poller.aclose()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return 0
