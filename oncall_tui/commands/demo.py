"""`oncall demo`: the same dashboard on built-in simulated services; says DEMO on screen."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.ui.app import OncallApp

DEFAULT_SEED = 7


def build_demo_app(
    *,
    seed: int = DEFAULT_SEED,
    theme: str | None = None,
    service: str | None = None,
    clock: Callable[[], float] = time.time,
    recorder: Recorder | None = None,
) -> OncallApp:
    """The live dashboard on the simulated services (the same state, poller and screens);
    with `recorder`, recorded like any other."""
    from oncall_tui.sources.demo import DemoSource, demo_config
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.incidents.demo_driver import DemoIncidentDriver

    config = demo_config()
    source = DemoSource(config, clock, seed)
    app = OncallApp(
        config,
        sources=[source],
        clock=clock,
        demo=True,
        theme=theme,
        service=service,
        recorder=recorder,
    )
    app.demo_incidents = DemoIncidentDriver(app, source.sim_time)
    return app


def run(args: argparse.Namespace) -> int:
    from oncall_tui.commands.common import NO_CONFIG, check_service
    from oncall_tui.sources.demo import demo_config

    if not check_service(demo_config(), args.service):
        return NO_CONFIG
    seed = DEFAULT_SEED if args.seed is None else args.seed
    recorder, problem = _demo_recorder(getattr(args, "record", None))
    if problem:
        print(f"oncall demo: not recording: {problem}", file=sys.stderr)
    app = build_demo_app(seed=seed, theme=args.theme, service=args.service, recorder=recorder)
    try:
        app.run()
    finally:
        if recorder is not None:
            recorder.close()
            print(
                f"oncall demo: recorded to {recorder.path}; play it back with "
                f"`oncall replay --demo {recorder.path}`",
                file=sys.stderr,
            )
    return app.return_code or 0


def _demo_recorder(path: str | None) -> tuple[Recorder | None, str | None]:
    """The demo records too: to `--record PATH`, else to a new temporary file."""
    from oncall_tui.sources.demo import demo_config
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.store.schema import RecordingError

    if path is None:
        with tempfile.NamedTemporaryFile(
            prefix="oncall-demo-", suffix=".sqlite", delete=False
        ) as handle:
            path = handle.name
    try:
        return Recorder.start(demo_config(), Path(path).expanduser()), None
    except (RecordingError, OSError) as exc:
        return None, str(exc)
