"""`oncall demo`: the same dashboard on built-in simulated services; says DEMO on screen."""

from __future__ import annotations

import argparse
import time

DEFAULT_SEED = 7


def run(args: argparse.Namespace) -> int:
    from oncall_tui.commands.tui import check_service
    from oncall_tui.sources.demo import DemoSource, demo_config

    config = demo_config()
    if not check_service(config, args.service):
        return 1
    seed = DEFAULT_SEED if args.seed is None else args.seed
    from oncall_tui.ui.app import OncallApp

    source = DemoSource(config, time.time, seed)
    app = OncallApp(config, sources=[source], demo=True, theme=args.theme, service=args.service)
    app.run()
    return app.return_code or 0
