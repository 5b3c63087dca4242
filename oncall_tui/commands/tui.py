"""`oncall`: the live dashboard on the config found at --config, $ONCALL_CONFIG, ... ."""

from __future__ import annotations

import argparse
import sys

from oncall_tui.commands.common import (
    NO_CONFIG,
    check_service,
    load_config_or_report,
    seeded_start,
    start_recorder,
)


def run(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None or not check_service(config, args.service):
        return NO_CONFIG
    from oncall_tui.store.paths import recording_path
    from oncall_tui.ui.app import OncallApp

    # history from the recording: sparklines and for: holds go on where it left off
    state, clock, sources = seeded_start(
        config, recording_path(config, getattr(args, "record", None))
    )
    recorder, problem = start_recorder(config, getattr(args, "record", None))
    if problem:
        print(f"oncall: {problem}", file=sys.stderr)
    app = OncallApp(
        config,
        sources=sources,
        state=state,
        clock=clock,
        theme=args.theme,
        service=args.service,
        recorder=recorder,  # type: ignore[arg-type]
        recording_problem=problem,
    )
    try:
        app.run()
    finally:
        if recorder is not None:
            recorder.close()  # type: ignore[attr-defined]
    return app.return_code or 0
