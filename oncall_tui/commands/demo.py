"""`oncall demo`: the same dashboard on built-in simulated services; says DEMO on screen."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oncall_tui.ui.app import OncallApp

DEFAULT_SEED = 7


def build_demo_app(
    *,
    seed: int = DEFAULT_SEED,
    theme: str | None = None,
    service: str | None = None,
    clock: Callable[[], float] = time.time,
) -> OncallApp:
    """The live dashboard on the simulated services (the same state, poller and screens)."""
    from oncall_tui.sources.demo import DemoSource, demo_config
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.incidents.demo_driver import DemoIncidentDriver

    config = demo_config()
    source = DemoSource(config, clock, seed)
    app = OncallApp(config, sources=[source], clock=clock, demo=True, theme=theme, service=service)
    app.demo_incidents = DemoIncidentDriver(app, source.sim_time)
    return app


def run(args: argparse.Namespace) -> int:
    from oncall_tui.commands.common import check_service
    from oncall_tui.sources.demo import demo_config

    if not check_service(demo_config(), args.service):
        return 1
    seed = DEFAULT_SEED if args.seed is None else args.seed
    app = build_demo_app(seed=seed, theme=args.theme, service=args.service)
    app.run()
    return app.return_code or 0
