"""`oncall postmortem [ID] [--out FILE]`: an incident's postmortem as markdown, its times,
impact, timeline and charts filled in from the recording."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from oncall_tui.commands.common import load_config_or_report
from oncall_tui.commands.incident import open_store
from oncall_tui.store.incidents import IncidentError
from oncall_tui.store.postmortem import postmortem_markdown
from oncall_tui.store.schema import RecordingError


def run(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None:
        return 3
    try:
        with open_store(config, getattr(args, "record", None)) as store:
            text = postmortem_markdown(config, store, args.id, time.time())
    except (IncidentError, RecordingError) as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
