"""`oncall status`: one poll of everything, printed as a table or JSON, with an exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from oncall_tui.config.model import Config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import report_exit_code, to_json, to_table
from oncall_tui.sources.registry import build_sources


def load_for_command(args: argparse.Namespace) -> Config | None:
    """The config a command runs on; None (after printing why) when it cannot be loaded."""
    if getattr(args, "demo", False):
        from oncall_tui.sources.demo import demo_config

        return demo_config()
    from oncall_tui.config.loader import ConfigErrors, ConfigNotFound, find_config_path, load_config

    try:
        return load_config(find_config_path(args.config))
    except (ConfigErrors, ConfigNotFound) as exc:
        print(exc, file=sys.stderr)
        return None


def limit_to_service(config: Config, name: str | None) -> Config | None:
    if name is None:
        return config
    if name not in config.services:
        known = ", ".join(config.services) or "none"
        print(f"oncall: no service named {name!r} (services: {known})", file=sys.stderr)
        return None
    from dataclasses import replace

    return replace(config, services={name: config.services[name]})


async def poll_once(config: Config) -> DashboardSnapshot:
    state = DashboardState(config, time.time)
    poller = Poller(build_sources(config, time.time), state)
    try:
        await poller.poll_once()
    finally:
        await poller.aclose()
    return state.snapshot()


def run(args: argparse.Namespace) -> int:
    config = load_for_command(args)
    if config is None:
        return 3
    config = limit_to_service(config, args.service)
    if config is None:
        return 3
    snapshot = asyncio.run(poll_once(config))
    if args.format == "json":
        json.dump(to_json(snapshot, _alert_runbooks(config)), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        Console().print(to_table(snapshot))
    return report_exit_code(snapshot)


def _alert_runbooks(config: Config):  # -> Callable[[Alert], str | None] | None
    """Resolves each alert's runbook link against the config's runbooks, read once."""
    if not config.runbooks:
        return None
    from oncall_tui.runbooks.alert_links import status_runbook
    from oncall_tui.runbooks.index import RunbookIndex

    index = RunbookIndex.load(config.runbooks)
    return lambda alert: status_runbook(alert, index, config)
