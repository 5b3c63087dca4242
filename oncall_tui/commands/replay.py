"""`oncall replay [FILE]`: the dashboard on a recording (default: the current config's)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_tui.commands.status import load_for_command


def run(args: argparse.Namespace) -> int:
    config = load_for_command(args)
    if config is None:
        return 3
    from oncall_tui.store.paths import default_path, recording_path
    from oncall_tui.store.schema import RecordingError
    from oncall_tui.store.source import RecordingSource
    from oncall_tui.store.when import parse_when

    path = (
        Path(args.file).expanduser()
        if args.file
        else (recording_path(config) or default_path(config))
    )
    if args.speed <= 0 or args.speed > 60:
        print(f"oncall replay: --speed must be from 1 to 60, got {args.speed:g}", file=sys.stderr)
        return 3
    try:
        source = RecordingSource(config, path, as_recorded=args.as_recorded)
    except RecordingError as exc:
        print(f"oncall replay: {exc}", file=sys.stderr)
        return 3
    span = source.recording.span()
    if span is None:
        print(f"oncall replay: {path}: nothing recorded yet", file=sys.stderr)
        return 3
    try:
        start = span[0] if args.from_ is None else max(span[0], parse_when(args.from_))
        end = span[1] if args.to is None else min(span[1], parse_when(args.to))
    except ValueError as exc:
        print(f"oncall replay: {exc}", file=sys.stderr)
        return 3
    if start > end:
        print(
            f"oncall replay: nothing to play between --from and --to; {path} covers "
            f"{_iso(span[0])} to {_iso(span[1])}",
            file=sys.stderr,
        )
        return 3
    from oncall_tui.ui.replay import ReplayApp

    app = ReplayApp(
        config,
        source,
        start=start,
        end=end,
        speed=args.speed,
        theme=args.theme,
        service=args.service,
        play=args.speed != 1 or args.from_ is not None,
    )
    try:
        app.run()
    finally:
        source.recording.close()
    return app.return_code or 0


def _iso(ts: float) -> str:
    from oncall_tui.render.status_report import iso

    return iso(ts) or "?"
