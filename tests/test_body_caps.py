"""Answers are read with a cap and a total deadline: a 50 MB body, an endless chunked body
and a body trickled a byte at a time all end in a clear error, while `oncall status` stays
small (its peak RSS, as the kernel counts it, under 64 MB: it runs in about 20 to 40 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

RSS_LIMIT_MB = 64


# The kernel's peak RSS of a child counts the memory of the process it was forked from, up
# to its exec: run straight from a pytest worker that has grown to 170 MB, `oncall status`
# would read as 170 MB. So a small launcher forks and execs it and reports its rusage.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
os.write(int(os.environ["ONCALL_TEST_RSS_FD"]), str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str]) -> tuple[int, bytes, bytes, float, float]:
    """(exit code, stdout, stderr, peak RSS in MB, seconds) of one `oncall ARGS...` run as
    the program (`python -m oncall_tui`), its peak RSS read from the kernel's accounting of
    the child (wait4, in the launcher), so the program may end as it does, without running
    code after main."""
    rss_read, rss_write = os.pipe()
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "oncall_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(rss_write,),
        env={**os.environ, "ONCALL_TEST_RSS_FD": str(rss_write)},
        start_new_session=True,  # a kill at the deadline reaches the program too
    )
    os.close(rss_write)
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(child.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(child.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    try:
        child.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        child.wait()
    for reader in readers:
        reader.join(10)
    took = time.monotonic() - started
    with os.fdopen(rss_read, "rb") as report:
        kib = report.read()
    assert kib, f"the launcher reported no RSS (exit {child.returncode}): {b''.join(err)!r}"
    return child.returncode, b"".join(out), b"".join(err), int(kib) / 1024, took


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
    code, out, err, rss_mb, took = run_measured(
        ["status", "--config", str(config), "--format", "json"]
    )
    assert b"Traceback" not in err, err
    return code, json.loads(out), rss_mb, took


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
    code, _out, err, rss_mb, took = run_measured(["validate", "--online", "--config", str(config)])
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    return code, text, rss_mb, took


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
