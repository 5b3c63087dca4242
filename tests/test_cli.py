import subprocess
import sys

import pytest

from oncall_tui.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "x.yaml", "status"],
        ["status", "--config", "x.yaml"],
    ],
)
def test_common_options_work_before_and_after_the_command(argv):
    args = build_parser().parse_args(argv)
    assert args.config == "x.yaml"
    assert args.service is None


def test_help_lists_the_commands_without_loading_heavy_modules():
    code = (
        "import sys, contextlib, io\n"
        "from oncall_tui import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "text = out.getvalue()\n"
        "for command in ('demo', 'status', 'validate', 'screenshot', 'runbook', 'import-rules'):\n"
        "    assert command in text, command\n"
        "heavy = [m for m in ('textual', 'kubernetes', 'grpc', 'prometheus_api_client', 'httpx')\n"
        "         if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_status_path_never_imports_textual():
    code = (
        "import sys\n"
        "import oncall_tui.commands.status, oncall_tui.sources.registry\n"
        "import oncall_tui.sources.prometheus, oncall_tui.sources.health\n"
        "import oncall_tui.sources.alerts, oncall_tui.sources.kubernetes, oncall_tui.runbooks\n"
        "print(sorted(m for m in ('textual', 'kubernetes', 'grpc') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--config", "x.yaml", "--format", "json"],
        ["--config", "x.yaml", "status", "--service", "api"],
        ["--config=x.yaml", "--record", "r.sqlite", "status", "--recording", "f", "--at=-15m"],
        ["--config", "status", "status"],  # a config file named like a command
        ["demo", "--seed", "3", "--theme", "t"],
        ["validate", "--online"],
        ["screenshot", "--demo", "--screen", "runbook", "--at", "12.5"],
        ["runbook", "a.md#down", "--commands", "--format", "json"],
        ["record", "--for", "10m", "--log-every", "1m", "--demo"],
        ["replay", "f.sqlite", "--from=-15m", "--speed", "10", "--as-recorded"],
        ["import-rules", "a.yml", "b.yml", "--service", "api"],
        ["import-slo", "s.yaml", "--recorded"],
        ["import-grafana", "d.json", "--check", "--strict"],
        ["incident", "list"],
        ["postmortem", "--out", "pm.md"],
        ["--service", "api"],  # the dashboard: no command
    ],
)
def test_the_parser_of_one_command_parses_it_as_the_whole_parser_does(argv):
    """`oncall` builds only the parser of the command it runs; the answer is the same."""
    from oncall_tui.cli import _join_relative_times, _named_command

    given = _join_relative_times(argv)
    only = _named_command(given)
    if argv[0] == "--service":
        assert only is None
    else:
        assert only is not None
    assert vars(build_parser(only=only).parse_args(given)) == vars(build_parser().parse_args(given))


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["--conf", "x.yaml", "status"], ["-h", "status"], []],
)
def test_help_the_version_and_abbreviations_get_the_whole_parser(argv):
    from oncall_tui.cli import _named_command

    assert _named_command(argv) is None


def test_a_command_s_own_help_is_whole(capsys):
    with pytest.raises(SystemExit):
        main_ = __import__("oncall_tui.cli", fromlist=["main"]).main
        main_(["status", "--help"])
    out = capsys.readouterr().out
    assert "--format" in out and "--recording" in out and "--config" in out
