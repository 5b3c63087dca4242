"""`r` on an alert finds its section however the heading is written, and a heading of what to
do beats a listing of alert rules whose YAML mentions the alert."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config.model import Service
from oncall_tui.runbooks.alert_links import alert_runbook
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import ResolvedLink
from oncall_tui.sources.alerts.records import Alert

SERVICES = {"ml": Service("ml", "ML serving", "default", runbook="ml.md")}


def index_of(tmp_path: Path, text: str) -> RunbookIndex:
    (tmp_path / "ml.md").write_text(text)
    return RunbookIndex.load([tmp_path])


def opened(tmp_path: Path, text: str, name: str) -> str | None:
    alert = Alert(name, "firing", "critical", {"alertname": name}, {}, service="ml")
    result = alert_runbook(alert, index_of(tmp_path, text), SERVICES, tmp_path)
    assert isinstance(result, ResolvedLink), result
    return result.section.title if result.section is not None else None


@pytest.mark.parametrize("written", ["HighErrorRate", "High Error Rate", "high-error-rate"])
def test_an_alert_finds_its_heading_written_camelcase_in_words_or_slugged(tmp_path, written):
    text = f"# ML\n\n## Overview\n\ntext\n\n#### {written}\n\n1. check the logs\n"
    assert opened(tmp_path, text, "HighErrorRate") == written


@pytest.mark.parametrize("written", ["ModelNotReady", "Model Not Ready", "model-not-ready"])
def test_an_alert_of_no_known_concept_finds_its_heading_too(tmp_path, written):
    text = f"# ML\n\n#### Latency\n\nx\n\n#### {written}\n\n1. restart the model server\n"
    assert opened(tmp_path, text, "ModelNotReady") == written


def test_the_checklist_heading_beats_the_alert_rule_block_that_mentions_the_alert(tmp_path):
    text = """# ML

## Alert rules

#### High Error Rate

```yaml
- alert: HighErrorRate
  expr: sum(rate(errors[5m])) / sum(rate(requests[5m])) > 0.01
```

## Runbooks

#### Runbook: High Error Rate

1. Look at the recent deploys.

```bash
kubectl rollout history deployment/ml
```
"""
    assert opened(tmp_path, text, "HighErrorRate") == "Runbook: High Error Rate"
