"""`oncall status` loads only what its config and its output need (a fresh interpreter)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from servers.process import refused_port

PROBE = """
import json, sys
from oncall_tui.cli import main
code = main(sys.argv[1:])
heavy = ("grpc", "kubernetes", "markdown_it", "httpx._main", "click", "pygments")
loaded = sorted({m.split(".")[0] if m != "httpx._main" else m for m in sys.modules
                 if m.split(".")[0] in heavy or m == "httpx._main"})
real_cli = getattr(sys.modules.get("httpx._main"), "__file__", None) is not None
print(json.dumps({"code": code, "loaded": loaded, "real_httpx_cli": real_cli,
                  "modules": sorted(sys.modules), "gc": __import__("gc").isenabled()}))
"""


def run_status(config: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "status", "--config", str(config), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**_no_proxy(os.environ), **(env or {})},
    )
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


def _no_proxy(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """A named proxy keeps `oncall status` on httpx (which honours it): not here."""
    return {k: v for k, v in environ.items() if not k.lower().endswith("_proxy")}


def test_status_without_grpc_kubernetes_or_runbooks_imports_none_of_them(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "api.md").write_text("# API\n\n## Down\n\n```bash\nls\n```\n")
    closed = refused_port()
    config = tmp_path / "oncall.yaml"
    config.write_text(
        f"""
runbooks: [runbooks]
datasources:
  default: {{url: "http://127.0.0.1:{closed}", timeout: 1s}}
services:
  api:
    runbook: api.md
    kpis:
      queue_depth: {{query: "max(q)", warn: 5, crit: 10}}
    health:
      - {{name: ready, url: "http://127.0.0.1:{closed}/ready", timeout: 1s}}
"""
    )
    out = run_status(config)
    assert out["code"] == 2  # nothing answers: crit, and the run still ended normally
    # no gRPC probe, no kubernetes block, no alert to link to a runbook, no httpx CLI
    assert out["loaded"] == ["httpx._main"], out
    assert out["real_httpx_cli"] is False


async def test_alerts_from_a_queried_prometheus_share_its_client(tmp_path: Path) -> None:
    from oncall_tui.config.loader import load_config
    from oncall_tui.sources.alerts import AlertSource
    from oncall_tui.sources.prometheus import PrometheusSource
    from oncall_tui.sources.registry import build_sources

    config = tmp_path / "oncall.yaml"
    config.write_text(
        """
datasources:
  default: {url: "http://127.0.0.1:9/", timeout: 1s}
services:
  api:
    kpis:
      queue_depth: {query: "max(q)", warn: 5, crit: 10}
"""
    )
    sources = build_sources(load_config(config))
    prometheus = next(s for s in sources if isinstance(s, PrometheusSource))
    alerts = next(s for s in sources if isinstance(s, AlertSource))
    assert alerts._http_client() is prometheus.client.http
    await alerts.aclose()
    assert not prometheus.client.http.is_closed  # the owner closes it
    await prometheus.aclose()
    assert prometheus.client.http.is_closed


#: modules a `oncall status --format json` run on Prometheus KPIs alone never needs: the
#: recording store and SQLite (no recording is being written), the probe and Kubernetes
#: records and sources (none configured), `rules:` mode's rule reader, the incident policy
#: (no incident is opened), the UI and its libraries, the PromQL checker and the table renderer
NOT_FOR_PLAIN_KPIS = (
    "sqlite3",
    "difflib",  # the config reader names a close spelling only for a misspelled key
    "oncall_tui.store.reader",
    "oncall_tui.store.history",
    "oncall_tui.store.writer",
    "oncall_tui.store.source",
    "oncall_tui.sources.health.records",
    "oncall_tui.sources.health.source",
    "oncall_tui.sources.kubernetes.records",
    "oncall_tui.sources.kubernetes.source",
    "oncall_tui.sources.alerts.rules_state",
    "oncall_tui.rules.reader",
    "oncall_tui.config.incidents",
    "oncall_tui.config.incident_model",
    "oncall_tui.engine.slo",  # no SLOs configured
    "oncall_tui.config.slos",
    "oncall_tui.config.slo_model",
    "oncall_tui.render.slo_text",
    "oncall_tui.ui",
    "textual",
    "rich",
    "markdown_it",
    "promql_parser",
    "prometheus_api_client",
    # one poll with no event loop, on the blocking client: neither asyncio nor httpx
    "asyncio",
    "httpx",
    "httpcore",
    "anyio",
)


def test_status_on_kpis_alone_loads_no_store_probes_kubernetes_rules_or_ui(
    tmp_path: Path,
) -> None:
    """The recording of this config exists but was last written long ago: status neither
    opens it nor loads SQLite (its modification time says it cannot be continued)."""
    closed = refused_port()
    state = tmp_path / "state"
    config = tmp_path / "oncall.yaml"
    recording = tmp_path / "old.sqlite"
    recording.write_bytes(b"")
    os.utime(recording, (1_000_000_000, 1_000_000_000))
    config.write_text(
        f"""
record: {{path: {recording}}}
datasources:
  default: {{url: "http://127.0.0.1:{closed}", timeout: 1s}}
services:
  api:
    kpis:
      queue_depth: {{query: "max(q)", warn: 5, crit: 10}}
"""
    )
    out = run_status(config, env={"XDG_STATE_HOME": str(state)})
    assert out["code"] == 3  # the only datasource does not answer: unknown
    assert out["gc"] is True  # called as a function, main() returns with the collector on
    modules = set(out["modules"])  # type: ignore[arg-type]
    assert "oncall_tui.sources.prometheus.client" in modules  # the probe saw the real run
    loaded = sorted(m for m in NOT_FOR_PLAIN_KPIS if m in modules)
    assert loaded == [], loaded


def test_status_with_probes_and_kubernetes_loads_their_records(tmp_path: Path) -> None:
    """The other side of the lazy imports: configured, they are loaded and judged."""
    closed = refused_port()
    config = tmp_path / "oncall.yaml"
    config.write_text(
        f"""
record: false
services:
  api:
    health:
      - {{name: ready, url: "http://127.0.0.1:{closed}/ready", timeout: 1s}}
"""
    )
    out = run_status(config)
    assert out["code"] == 2
    assert "oncall_tui.sources.health.records" in out["modules"]  # type: ignore[operator]
    assert "asyncio" not in out["modules"]  # type: ignore[operator]  # HTTP probes, no loop


def test_a_recording_written_lately_is_opened_and_an_old_one_is_not(tmp_path: Path) -> None:
    from oncall_tui.store.paths import MTIME_SKEW, written_lately

    path = tmp_path / "rec.sqlite"
    assert not written_lately(path, 30)  # no file
    path.write_bytes(b"")
    now = 2_000_000_000.0
    os.utime(path, (now - 31 - MTIME_SKEW, now - 31 - MTIME_SKEW))
    assert not written_lately(path, 30, now)
    assert written_lately(path, 32, now)
    wal = tmp_path / "rec.sqlite-wal"  # rows land in the write-ahead log first
    wal.write_bytes(b"")
    os.utime(wal, (now - 5, now - 5))
    assert written_lately(path, 30, now)


def test_status_as_the_program_ends_with_its_whole_answer_and_its_exit_code(
    tmp_path: Path,
) -> None:
    """The console script skips the interpreter's teardown after a status: the JSON still
    arrives whole through a pipe, the exit code is the verdict's, and a reader that stops
    early changes neither."""
    closed = refused_port()
    config = tmp_path / "oncall.yaml"
    panels = "\n".join(
        f'      - {{title: k{i}, query: "max(q{i})", warn: 5, crit: 10}}' for i in range(60)
    )
    config.write_text(
        f"""
record: false
datasources:
  default: {{url: "http://127.0.0.1:{closed}", timeout: 1s}}
services:
  api:
    panels:
{panels}
    health:
      - {{name: ready, url: "http://127.0.0.1:{closed}/ready", timeout: 1s}}
"""
    )
    oncall = str(Path(sys.executable).parent / "oncall")
    argv = [oncall, "status", "--config", str(config), "--format", "json"]
    # as from a user's shell: output block-buffered (a test runner may set PYTHONUNBUFFERED)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2, done.stderr  # the probe fails: crit
    answer = json.loads(done.stdout)  # whole
    assert answer["exit_code"] == 2
    assert len(answer["services"]["api"]["kpis"]) == 60
    # an answer smaller than the stream's buffer stays in it until flushed
    small = tmp_path / "small.yaml"
    small.write_text(config.read_text().split("    panels:")[0] + "    health: []\n")
    argv_small = [oncall, "status", "--config", str(small), "--format", "json"]
    done = subprocess.run(argv_small, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 3, done.stderr  # nothing to judge: unknown
    assert json.loads(done.stdout)["exit_code"] == 3
    # the table too, and a reader that leaves after the first line
    head = subprocess.run(
        f"{shlex.quote(oncall)} status --config {shlex.quote(str(config))}; echo rc=$?",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert head.stdout.strip().endswith("rc=2"), head.stdout[-300:] + head.stderr
    piped = subprocess.run(
        ["bash", "-c", f'{shlex.join(argv)} | head -c 10 >/dev/null; echo "${{PIPESTATUS[0]}}"'],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert piped.stdout.strip() in ("2", "0"), piped  # never a traceback's 1 or 120
    assert "Traceback" not in piped.stderr and "Exception ignored" not in piped.stderr
