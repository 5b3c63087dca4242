"""CPU of the poller alone (no UI): the same sources, state and poller the dashboard runs.

`bench/ui.py` runs this as a child process next to the real `oncall`, so that idle CPU can
be split into polling and drawing. It waits for the first value, lets the state settle,
then prints one line: `cpu_seconds wall_seconds` over the window.

Run: `python bench/poll_idle.py (--demo | --config PATH) [--idle 30] [--settle 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from oncall_tui.config.model import Config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import Source


def demo_sources() -> tuple[Config, list[Source]]:
    from oncall_tui.commands.demo import DEFAULT_SEED
    from oncall_tui.sources.demo import DemoSource, demo_config

    config = demo_config()
    return config, [DemoSource(config, time.time, DEFAULT_SEED)]


def config_sources(path: Path) -> tuple[Config, list[Source]]:
    from oncall_tui.config.loader import load_config
    from oncall_tui.sources.registry import build_sources

    config = load_config(path)
    return config, build_sources(config, time.time)


async def measure(config: Config, sources: list[Source], idle: float, settle: float) -> str:
    state = DashboardState(config)
    poller = Poller(sources, state)
    task = asyncio.create_task(poller.run())
    try:
        deadline = time.monotonic() + 30
        while not any(c.value is not None for s in state.snapshot().services for c in s.checks):
            if time.monotonic() > deadline:
                raise SystemExit("no value within 30 s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(settle)
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.sleep(idle)
        return f"{time.process_time() - cpu:.4f} {time.monotonic() - wall:.4f}"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # ended before its clients close
        await poller.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--demo", action="store_true")
    which.add_argument("--config", type=Path)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=3.0)
    args = parser.parse_args()
    config, sources = demo_sources() if args.demo else config_sources(args.config)
    print(asyncio.run(measure(config, sources, args.idle, args.settle)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
