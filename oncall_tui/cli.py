"""The `oncall` command line: parses arguments and hands over to one command module.

Only argparse is imported here; each command imports what it needs when it runs, so that
`oncall --help` stays fast and never loads Textual, kubernetes, grpc or the Prometheus client.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from oncall_tui import __version__

# subcommand -> module under oncall_tui.commands that has `run(args) -> int`
COMMANDS = {
    None: "tui",
    "demo": "demo",
    "status": "status",
    "validate": "validate",
    "screenshot": "screenshot",
    "runbook": "runbook",
    "import-rules": "import_rules",
    "import-slo": "import_slo",
    "import-grafana": "import_grafana",
    "incident": "incident",
    "postmortem": "postmortem",
    "record": "record",
    "replay": "replay",
}


def _common(
    parser: argparse.ArgumentParser,
    *,
    top: bool = False,
    config: bool = True,
    theme: bool = False,
) -> None:
    """The common options, before or after the command's name; each command gets only the
    ones it uses (`--theme` where a screen is drawn, no `--config` for the built-in demo).

    On subcommands their default is SUPPRESS, so that `oncall --config X status` keeps the X
    given before the command instead of the subcommand's default overwriting it.
    """
    default = None if top else argparse.SUPPRESS
    if config or top:
        parser.add_argument(
            "--config",
            metavar="PATH",
            default=default,
            help="config file (else $ONCALL_CONFIG, ./oncall.yaml, ~/.config/oncall/config.yaml)",
        )
    parser.add_argument(
        "--service", metavar="NAME", default=default, help="start on, or limit to, one service"
    )
    if theme or top:
        parser.add_argument(
            "--theme", metavar="NAME", default=default, help="theme name or theme file"
        )


class _Unused:
    """Stands in for the parser of a command that is not being run (`build_parser(only=)`):
    its arguments are not built."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        pass


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` gives it ($COLUMNS, else the
    terminal of stdout, else 80), without importing shutil (and the bz2, lzma and zlib it
    loads): argparse asks for it whenever a parser is built, to check each argument."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own help layout, at the width it would pick itself."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _columns() - 2 if width is None else width  # argparse takes 2 off, as here
        super().__init__(prog, indent_increment, max_help_position, width)


def _command(sub: Any, only: str | None, name: str, **kwargs: Any) -> Any:
    """The subparser of command `name`, or a stand-in when only `only` is wanted."""
    if only is not None and name != only:
        return _Unused()
    return sub.add_parser(name, formatter_class=_Formatter, **kwargs)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, the top level and that one command alone, which
    parses that command's arguments the same and is built in a fraction of the time (every
    parser costs argparse gettext lookups, a terminal size and a help formatter)."""
    parser = argparse.ArgumentParser(
        prog="oncall",
        formatter_class=_Formatter,
        description="A terminal on-call dashboard: live KPIs, health probes, alerts, runbooks.",
    )
    parser.add_argument("--version", action="version", version=f"oncall {__version__}")
    _common(parser, top=True)
    parser.add_argument(
        "--record",
        metavar="PATH",
        default=None,
        help="record to this file (else `record:` in the config, else the default file)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = _command(sub, only, "demo", help="the dashboard on built-in simulated services")
    _common(demo, config=False, theme=True)
    demo.add_argument("--seed", type=int, default=None, help="seed of the simulation")
    demo.add_argument(
        "--record",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="record to this file, kept (default: a temporary file, removed on exit)",
    )

    status = _command(sub, only, "status", help="poll everything once and print the verdicts")
    _common(status)
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.add_argument("--demo", action="store_true", help="use the built-in demo services")
    status.add_argument(
        "--recording", metavar="FILE", default=None, help="answer from a recording, not a poll"
    )
    status.add_argument(
        "--at",
        metavar="TIME",
        default=None,
        help="with --recording: the time to answer for (RFC 3339, HH:MM today, -15m)",
    )

    validate = _command(sub, only, "validate", help="check the config and every runbook link")
    _common(validate)
    validate.add_argument(
        "--online", action="store_true", help="also run every query once against its datasource"
    )

    shot = _command(sub, only, "screenshot", help="render a screen headless to an SVG file")
    _common(shot, theme=True)
    shot.add_argument("--out", metavar="FILE", default="oncall.svg")
    shot.add_argument("--size", metavar="WxH", default="120x40")
    shot.add_argument("--demo", action="store_true", help="use the built-in demo services")
    shot.add_argument(
        "--screen",
        choices=("overview", "service", "runbook", "alerts", "workloads", "war-room"),
        default="overview",
    )
    shot.add_argument("--seed", type=int, default=7)
    shot.add_argument(
        "--at", type=float, default=None, help="demo time offset in seconds (an incident phase)"
    )

    runbook = _command(sub, only, "runbook", help="print a runbook section or its commands")
    _common(runbook)
    runbook.add_argument("ref", nargs="?", metavar="FILE#ANCHOR")
    runbook.add_argument("--commands", action="store_true", help="only the commands, filled in")
    runbook.add_argument("--format", choices=("text", "json"), default="text")

    record = _command(sub, only, "record", help="poll and record with no screen (a bastion daemon)")
    _common(record)
    record.add_argument(
        "--record",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the recording file (else `record:` in the config, else the default)",
    )
    record.add_argument(
        "--for",
        dest="for_",
        metavar="DURATION",
        default=None,
        help="stop by itself after this long (10m, 1h30m)",
    )
    record.add_argument(
        "--log-every", metavar="DURATION", default=None, help="how often to log a line (default 1m)"
    )
    record.add_argument("--demo", action="store_true", help="record the built-in demo services")

    replay = _command(sub, only, "replay", help="the dashboard on a recording")
    _common(replay, theme=True)
    replay.add_argument("file", nargs="?", metavar="FILE", help="default: the config's recording")
    replay.add_argument(
        "--from",
        dest="from_",
        metavar="TIME",
        default=None,
        help="start here (RFC 3339, HH:MM today, -15m); default: the start",
    )
    replay.add_argument("--to", metavar="TIME", default=None, help="stop here; default: the end")
    replay.add_argument("--speed", type=float, default=1.0, help="1 to 60 (x real time)")
    replay.add_argument(
        "--as-recorded",
        action="store_true",
        help="the verdicts as recorded, not judged with the current thresholds",
    )
    replay.add_argument("--demo", action="store_true", help="replay the built-in demo's recording")

    rules = _command(sub, only, "import-rules", help="turn Prometheus alert rules into config YAML")
    rules.add_argument("files", nargs="+", metavar="RULES.yml")
    rules.add_argument(
        "--service",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the service the KPIs belong to",
    )
    slo = _command(sub, only, "import-slo", help="turn a Sloth or Pyrra SLO spec into slos: config")
    slo.add_argument("file", metavar="SPEC.yaml")
    slo.add_argument(
        "--service",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the service the SLOs belong to (else Sloth's service:, or the file's name)",
    )
    slo.add_argument(
        "--recorded",
        action="store_true",
        help="read the windows the spec's recording rules record from them",
    )
    grafana = _command(
        sub, only, "import-grafana", help="turn a Grafana dashboard's panels into config YAML"
    )
    grafana.add_argument("file", metavar="DASHBOARD.json")
    grafana.add_argument(
        "--service",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="one service for every panel (else one per named row)",
    )
    grafana.add_argument(
        "--check",
        action="store_true",
        help="print per panel what was imported and what was dropped, instead of the YAML",
    )
    grafana.add_argument(
        "--strict", action="store_true", help="exit 1 when anything was not carried over"
    )
    if only in (None, "incident"):
        from oncall_tui.commands.incident_args import add_parser

        add_parser(sub, _common)
    if only in (None, "postmortem"):
        from oncall_tui.commands.incident_args import incident_id

        postmortem = sub.add_parser(
            "postmortem", help="an incident's postmortem as markdown", formatter_class=_Formatter
        )
        _common(postmortem)
        postmortem.add_argument("id", nargs="?", type=incident_id, default=None, metavar="ID")
        postmortem.add_argument("--out", metavar="FILE", default=None)
        postmortem.add_argument("--record", metavar="PATH", default=argparse.SUPPRESS)
    return parser


#: the top-level options that take a value (`--config PATH`)
_TOP_VALUE_OPTIONS = ("--config", "--service", "--theme", "--record")


def _named_command(argv: Sequence[str]) -> str | None:
    """The command `argv` runs, when that is certain: the first argument, after top-level
    options spelt out in full, names a command. Else None (help, the version, no command,
    an abbreviated or unknown option): then the whole parser is built."""
    i = 0
    while i < len(argv):
        item = argv[i]
        if item in COMMANDS:
            return item
        if item in _TOP_VALUE_OPTIONS:
            i += 2
            continue
        if item.split("=", 1)[0] in _TOP_VALUE_OPTIONS and "=" in item:
            i += 1
            continue
        return None
    return None


_TIME_OPTIONS = ("--at", "--from", "--to")


def _join_relative_times(argv: Sequence[str]) -> list[str]:
    """`--at -15m` as `--at=-15m`: argparse would take `-15m` for an option."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        following = items[i + 1] if i + 1 < len(items) else ""
        if item in _TIME_OPTIONS and following[:1] == "-" and following[1:2].isdigit():
            out.append(f"{item}={following}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out


#: commands that draw a screen on the terminal: their output is not a text stream to filter
SCREEN_COMMANDS = (None, "demo", "replay")


class _RedactedStream:
    """A text stream whose every write goes through the secret registry."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from oncall_tui.secret_registry import redact

        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


#: commands that run once and end, whose start-up is the wait: `oncall status` in a script,
#: a loop or a check. While one runs, the cyclic garbage collector is off (its start-up
#: allocates enough to trigger some 70 collections, about 10 ms, and frees nothing that
#: matters before the process ends). When `oncall` is the program (the console script,
#: `python -m oncall_tui`), it flushes its output and ends without the interpreter's teardown
#: of some 400 modules (about 25 ms); called as a function (`main([...])`), it returns.
ONE_SHOT_COMMANDS = ("status",)


def main(argv: Sequence[str] | None = None) -> int:
    given = _join_relative_times(sys.argv[1:] if argv is None else argv)
    args = build_parser(only=_named_command(given)).parse_args(given)
    one_shot = args.command in ONE_SHOT_COMMANDS
    collecting = gc.isenabled()
    if one_shot:
        gc.disable()
    streams = sys.stdout, sys.stderr
    try:
        module = importlib.import_module(f"oncall_tui.commands.{COMMANDS[args.command]}")
        if args.command not in SCREEN_COMMANDS:
            # every line a command prints leaves through the secret registry
            sys.stdout = _RedactedStream(sys.stdout)  # type: ignore[assignment]
            sys.stderr = _RedactedStream(sys.stderr)  # type: ignore[assignment]
        code = _run(module, args)
    finally:
        sys.stdout, sys.stderr = streams
        if collecting:
            gc.enable()
    if one_shot and argv is None:
        _end_process(code)
    return code


def _end_process(code: int) -> NoReturn:
    """Ends a one-shot command's process now: its output and log handlers flushed, its
    exit code kept, the interpreter's teardown skipped. A reader that left (`| head`)
    changes nothing: the exit code is still the command's."""
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, a closed stream
            pass
    os._exit(code)


def _run(module: Any, args: argparse.Namespace) -> int:
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `oncall runbook ... | head`: the reader left; say nothing more on a closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected error is reported
        return _unexpected(exc, args.command)


def _unexpected(exc: BaseException, command: str | None) -> int:
    """One line naming the cause, never a traceback; `status` exits 3 (unknown), not 1
    (which would read as warn). ONCALL_TRACEBACK=1 shows the traceback for a bug report."""
    from oncall_tui.inert import inert_line
    from oncall_tui.secret_registry import redact

    if os.environ.get("ONCALL_TRACEBACK"):
        import traceback

        traceback.print_exc()
    where = exc.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    at = f" (at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno})" if where else ""
    message = redact(inert_line(str(exc)))[:300] or "no message"
    print(f"oncall: unexpected error: {type(exc).__name__}: {message}{at}", file=sys.stderr)
    return 3 if command in ("status", None) else 1


if __name__ == "__main__":
    sys.exit(main())
