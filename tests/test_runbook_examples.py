"""The example runbooks: the fixed headings, real commands, and PromQL that parses."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import ResolvedLink, resolve_link
from oncall_tui.runbooks.placeholders import FillContext, fill

REPO = Path(__file__).resolve().parents[1]
REQUIRED = (
    "high-error-rate",
    "high-latency",
    "low-cache-hit-rate",
    "connection-pool-exhausted",
    "queue-backlog",
    "service-not-ready",
)
VARS = {
    "cqar": {"job": "cqar", "namespace": "cqar", "db_host": "cqar-db", "redis_host": "r"},
    "arq": {"job": "arq", "namespace": "arq", "queue": "default"},
    "bazaruto": {"job": "bazaruto", "namespace": "bazaruto", "db_max_connections": "50"},
}


@pytest.fixture(scope="module")
def index() -> RunbookIndex:
    loaded = RunbookIndex.load([REPO / "runbooks"])
    assert loaded.problems == ()
    return loaded


@pytest.mark.parametrize("service", sorted(VARS))
def test_each_example_has_the_fixed_sections_with_promql_and_shell(
    index: RunbookIndex, service: str
) -> None:
    runbook = index.runbook(f"{service}.md")
    assert runbook is not None
    for anchor in REQUIRED:
        section = runbook.section(anchor)
        assert section is not None and section.heading.level == 2, anchor
        languages = {c.language for c in runbook.commands_in(section)}
        assert "promql" in languages or anchor == "service-not-ready", anchor
        assert languages & {"bash", "promql"}, anchor
    assert any("kubectl -n $NAMESPACE" in c.text for c in runbook.commands)


def test_config_example_links_all_resolve(index: RunbookIndex) -> None:
    import re

    text = (REPO / "config.example.yaml").read_text()
    links = re.findall(r"runbook: \"?([a-z]+\.md#[a-z-]+)", text)
    assert len(links) >= 10
    for link in links:
        assert isinstance(resolve_link(index, link), ResolvedLink), link


def test_promql_blocks_fill_completely_and_parse(index: RunbookIndex, tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None and not os.environ.get("CI"):
        pytest.skip("promtool not installed")
    assert promtool is not None, "promtool missing in CI"
    rules = ["groups:", "- name: runbooks", "  rules:"]
    count = 0
    for service, values in VARS.items():
        runbook = index.runbook(f"{service}.md")
        assert runbook is not None
        ctx = FillContext(vars=values, builtins={"service": service})
        for command in runbook.commands:
            if command.language != "promql":
                continue
            result = fill(command.text, ctx, "promql")
            assert result.unfilled == (), (service, command.line, result.unfilled_names)
            expr = " ".join(result.text.split())
            rules.append(f"  - record: runbook:{service}:{command.line}")
            rules.append("    expr: '" + expr.replace("'", "''") + "'")
            count += 1
    assert count >= 30
    path = tmp_path / "rules.yml"
    path.write_text("\n".join(rules) + "\n")
    done = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
