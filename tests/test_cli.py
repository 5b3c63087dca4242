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
