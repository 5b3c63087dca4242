"""`oncall import-slo SPEC.yaml [--service NAME] [--recorded]`: print `slos:` config made from
a Sloth or Pyrra SLO spec.

Exit code 0, or 2 when the file is not such a spec.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_tui.slo_specs.emit import render_config
from oncall_tui.slo_specs.read import SpecError, read_specs


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        imported = read_specs(path, getattr(args, "service", None))
    except SpecError as exc:
        print(f"oncall import-slo: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render_config(imported, [path.name], recorded=args.recorded))
    return 0
