"""`oncall demo`: the same dashboard on built-in simulated services; says DEMO on screen."""

from __future__ import annotations

import argparse
import os
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
    kept = getattr(args, "record", None)
    recorder, temporary, problem = _demo_recorder(kept)
    if problem:
        print(f"oncall demo: not recording: {problem}", file=sys.stderr)
    try:
        app = build_demo_app(seed=seed, theme=args.theme, service=args.service, recorder=recorder)
        if temporary is not None:
            _exit_on_hangup(app, temporary)
        app.run()
    finally:
        if recorder is not None:
            recorder.close()
        if temporary is not None:
            # nobody asked for it: a demo leaves nothing behind (`--record PATH` keeps one)
            remove_recording(temporary)
            print(
                "oncall demo: its temporary recording is removed; "
                "`oncall demo --record FILE` keeps one to play back with "
                "`oncall replay --demo FILE`",
                file=sys.stderr,
            )
        elif recorder is not None:
            print(
                f"oncall demo: recorded to {recorder.path}; play it back with "
                f"`oncall replay --demo {recorder.path}`",
                file=sys.stderr,
            )
    return app.return_code or 0


#: seconds a hung-up or terminated demo has to end through its `finally` before it removes
#: its temporary recording itself and ends at once
HANGUP_GRACE = 3.0


def _exit_on_hangup(app: OncallApp, temporary: Path) -> None:
    """A closed terminal or a dropped SSH session (SIGHUP), or SIGTERM, asks the app to
    exit, so that the demo ends through its `finally` and removes its temporary recording
    (by default Python dies of these signals without running any). A terminal that has gone
    can hold the app's exit: after HANGUP_GRACE the recording is removed here and the
    process ends."""
    import signal
    import threading

    def last_resort(code: int) -> None:
        remove_recording(temporary)
        os._exit(code)

    def stop(signum: int, frame: object) -> None:
        code = 128 + signum
        timer = threading.Timer(HANGUP_GRACE, last_resort, (code,))
        timer.daemon = True
        timer.start()
        app.exit(return_code=code)

    for name in ("SIGHUP", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def remove_recording(path: Path) -> None:
    """The SQLite file and the WAL and shared-memory files beside it, where they exist."""
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        part.unlink(missing_ok=True)


def _demo_recorder(path: str | None) -> tuple[Recorder | None, Path | None, str | None]:
    """The demo records too: to `--record PATH`, else to a new temporary file, which is
    returned second so that it is removed on exit (also when recording cannot start)."""
    from oncall_tui.sources.demo import demo_config
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.store.schema import RecordingError

    temporary = None
    if path is None:
        with tempfile.NamedTemporaryFile(
            prefix="oncall-demo-", suffix=".sqlite", delete=False
        ) as handle:
            path = handle.name
        temporary = Path(path)
    try:
        return Recorder.start(demo_config(), Path(path).expanduser()), temporary, None
    except (RecordingError, OSError) as exc:
        return None, temporary, str(exc)
