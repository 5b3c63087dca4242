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


def measured_validate(config: Path) -> tuple[int, str, float, float]:
    """(exit code, stderr, peak RSS in MB, seconds) of one `oncall validate --online`."""
    rss_file = config.parent / "rss"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(rss_file), "validate", "--online"]
        + ["--config", str(config)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    took = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr, int(rss_file.read_text()) / 1024, took


def capped_config(tmp_path: Path, url: str, max_body: str, timeout: str = "10s") -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""\
datasources:
  default: {{url: "{url}", timeout: {timeout}, max_body: {max_body}}}
services:
  svc:
    kpis:
      error_rate: {{query: 'up', warn: 0.1, crit: 0.2}}
"""
    )
    return path


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_validate_online_reads_no_answer_past_max_body_and_names_the_url_and_the_cap(
    hostile_server, tmp_path: Path, mode: str
) -> None:
    """prometheus-api-client's answers are capped like PrometheusClient's: a 50 MB body with
    its Content-Length, or a chunked one that never ends, is refused at `max_body`, on the
    query's own line, and validate stays small and quick."""
    hostile_server.mode = mode
    config = capped_config(tmp_path, hostile_server.url, "1MiB")
    code, err, rss_mb, took = measured_validate(config)
    print(f"validate {mode}: exit {code}, peak RSS {rss_mb:.0f} MB, {took:.1f} s")
    assert code == 1
    line = next(x for x in err.splitlines() if "error_rate" in x)
    assert line.endswith(
        f"oncall.yaml:6: services.svc.kpis.error_rate.query: query failed: answer too large: "
        f"more than 1 MiB from {hostile_server.url}/api/v1/query (max_body)"
    ), line
    assert rss_mb < RSS_LIMIT_MB
    assert took < 30


def test_validate_online_reads_an_answer_under_max_body_whole(
    hostile_server, tmp_path: Path
) -> None:
    hostile_server.mode = "huge"
    hostile_server.huge_bytes = 300 * 1024  # a valid answer, under the 1 MiB cap: read whole
    code, err, _rss, _took = measured_validate(capped_config(tmp_path, hostile_server.url, "1MiB"))
    assert code == 1
    assert "too large" not in err, err
    assert "the query returned nothing" in err, err  # its (empty) result was parsed


def test_validate_online_gives_a_trickled_answer_its_timeout_for_the_whole_body(
    hostile_server, tmp_path: Path
) -> None:
    hostile_server.mode = "trickle"
    hostile_server.trickle_every = 0.1  # a byte every 100 ms: no single read ever times out
    config = capped_config(tmp_path, hostile_server.url, "1MiB", timeout="1500ms")
    code, err, _rss, took = measured_validate(config)
    assert code == 1
    line = next(x for x in err.splitlines() if "error_rate" in x)
    assert line.endswith(
        "services.svc.kpis.error_rate.query: query failed: "
        "no complete answer within 1.5 s (the whole request, body included)"
    ), line
    assert took < 15
