"""Numbers, headers, URLs, TLS and token files the config cannot use are refused at load time,
with file:line:key; nothing that passes makes the app crash at start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_tui.config.loader import ConfigErrors, parse_config

PROBE = 'services:\n  a:\n    health:\n      - {name: x, url: "http://127.0.0.1:9/", %s}\n'
KPI = (
    'datasources: {d: {url: "http://127.0.0.1:9"}}\n'
    "services:\n  a:\n    kpis:\n      error_rate: {query: up, %s}\n"
)


def problems(text: str, tmp_path: Path) -> str:
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, tmp_path / "oncall.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refresh: .nan\n" + PROBE % "interval: 5s", "oncall.yaml:1: refresh: a duration must be"),
        (PROBE % "timeout: .inf", "health[0].timeout: a duration must be a finite"),
        (PROBE % "timeout: 1.0e+30", "health[0].timeout: a duration of at most 400d"),
        (PROBE % "interval: 0", "health[0].interval: must be more than 0"),
        (PROBE % ("interval: 1" + "0" * 400), "health[0].interval: a duration of at most 400d"),
        (PROBE % "timeout: 0s", "health[0].timeout: must be more than 0"),
        (PROBE % "interval: -5", "health[0].interval: a duration cannot be negative"),
        (KPI % "warn: .nan", "kpis.error_rate.warn: expected a finite number"),
        (KPI % "crit: -.inf", "kpis.error_rate.crit: expected a finite number"),
        (KPI % ("warn: 1" + "0" * 400), "kpis.error_rate.warn: expected a finite number, got 1000"),
        (KPI % "warn: 1.0e+19", "kpis.error_rate.warn: a number of at most 1e+18 in size"),
        (KPI % "interval: 0", "kpis.error_rate.interval: must be more than 0"),
        (PROBE % 'headers: {X-A: "é"}', "headers.X-A: an HTTP header value holds visible ASCII"),
        (PROBE % 'headers: {X-A: "a\\r\\nB: c"}', "headers.X-A: an HTTP header value"),
        (PROBE % 'headers: {"X A": "b"}', "'X A' cannot be an HTTP header name"),
        (
            PROBE.replace("http://127.0.0.1:9/", "http://[::1") % "for: 0",
            "health[0].url: not a valid URL",
        ),
        (
            PROBE.replace("127.0.0.1:9", "127.0.0.1:99999") % "for: 0",
            "health[0].url: not a valid URL",
        ),
        (PROBE % "max_body: 10", "health[0].max_body: must be between 1KiB and 1GiB"),
        ("services: " + "[" * 500 + "]" * 500 + "\n", "nested deeper than 32 levels"),
        ("services: " + "[" * 40 + "]" * 40 + "\n", "oncall.yaml:1: YAML syntax error: nested"),
    ],
)
def test_refused_with_line_and_key(text: str, expected: str, tmp_path: Path) -> None:
    assert expected in problems(text, tmp_path)


def test_token_files_that_are_not_small_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big"
    big.write_bytes(b"x" * (70 * 1024))
    for path, words in ((fifo, "not a regular file (a FIFO)"), ("/dev/zero", "(a device)")):
        shown = problems(PROBE % f"bearer_token_file: {path}", tmp_path)
        assert f"health[0].bearer_token_file: cannot read {path}" in shown and words in shown
    assert "larger than 64 KiB" in problems(PROBE % f"bearer_token_file: {big}", tmp_path)
    rules = f"rules: [/dev/zero]\n{PROBE % 'interval: 5s'}"
    assert "rules[0]: not a regular file: /dev/zero" in problems(rules, tmp_path)


def test_tls_files_that_do_not_load(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    shown = problems(PROBE % f"tls: {{ca_file: {garbage}}}", tmp_path)
    assert "health[0].tls.ca_file: not a PEM CA certificate" in shown
    shown = problems(PROBE % f"tls: {{cert_file: {garbage}, key_file: {garbage}}}", tmp_path)
    assert "health[0].tls.cert_file: cannot load the certificate" in shown


def test_control_characters_in_config_text_are_made_visible(tmp_path: Path) -> None:
    text = 'services:\n  a:\n    title: "A\\e]2;owned\\a\\e[2J"\n' + (
        '    health: [{name: x, url: "http://127.0.0.1:9/"}]\n'
    )
    config, _lines = parse_config(text, tmp_path / "oncall.yaml")
    assert config.services["a"].title == "A␛]2;owned␇␛[2J"
