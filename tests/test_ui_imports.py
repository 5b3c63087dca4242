"""The first frame imports only what the overview needs; the rest loads on first use."""

from __future__ import annotations

import subprocess
import sys

LATER = (
    "httpx",
    "kubernetes",
    "grpc",
    "markdown_it",
    "oncall_tui.runbooks.index",
    "oncall_tui.ui.alerts.screen",
    "oncall_tui.ui.alerts.announce",
    "oncall_tui.ui.runbook.screen",
    "oncall_tui.ui.screens.service",
    "oncall_tui.ui.screens.search",
    "oncall_tui.ui.screens.help",
    "textual.widgets._data_table",
)


def test_importing_the_app_leaves_other_screens_and_network_clients_for_later():
    code = (
        f"import sys, oncall_tui.ui.app\nprint(' '.join(m for m in {LATER!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []


def test_the_demo_and_its_app_load_no_network_client():
    code = (
        "import sys\n"
        "from oncall_tui.commands.demo import build_demo_app\n"
        "from oncall_tui.sources.demo import DemoSource, demo_config\n"
        "DemoSource(demo_config(), lambda: 0.0, 7).jobs()\n"
        "print(' '.join(m for m in ('httpx', 'kubernetes', 'grpc') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []
