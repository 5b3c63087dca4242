"""Hostile text from every outside source never reaches the terminal as control sequences and
is never read as markup.

A loopback server answers as Prometheus, Alertmanager and a health endpoint with OSC 52,
OSC 2, CSI 2J, markup brackets and `[@click=app.quit]` in every field; the fake Kubernetes API
serves pods and events named the same way; the runbook file carries them too. The pilot walks
every screen: nothing raises, the app keeps running, and no rendered screen holds an ESC byte
(each screen's SVG parses as XML). `oncall runbook` and `oncall screenshot` output hold none.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from servers.hostile import HOSTILE, hostile

from oncall_tui.config.loader import load_config
from oncall_tui.inert import inert_block, inert_json, inert_line
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.runbook.opened import open_pane

pytestmark = pytest.mark.integration

RUNBOOK = f"""\
# Svc runbook {HOSTILE}

## High error rate

Check the pods {HOSTILE}.

```bash
kubectl get pods -l app=svc  # {HOSTILE}
echo "{HOSTILE}"
```

## Probe down {HOSTILE}

Nothing [bold]here[/bold] [@click=app.quit]x[/].
"""


def _poison_kube(objects: Any) -> None:
    """Every name, reason and message of the fake cluster's objects carries HOSTILE."""
    if isinstance(objects, dict):
        for key, value in objects.items():
            if key in ("name", "message", "reason", "nodeName", "image") and isinstance(value, str):
                objects[key] = hostile(value)
            else:
                _poison_kube(value)
    elif isinstance(objects, list):
        for item in objects:
            _poison_kube(item)


def write_config(tmp_path: Path, url: str) -> Path:
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "svc.md").write_text(RUNBOOK)
    config = tmp_path / "oncall.yaml"
    config.write_text(
        f"""\
refresh: 1s
datasources:
  default: {{url: "{url}", timeout: 2s}}
alertmanager: {{url: "{url}", allow_silence: true, interval: 1s}}
runbooks: [./runbooks]
services:
  svc:
    title: Svc
    vars: {{job: svc}}
    runbook: svc.md
    kubernetes: {{context: prod, namespace: cqar, selector: app=cqar}}
    health:
      - {{name: live, url: "{url}/health"}}
      - {{name: down, url: "{url}/health/down"}}
    kpis:
      error_rate:
        {{query: 'up{{job="svc"}}', warn: 0.1, crit: 0.2, runbook: "svc.md#high-error-rate"}}
      latency_p99: {{query: 'bad_query', unit: s, warn: 1, crit: 2}}
"""
    )
    return config


def screen_text(svg: str) -> str:
    """The words of a screen's SVG, as a reader sees them."""
    found = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return html.unescape("".join(found)).replace("\xa0", " ")


def assert_clean(app: OncallApp, where: str) -> str:
    svg = app.export_screenshot()
    assert "\x1b" not in svg, f"ESC on the {where} screen"
    assert "\x9b" not in svg, f"CSI (C1) on the {where} screen"
    ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    assert app.is_running and app.return_code is None, f"the app stopped on the {where} screen"
    return screen_text(svg)


async def settle(pilot, app: OncallApp, rounds: int = 3) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        await app.poll_once()
        await pilot.pause(0.05)


async def test_every_screen_stays_clean_with_hostile_text_everywhere(
    hostile_server, fake_kube, kubeconfig, tmp_path: Path
) -> None:
    _poison_kube(fake_kube.objects)
    config = load_config(write_config(tmp_path, hostile_server.url))
    app = OncallApp(config, live=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        assert app.snapshot is not None
        assert_clean(app, "overview")
        names = [
            n for n in ("/api/v1/query", "/api/v2/alerts", "/health") if n in hostile_server.paths()
        ]
        assert names == ["/api/v1/query", "/api/v2/alerts", "/health"]

        await pilot.press("enter")  # the service screen
        await settle(pilot, app)
        assert type(app.screen).__name__ == "ServiceScreen"
        assert_clean(app, "service")
        await pilot.press("k")  # the pods
        await pilot.pause(0.1)
        assert_clean(app, "workloads")
        app.back_to_overview()
        await pilot.pause(0.1)

        app.open_service("svc")  # `r` on the focused (worst) part: the runbook pane
        await pilot.pause(0.3)
        await pilot.press("r")
        await _until(pilot, lambda: getattr(open_pane(app), "location", None) is not None)
        await pilot.pause(0.3)
        assert_clean(app, "runbook")
        await pilot.press("j", "c")  # copy a hostile command: the copy is made inert
        await pilot.pause(0.3)
        assert_clean(app, "runbook after copy")
        await pilot.press("escape")
        await pilot.pause(0.1)

        await pilot.press("a")  # alerts: hostile names, annotations, runbook_url
        await _until(pilot, lambda: type(app.screen).__name__ == "AlertsScreen")
        await settle(pilot, app)
        shown = assert_clean(app, "alerts")
        # markup in alert text is shown as written, never interpreted
        assert "Boom[/x]␛]52;c;" in shown and "[@click=app.quit]click[/]" in shown
        await pilot.press("r")  # the runbook_url with [/oops] in it
        await pilot.pause(0.3)
        assert_clean(app, "alert runbook")
        if open_pane(app) is not None:
            await pilot.press("escape")
            await pilot.pause(0.1)
        await pilot.press("c")  # copy the hostile URL
        await pilot.pause(0.3)
        assert_clean(app, "alert url copy")
        await pilot.press("S")  # silences
        await pilot.pause(0.5)
        assert_clean(app, "silences")
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("s")  # the silence form shows the alert's name
        await pilot.pause(0.3)
        assert_clean(app, "silence form")
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause(0.1)

        await pilot.press("w")  # the war room
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert_clean(app, "war room")
        await pilot.press("w")
        await pilot.press("slash")  # search
        await pilot.pause(0.2)
        await pilot.press("h", "o", "s", "t")
        await pilot.pause(0.3)
        assert_clean(app, "search")
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert_clean(app, "help")
        await pilot.press("escape")
        await pilot.press("i")  # incident: the declare form, or a notice why not
        await pilot.pause(0.3)
        assert_clean(app, "incident")
        await pilot.press("escape")
        await pilot.pause(0.1)
        await settle(pilot, app)
        assert_clean(app, "overview at the end")


async def _until(pilot, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def _oncall(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_oncall_runbook_prints_no_escape(tmp_path: Path, hostile_server) -> None:
    config = write_config(tmp_path, hostile_server.url)
    for args in (
        ["runbook", "--config", str(config)],
        ["runbook", "--config", str(config), "svc.md#high-error-rate"],
        ["runbook", "--config", str(config), "svc.md#high-error-rate", "--commands"],
        ["runbook", "--config", str(config), "svc.md", "--format", "json"],
    ):
        done = _oncall(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert b"\x1b" not in done.stdout and b"\x1b" not in done.stderr, args
        assert "␛".encode() in done.stdout or b"\\u241b" in done.stdout, args


def test_oncall_screenshot_writes_well_formed_svg(tmp_path: Path, hostile_server) -> None:
    config = write_config(tmp_path, hostile_server.url)
    for screen in ("overview", "alerts", "service"):
        out = tmp_path / f"{screen}.svg"
        done = _oncall(
            "screenshot",
            "--config",
            str(config),
            "--screen",
            screen,
            "--out",
            str(out),
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        data = out.read_bytes()
        assert b"\x1b" not in data, screen
        ET.fromstring(data)


def test_oncall_status_is_clean(tmp_path: Path, hostile_server) -> None:
    config = write_config(tmp_path, hostile_server.url)
    for fmt in ("table", "json"):
        done = _oncall("status", "--config", str(config), "--format", fmt, cwd=tmp_path)
        assert done.returncode in (0, 1, 2, 3), done.stderr
        assert b"Traceback" not in done.stderr
        assert b"\x1b]" not in done.stdout and b"\x1b[2J" not in done.stdout


def test_inert_forms() -> None:
    assert inert_line("a\x1b]2;t\x07b") == "a␛]2;t␇b"
    assert inert_line("x\ny\tz") == "x y z"
    assert inert_block("x\r\ny\rz\x9b") == "x\ny␍z\ufffd"
    assert inert_block("ok\n\ttab") == "ok\n\ttab"
    assert inert_line("\u202egnp.exe") == "\ufffdgnp.exe"
    doc = inert_json({"k\x1b": ["v\x1b", {"n": 1}]})
    assert doc == {"k␛": ["v␛", {"n": 1}]}
    deep: Any = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError):
        inert_json(deep)


def test_an_answer_read_without_the_walk_is_the_one_the_walk_gives() -> None:
    """parse_json skips the walk for plain ASCII without escapes; every other text is walked,
    and depth is bounded either way."""
    import json

    from oncall_tui.sources.json_answer import parse_json, plainly_inert

    plain = b'{"data": {"result": [{"metric": {"job": "a[b]{c}"}, "value": [1, "2.5"]}]}}'
    assert plainly_inert(plain)
    assert parse_json(plain) == inert_json(json.loads(plain))
    hostile = [
        b'{"k": "\\u001b]52;c;x\\u0007"}',  # an escape spelling OSC 52
        b'{"k\\u001b": "v"}',
        b'{"k": "a\x7fb"}',  # DEL stands raw in a JSON string
        '{"k": "\u009b2J", "l": "\u202egnp"}'.encode(),  # C1 CSI, a bidi override
        '{"k": "\u202egnp"}'.encode("utf-16"),  # ASCII-looking bytes, any character
    ]
    for raw in hostile:
        assert not plainly_inert(raw), raw
        walked = inert_json(json.loads(raw))
        assert parse_json(raw) == walked
        assert all(ch.isprintable() for ch in json.dumps(walked, ensure_ascii=False)), walked
    for depth, readable in ((64, True), (65, False), (300, False)):
        deep = b"[" * depth + b'"[[["' + b"]" * depth
        if readable:
            assert parse_json(deep) is not None
        else:
            with pytest.raises(ValueError):
                parse_json(deep)
