"""`oncall status` loads only what its config and its output need (a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from servers.prometheus import free_port

PROBE = """
import json, sys
from oncall_tui.cli import main
code = main(sys.argv[1:])
heavy = ("grpc", "kubernetes", "markdown_it", "httpx._main", "click", "pygments")
loaded = sorted({m.split(".")[0] if m != "httpx._main" else m for m in sys.modules
                 if m.split(".")[0] in heavy or m == "httpx._main"})
real_cli = getattr(sys.modules.get("httpx._main"), "__file__", None) is not None
print(json.dumps({"code": code, "loaded": loaded, "real_httpx_cli": real_cli}))
"""


def run_status(config: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "status", "--config", str(config), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


def test_status_without_grpc_kubernetes_or_runbooks_imports_none_of_them(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "api.md").write_text("# API\n\n## Down\n\n```bash\nls\n```\n")
    closed = free_port()
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
