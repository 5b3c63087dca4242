"""`oncall`: the live dashboard on the config found at --config, $ONCALL_CONFIG, ... ."""

from __future__ import annotations

import argparse

from oncall_tui.commands.common import check_service, load_config_or_report


def run(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None or not check_service(config, args.service):
        return 1
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(config, theme=args.theme, service=args.service)
    app.run()
    return app.return_code or 0
