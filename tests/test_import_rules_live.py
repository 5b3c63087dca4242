"""An imported `up == 0` rule pages when its target is down, against a real Prometheus.

`import-rules` makes `up{job="x"} == 0` a panel with crit at or below 0 (a value on the line
counts), and the job the rule names becomes the service's `job` var, so the service gets its
built-in `targets up` check too. With the exporter stopped, `oncall status` says crit, exit 2.
"""

from __future__ import annotations

import argparse
import json

import pytest
from servers.exporter import Exporter
from servers.prometheus import PrometheusServer

from oncall_tui.cli import main
from oncall_tui.commands import import_rules
from oncall_tui.rules.emit import DEFAULT_PROMETHEUS_URL

pytestmark = pytest.mark.integration

RULES = """\
groups:
  - name: shop
    rules:
      - alert: ShopDown
        expr: up{job="exporter"} == 0
        labels: {severity: critical}
"""


def test_an_imported_up_rule_is_crit_with_its_target_down(
    exporter: Exporter, prometheus: PrometheusServer, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "shop.yml"
    rules.write_text(RULES)
    assert import_rules.run(argparse.Namespace(files=[str(rules)], service=None)) == 0
    text = capsys.readouterr().out
    assert DEFAULT_PROMETHEUS_URL in text
    config = tmp_path / "oncall.yaml"
    config.write_text(text.replace(DEFAULT_PROMETHEUS_URL, prometheus.url))
    assert main(["validate", "--config", str(config)]) == 0, capsys.readouterr()
    capsys.readouterr()

    def status() -> tuple[int, dict]:
        code = main(["status", "--config", str(config), "--format", "json"])
        return code, json.loads(capsys.readouterr().out)

    code, report = status()  # the target is up: all well
    kpis = report["services"]["shop"]["kpis"]
    assert code == 0, report
    assert kpis["shop_down"]["status"] == "ok" and kpis["targets_up"]["status"] == "ok"

    exporter.stop()
    prometheus.wait_for_series('up{job="exporter"} == 0', timeout=15)
    code, report = status()
    shop = report["services"]["shop"]
    assert code == 2, report
    assert shop["status"] == "crit"
    assert shop["kpis"]["shop_down"]["value"] == 0
    assert shop["kpis"]["shop_down"]["status"] == "crit"
    assert shop["kpis"]["targets_up"]["status"] == "crit"
