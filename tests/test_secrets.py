"""No secret ever leaves the process: not on screen, in status, errors, clipboard, screenshots,
runbook commands or the recording, whatever the server echoes back and however things fail.

Every kind of secret is configured at once: a bearer token (from the environment), a
basic-auth password, a header marked `{secret: ...}`, a header whose name says it is a
credential, and the password of a URL's userinfo. The server quotes every request header
back in labels, annotations, health messages and error bodies. Every output and every file
written is searched for each secret and for the forms an echo carries (base64 of basic auth).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_tui.config.loader import ConfigErrors, load_config, parse_config
from oncall_tui.secret_registry import REGISTRY, redact, strip_userinfo
from oncall_tui.sources.base import CheckKind
from oncall_tui.store.recorder import Recorder
from oncall_tui.ui.app import OncallApp

pytestmark = pytest.mark.integration

TOKEN = "tok-Bearer-7f3a9c2e51"
BASIC_USER, BASIC_PASS = "bob", "basic-Pass-4d1e88"
HEADER_SECRET = "hdr-marked-c0ffee77"
API_KEY = "apikey-0a1b2c3d4e"
URL_USER, URL_PASS = "alice", "url-Pass-99aa11bb"


def secret_forms() -> dict[str, bytes]:
    basic = base64.b64encode(f"{BASIC_USER}:{BASIC_PASS}".encode())
    url_basic = base64.b64encode(f"{URL_USER}:{URL_PASS}".encode())
    return {
        "bearer token": TOKEN.encode(),
        "basic-auth password": BASIC_PASS.encode(),
        "basic-auth header": basic,
        "marked header": HEADER_SECRET.encode(),
        "api key header": API_KEY.encode(),
        "url password": URL_PASS.encode(),
        "url basic-auth header": url_basic,
    }


def assert_no_secret(data: bytes | str, where: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    for kind, form in secret_forms().items():
        assert form not in raw, f"the {kind} leaked into {where}"


def write_config(tmp_path: Path, url: str) -> Path:
    host = url.removeprefix("http://")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir(exist_ok=True)
    (runbooks / "svc.md").write_text(
        "# Svc\n\n## High error rate\n\n```bash\ncurl '{{ datasource_url }}/api/v1/query'\n```\n"
    )
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"""\
refresh: 1s
datasources:
  default:
    url: "http://{URL_USER}:{URL_PASS}@{host}"
    headers:
      X-Scope-OrgID: team-a
      X-Marked: {{secret: "{HEADER_SECRET}"}}
      X-Api-Key: "{API_KEY}"
alertmanager:
  url: "{url}"
  bearer_token: "${{ONCALL_TEST_TOKEN}}"
runbooks: [./runbooks]
record: {{path: "{tmp_path / "rec.sqlite"}"}}
services:
  svc:
    title: Svc
    vars: {{job: svc}}
    runbook: svc.md
    health:
      - name: live
        url: "{url}/health"
        basic_auth: {{username: {BASIC_USER}, password: "{BASIC_PASS}"}}
    kpis:
      error_rate: {{query: 'up', warn: 0.1, crit: 0.2, runbook: "svc.md#high-error-rate"}}
"""
    )
    return path


def _oncall(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "ONCALL_TEST_TOKEN": TOKEN, "XDG_RUNTIME_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("mode", ["echo", "error", "down"])
def test_no_command_output_or_file_holds_a_secret(
    hostile_server, tmp_path: Path, mode: str
) -> None:
    hostile_server.mode = mode
    config = write_config(tmp_path, hostile_server.url)
    shot = tmp_path / "shot.svg"
    runs = [
        ("status", "--config", str(config)),
        ("status", "--config", str(config), "--format", "json"),
        ("validate", "--config", str(config)),
        ("validate", "--config", str(config), "--online"),
        ("runbook", "--config", str(config), "svc.md#high-error-rate", "--commands"),
        ("runbook", "--config", str(config), "svc.md#high-error-rate"),
        ("screenshot", "--config", str(config), "--out", str(shot), "--screen", "alerts"),
        ("screenshot", "--config", str(config), "--out", str(shot), "--screen", "service"),
    ]
    for args in runs:
        done = _oncall(tmp_path, *args)
        assert b"Traceback" not in done.stderr, (args, done.stderr)
        assert_no_secret(done.stdout, f"the stdout of {args}")
        assert_no_secret(done.stderr, f"the stderr of {args}")
        if args[0] == "screenshot":
            assert shot.is_file()
            assert_no_secret(shot.read_bytes(), f"the screenshot of {args}")
    # the server really was sent the credentials, and echoed them back in echo mode
    sent = [h for _, h in hostile_server.hits]
    assert any(h.get("Authorization") == f"Bearer {TOKEN}" for h in sent)
    assert any(h.get("X-Marked") == HEADER_SECRET for h in sent)


async def test_the_dashboard_clipboard_and_recording_hold_no_secret(
    hostile_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_server.mode = "echo"
    monkeypatch.setenv("ONCALL_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    config = load_config(write_config(tmp_path, hostile_server.url))
    recording = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, recording)
    app = OncallApp(config, live=False, recorder=recorder)
    screens: list[str] = []
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(2):
            await app.poll_once()
            await pilot.pause(0.05)
        screens.append(app.export_screenshot())
        app.open_service("svc")
        await pilot.pause(0.3)
        screens.append(app.export_screenshot())
        await pilot.press("a")
        await pilot.pause(0.3)
        await app.poll_once()
        await pilot.pause(0.1)
        screens.append(app.export_screenshot())
        await pilot.press("escape")
        kpi = app.snapshot.service("svc").check(CheckKind.KPI, "error_rate")
        app.open_runbook_for_check(kpi)
        await pilot.pause(0.5)
        await pilot.press("j", "c")
        await pilot.pause(0.5)
        screens.append(app.export_screenshot())
    recorder.close()
    for i, svg in enumerate(screens):
        assert_no_secret(svg, f"screen {i}")
    files_hold_no_secret(tmp_path)
    # the echo did carry the secrets: they were redacted, not absent
    assert "***" in "".join(screens)


def files_hold_no_secret(folder: Path) -> None:
    clipboard = folder / "oncall-clipboard.txt"
    assert clipboard.exists(), "the command was not copied"
    copied = clipboard.read_bytes()
    assert b"curl 'http://127.0.0.1:" in copied  # {{ datasource_url }} without user:password@
    assert_no_secret(copied, "the clipboard file")
    recordings = list(folder.glob("rec.sqlite*"))
    assert recordings, "nothing was recorded"
    for file in recordings:
        assert_no_secret(file.read_bytes(), f"the recording {file.name}")


def test_config_errors_never_quote_a_secret(tmp_path: Path) -> None:
    text = f"""\
datasources:
  default:
    url: "htp://{URL_USER}:{URL_PASS}@example.invalid"
    bearer_token: "{TOKEN}"
    headers: {{X-Api-Key: "{API_KEY}\\u00e9"}}
services:
  svc:
    health: [{{name: a, url: "http://u:{BASIC_PASS}@[::1"}}]
"""
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, tmp_path / "oncall.yaml")
    shown = str(caught.value)
    assert "url" in shown and "X-Api-Key" in shown
    assert_no_secret(shown, "the config errors")


def test_redaction_forms() -> None:
    REGISTRY.add_basic_auth("u", "pa ss/word")
    assert redact("x pa ss/word x") == "x *** x"
    assert redact("x pa%20ss%2Fword x") == "x *** x"
    assert redact(base64.b64encode(b"u:pa ss/word").decode()) == "***"
    assert redact("see http://u:p@host/x") == "see http://***@host/x"
    assert strip_userinfo("http://u:p@host:9/x?q") == "http://host:9/x?q"
    assert redact("abc") == "abc"  # short words are never taken for secrets
