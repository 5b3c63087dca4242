"""`oncall status`: one poll of everything, printed as a table or JSON, with an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from oncall_tui.commands.common import check_service, load_config_or_report
from oncall_tui.config.model import Config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import report_exit_code, to_json, to_table
from oncall_tui.status import use_ascii_glyphs, wants_ascii

if TYPE_CHECKING:
    from oncall_tui.runbooks.index import RunbookIndex
    from oncall_tui.sources.alerts.records import Alert


def load_for_command(args: argparse.Namespace) -> Config | None:
    """The config a command runs on (limited to `--service`); None after printing why not."""
    config: Config | None
    if getattr(args, "demo", False):
        from oncall_tui.sources.demo import demo_config

        config = demo_config()
    else:
        config = load_config_or_report(args.config)
    if config is None or not check_service(config, args.service):
        return None
    if args.service is None:
        return config
    return replace(config, services={args.service: config.services[args.service]})


def poll(config: Config) -> DashboardSnapshot:
    """One poll, with no event loop when every source can (blocking HTTP on threads: asyncio
    and httpx take longer to load than the poll takes), else on asyncio."""
    from oncall_tui.sources.blocking_http import use_blocking_http
    from oncall_tui.sources.registry import supports_blocking

    if supports_blocking(config) and use_blocking_http():
        from oncall_tui.sources.tasks import run_blocking

        return run_blocking(poll_once(config, blocking=True))
    import asyncio

    return asyncio.run(poll_once(config))


async def poll_once(config: Config, *, blocking: bool = False) -> DashboardSnapshot:
    """One poll. While a process writes the config's recording (a running `oncall` or
    `oncall record`), the poll goes on from the state it holds, so a probe's `for:` is judged
    from the recorded history rather than left pending. `blocking`: with no event loop, on
    the blocking HTTP client (`sources.tasks`)."""
    from oncall_tui.commands.common import seeded_start
    from oncall_tui.store.paths import recording_path

    seeded, clock, sources = seeded_start(
        config, recording_path(config), require_writer=True, blocking=blocking
    )
    state = seeded if seeded is not None else DashboardState(config, clock)
    poller = Poller(sources, state)
    try:
        await poller.poll_once()
    finally:
        await poller.aclose()
    if seeded is None:  # a first look: date each status from the points it loaded
        from oncall_tui.engine.first_since import date_first_look

        return date_first_look(state.snapshot())
    return state.snapshot()


def snapshot_from_recording(config: Config, path: str, at: str | None) -> DashboardSnapshot | None:
    """The state at `at` (default: the end) of the recording, judged with `config`; None
    after printing why not."""
    from pathlib import Path

    from oncall_tui.store.schema import RecordingError
    from oncall_tui.store.source import RecordingSource
    from oncall_tui.store.when import parse_when

    try:
        source = RecordingSource(config, Path(path).expanduser())
    except RecordingError as exc:
        print(f"oncall status: {exc}", file=sys.stderr)
        return None
    try:
        span = source.recording.span()
        if span is None:
            print(f"oncall status: {path}: nothing recorded yet", file=sys.stderr)
            return None
        try:
            when = span[1] if at is None else parse_when(at)
        except ValueError as exc:
            print(f"oncall status: --at: {exc}", file=sys.stderr)
            return None
        if when < span[0] or when > span[1] + 2 * config.refresh:
            print(
                f"oncall status: {path} covers {_iso(span[0])} to {_iso(span[1])}; "
                f"nothing was recorded at {_iso(when)}",
                file=sys.stderr,
            )
            return None
        return source.seek(when).snapshot()
    finally:
        source.recording.close()


def _iso(ts: float) -> str:
    from oncall_tui.render.status_report import iso

    return iso(ts) or "?"


def run(args: argparse.Namespace) -> int:
    config = load_for_command(args)
    if config is not None:
        use_ascii_glyphs(wants_ascii(config.glyphs, os.environ.get("TERM", "")))
    if config is None:
        return 3
    recording = getattr(args, "recording", None)
    if getattr(args, "at", None) is not None and recording is None:
        print("oncall status: --at needs --recording FILE", file=sys.stderr)
        return 3
    if recording is not None:
        found = snapshot_from_recording(config, recording, args.at)
        if found is None:
            return 3
        snapshot = found
    else:
        snapshot = poll(config)
    if args.format == "json":
        # one write: json.dump would hand the redacting stdout one chunk per token
        # (11,000 writes at 200 KPIs)
        sys.stdout.write(json.dumps(to_json(snapshot, _alert_runbooks(config)), indent=2) + "\n")
    else:
        from rich.console import Console

        Console().print(to_table(snapshot))
    return report_exit_code(snapshot)


def _alert_runbooks(config: Config) -> Callable[[Alert], str | None] | None:
    """Resolves each alert's runbook link against the config's runbooks, read once, and
    only when there is an alert to resolve: most runs print none, and reading and parsing
    every runbook would be a good part of their time."""
    if not config.runbooks:
        return None
    loaded: list[RunbookIndex] = []

    def resolve(alert: Alert) -> str | None:
        from oncall_tui.runbooks.alert_links import status_runbook
        from oncall_tui.runbooks.index import RunbookIndex

        if not loaded:
            loaded.append(RunbookIndex.load(config.runbooks))
        return status_runbook(alert, loaded[0], config)

    return resolve
