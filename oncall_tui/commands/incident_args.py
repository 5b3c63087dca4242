"""The arguments of `oncall incident ...` and `oncall postmortem`. Only argparse, so that
building the CLI's parser loads nothing else."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_parser(sub: Any, common: Callable[..., None]) -> None:
    """The `incident` command and its actions, on the CLI's subparsers."""
    incident = sub.add_parser("incident", help="declare and run an incident from a shell")
    common(incident)
    actions = incident.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help: str, *, pick=True, at=False, service=True):  # noqa: A002
        parser = actions.add_parser(name, help=help)
        if service:
            common(parser)
        else:
            parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS)
        parser.add_argument("--record", metavar="PATH", default=argparse.SUPPRESS)
        if pick:
            parser.add_argument("--id", type=incident_id, default=None, help="INC-7 or 7")
        if at:
            parser.add_argument("--at", metavar="TIME", help="RFC 3339, HH:MM or -15m")
        return parser

    start = action("start", "declare an incident", pick=False, at=True, service=False)
    start.add_argument("--severity", required=True, help="P1, P2, ... as the policy names them")
    start.add_argument("--title", required=True)
    start.add_argument(
        "--service",
        dest="services",
        action="append",
        metavar="NAME",
        help="an affected service (again for more)",
    )
    start.add_argument("--commander", default=None, help="default: $USER")
    start.add_argument("--new", action="store_true", help="declare even if one is open")
    note = action("note", "add a note to the timeline", at=True)
    note.add_argument("text", nargs="+")
    milestone = action("milestone", "stamp detected, acknowledged, mitigated or resolved", at=True)
    milestone.add_argument("name", metavar="NAME")
    update = action("update", "compose a status update from the live state and stamp it")
    update.add_argument("--dry-run", action="store_true", help="print it without stamping it")
    resolve = action("resolve", "resolve the incident and print the resolution notice", at=True)
    resolve.add_argument("--root-cause", default=None)
    resolve.add_argument("--resolution", default=None)
    action("list", "every incident, newest first", pick=False).add_argument(
        "--format", choices=("text", "json"), default="text"
    )
    action("show", "one incident: clocks, milestones, timeline").add_argument(
        "--format", choices=("text", "json"), default="text"
    )


def incident_id(text: str) -> int:
    value = text.strip().upper().removeprefix("INC-")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected an incident id such as INC-7, got {text!r}")
    return int(value)
