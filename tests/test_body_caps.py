"""Answers are read with a cap and a total deadline: a 50 MB body, an endless chunked body
and a body trickled a byte at a time all end in a clear error, while `oncall status` stays
small (its peak RSS, as the kernel counts it, under 150 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

RSS_LIMIT_MB = 150
# runs `oncall ARGS...` and writes the process's peak RSS (KiB) to the file named first
_MEASURED = """\
import resource, runpy, sys
out, sys.argv = sys.argv[1], ["oncall", *sys.argv[2:]]
try:
    runpy.run_module("oncall_tui", run_name="__main__")
finally:
    open(out, "w").write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def write_config(tmp_path: Path, url: str, timeout: str = "10s") -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""\
datasources:
  default: {{url: "{url}", timeout: {timeout}}}
alertmanager: {{url: "{url}", timeout: {timeout}}}
services:
  svc:
    kpis:
      error_rate: {{query: 'up', warn: 0.1, crit: 0.2}}
"""
    )
    return path


def measured_status(config: Path) -> tuple[int, dict, float, float]:
    """(exit code, JSON report, peak RSS in MB, seconds) of one `oncall status`."""
    rss_file = config.parent / "rss"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(rss_file), "status", "--config", str(config)]
        + ["--format", "json"],
        capture_output=True,
        timeout=90,
        check=False,
    )
    took = time.monotonic() - started
    assert b"Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), int(rss_file.read_text()) / 1024, took


def kpi_error(report: dict) -> str:
    return report["services"]["svc"]["kpis"]["error_rate"]["error"]


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_huge_or_endless_answer_is_too_large_and_status_stays_small(
    hostile_server, tmp_path: Path, mode: str
) -> None:
    hostile_server.mode = mode
    code, report, rss_mb, took = measured_status(write_config(tmp_path, hostile_server.url))
    print(f"{mode}: exit {code}, peak RSS {rss_mb:.0f} MB, {took:.1f} s")
    assert code == 3  # unknown: nothing could be read
    assert "too large" in kpi_error(report)
    assert rss_mb < RSS_LIMIT_MB
    assert took < 30


def test_a_trickled_answer_ends_at_the_timeout(hostile_server, tmp_path: Path) -> None:
    hostile_server.mode = "trickle"
    hostile_server.trickle_every = 0.1  # a byte every 100 ms: no read ever times out
    config = write_config(tmp_path, hostile_server.url, timeout="1500ms")
    code, report, _rss, took = measured_status(config)
    assert code == 3
    assert "no complete answer within 1.5 s" in kpi_error(report)
    assert took < 15
