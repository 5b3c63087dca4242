"""`oncall screenshot`: render a screen headless to an SVG file, after the data is in."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

SCREENS = ("overview", "service", "alerts", "workloads", "runbook", "war-room")


def parse_size(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if width >= 20 and height >= 8 else None


def run(args: argparse.Namespace) -> int:
    size = parse_size(args.size)
    if size is None:
        print(f"oncall: --size {args.size!r}: expected WIDTHxHEIGHT, e.g. 120x40", file=sys.stderr)
        return 2
    if args.screen not in SCREENS:
        print(
            f"oncall: --screen {args.screen}: not available (use one of {', '.join(SCREENS)})",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out).expanduser().absolute()
    out.parent.mkdir(parents=True, exist_ok=True)

    from oncall_tui.commands.common import NO_CONFIG, check_service, load_config_or_report
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.headless import WARMUP, demo_app, replay

    clock = None
    if args.demo:
        app, clock = demo_app(seed=args.seed, at=args.at, theme=args.theme)
        if not check_service(app.config, args.service):
            return NO_CONFIG
    else:
        config = load_config_or_report(args.config)
        if config is None or not check_service(config, args.service):
            return NO_CONFIG
        app = OncallApp(config, theme=args.theme, live=False)

    async def auto_pilot(pilot) -> None:  # type: ignore[no-untyped-def]
        if clock is not None:
            await replay(app, clock, WARMUP)
        else:
            await app.poll_once()
        await pilot.pause()
        if args.screen in ("service", "workloads"):
            name = args.service or _worst_service(app)
            if name is not None:
                app.open_service(name)
            if args.screen == "workloads":  # the service screen with its pods in focus
                await pilot.pause()
                await pilot.pause()
                focus_pods = getattr(app.screen, "action_focus_pods", None)
                if focus_pods is not None:
                    focus_pods()
        elif args.screen == "alerts":
            app.action_alerts()
        elif args.screen == "war-room":
            app.action_war_room()
            await pilot.pause()  # the tiles mount, then fill in after a refresh
        elif args.screen == "runbook":  # r on the worst panel of the service (cqar by default)
            from oncall_tui.ui.headless import open_runbook_pane

            default = "cqar" if "cqar" in app.config.services else _worst_service(app)
            name = args.service or default
            if name is not None:
                await open_runbook_pane(app, pilot, name)
        await pilot.pause()
        await pilot.pause()
        from oncall_tui.inert import xml_safe
        from oncall_tui.secret_registry import redact

        # the screen's text was made inert where it came in; this is the last guard, so that
        # the file is always well-formed XML with no control character in it
        out.write_text(redact(xml_safe(app.export_screenshot())), encoding="utf-8")
        app.exit(0)

    app.run(headless=True, size=size, auto_pilot=auto_pilot)
    if not out.is_file():
        print(f"oncall: no screenshot written to {out}", file=sys.stderr)
        return 1
    print(out)
    return 0


def _worst_service(app) -> str | None:  # type: ignore[no-untyped-def]
    snapshot = app.snapshot
    if snapshot is None or not snapshot.services:
        return None
    return max(snapshot.services, key=lambda s: s.status.rank).name
