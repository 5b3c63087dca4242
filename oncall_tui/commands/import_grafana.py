"""`oncall import-grafana DASHBOARD.json [--service NAME] [--check] [--strict]`: print config
YAML made from a Grafana dashboard, or with --check what each panel became.

Exit code 0, or 1 with --strict when anything was not carried over, 2 when the file is not a
dashboard.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_tui.grafana.emit import render_check, render_config
from oncall_tui.grafana.reader import GrafanaFileError, read_dashboard
from oncall_tui.grafana.translate import service_key, translate
from oncall_tui.rules.runbook_check import check_runbooks


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        dashboard = read_dashboard(path)
    except GrafanaFileError as exc:
        print(f"oncall import-grafana: {exc}", file=sys.stderr)
        return 2
    service = getattr(args, "service", None)
    imported = translate(
        dashboard, service=service_key(service) if service else None, fallback=path.stem
    )
    if args.check:
        sys.stdout.write(render_check(imported, path.name))
    else:
        sys.stdout.write(render_config(imported, path.name, runbooks=check_runbooks([path])))
    if args.strict and imported.dropped:
        lost = sum(len(r.dropped) for r in imported.reports)
        print(
            f"oncall import-grafana: --strict: {lost} thing(s) not carried over (see --check)",
            file=sys.stderr,
        )
        return 1
    return 0
