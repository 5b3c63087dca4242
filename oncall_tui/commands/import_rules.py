"""`oncall import-rules RULES.yml... [--service NAME]`: print config YAML made from alert rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_tui.rules.emit import render_config
from oncall_tui.rules.reader import AlertRule, RecordingRule, RuleFileError, read_rule_file
from oncall_tui.rules.runbook_check import check_runbooks
from oncall_tui.rules.translate import translate


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.files]
    alerts: list[AlertRule] = []
    recordings: list[RecordingRule] = []
    problems: list[str] = []
    for path in paths:
        try:
            rule_file = read_rule_file(path)
        except RuleFileError as exc:
            print(f"oncall import-rules: {exc}", file=sys.stderr)
            return 2
        alerts.extend(rule_file.alerts)
        recordings.extend(rule_file.recordings)
        problems.extend(rule_file.problems)
    translation = translate(
        alerts, recordings, service=args.service, fallback_service=paths[0].stem
    )
    text = render_config(translation, [p.name for p in paths], runbooks=check_runbooks(paths))
    if problems:
        text += "\n# Malformed rules:\n" + "".join(f"# {p}\n" for p in problems)
    sys.stdout.write(text)
    return 0
