"""A seeded fuzz of the config: a few hundred configs generated from a valid one, each with
a few hostile values put in (NaN, infinities, zero, negative and 400-digit numbers, wrong
types, control characters, CR/LF and non-ASCII headers, broken URLs, FIFOs and devices as
files, deep nesting, unknown keys).

For every config: loading it never raises anything but ConfigErrors, never hangs, and every
problem names the file, its line and the key. Every config that loads starts: its sources are
built and polled once (every target is a closed loopback port) and the status report renders.
"""

from __future__ import annotations

import asyncio
import copy
import os
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from oncall_tui.config.errors import ConfigErrors
from oncall_tui.config.loader import parse_config
from oncall_tui.engine.poller import Poller
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import to_json, to_table
from oncall_tui.sources.registry import build_sources

SEED = 20261201
CONFIGS = 400
APPS = 4  # accepted configs also started as the dashboard (slower: a few)
PER_CONFIG_SECONDS = 5.0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_config(port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}"
    return {
        "refresh": "5s",
        "datasources": {
            "default": {"url": url, "timeout": "1s", "headers": {"X-Scope-OrgID": "team-a"}}
        },
        "alertmanager": {"url": url, "timeout": "1s", "interval": "10s"},
        "services": {
            "cqar": {
                "title": "CQAR",
                "vars": {"job": "cqar"},
                "health": [
                    {"name": "live", "url": f"{url}/health", "timeout": "1s"},
                    {"name": "grpc", "grpc": f"127.0.0.1:{port}", "timeout": "1s"},
                    {"name": "tcp", "tcp": f"127.0.0.1:{port}", "timeout": "1s"},
                ],
                "kpis": {
                    "error_rate": {
                        "query": 'sum(rate(x{job="$job"}[5m]))',
                        "warn": 0.01,
                        "crit": 0.05,
                    },
                    "latency_p99": {"query": "up", "unit": "s", "warn": 1, "crit": 2, "for": "1m"},
                },
                "panels": [{"title": "Queue", "query": "up", "warn": 5, "crit": 10}],
            }
        },
    }


def hostile_values(tmp: Path) -> list[Any]:
    fifo = tmp / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    deep: Any = "x"
    for _ in range(40):
        deep = {"k": deep}
    benign = ["10s", 0.5, 3, "ok", "team-b", "1m", f"http://127.0.0.1:{closed_port()}/x"]
    return benign + [
        float("nan"),
        float("inf"),
        float("-inf"),
        0,
        -1,
        -0.5,
        10**400,
        "1" + "0" * 400,
        1e300,
        "0s",
        "-5s",
        "1w1w",
        "5x",
        "",
        " ",
        None,
        True,
        [],
        {},
        [1, [2, [3]]],
        deep,
        "\x1b]52;c;cHduZWQ=\x07\x1b[2J",
        "[bold red]x[/]Boom[/x]",
        "é\r\nX-Evil: 1",
        "http://[::1",
        "http://127.0.0.1:99999",
        "htp://user:pass@127.0.0.1",
        "http://",
        "http://user:pw@127.0.0.1:1/x",
        str(fifo),
        "/dev/zero",
        str(tmp / "missing"),
        "${NOT_SET_ANYWHERE}",
        "$${literal}",
        "a" * 5000,
        "1.0e+30",
        ".nan",
        12345678901234567890,
    ]


def paths_of(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path of the document (mapping keys and list indexes)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from paths_of(value, (*prefix, i))


EXTRA_KEYS = [
    "max_body",
    "interval",
    "timeout",
    "bearer_token_file",
    "headers",
    "tls",
    "for",
    "clear",
    "nodata",
    "max_in_flight",
    "history",
    "restart_warn",
    "bogus_key",
    "levels",
    "baseline",
]


def mutate(doc: dict[str, Any], rng: random.Random, values: list[Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths_of(doc)))
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        value = copy.deepcopy(rng.choice(values))
        if rng.random() < 0.25 and isinstance(parent, dict):
            parent[rng.choice(EXTRA_KEYS)] = value  # a key beside it
        elif rng.random() < 0.1 and isinstance(parent, dict) and len(parent) > 1:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return doc


def dump(doc: dict[str, Any]) -> str:
    try:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200)
    except (yaml.YAMLError, RecursionError, OverflowError):
        return yaml.safe_dump({"services": {"x": {}}})


class _Hang(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Hang


async def start(config: Any) -> None:
    """What `oncall status` does: build every source, poll once, render the report."""
    state = DashboardState(config, time.time)
    poller = Poller(build_sources(config, time.time), state)
    try:
        await asyncio.wait_for(poller.poll_once(), PER_CONFIG_SECONDS)
    finally:
        await poller.aclose()
    snapshot = state.snapshot()
    to_json(snapshot)
    to_table(snapshot)


async def start_dashboard(config: Any) -> None:
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(config, live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(app.poll_once(), PER_CONFIG_SECONDS)
        await pilot.pause()
        assert app.is_running and app.return_code is None


def test_fuzzed_configs_load_or_name_every_problem_and_what_loads_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    rng = random.Random(SEED)
    port = closed_port()
    base = base_config(port)
    values = hostile_values(tmp_path)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    started_at = time.monotonic()
    try:
        for i in range(CONFIGS):
            text = dump(mutate(base, rng, values))
            path = tmp_path / f"fuzz-{i}.yaml"
            signal.setitimer(signal.ITIMER_REAL, PER_CONFIG_SECONDS)
            try:
                config, _lines = parse_config(text, path, environ={})
            except ConfigErrors as exc:
                counts["rejected"] += 1
                for error in exc.errors:
                    counts["problems"] += 1
                    named = error.file.endswith(path.name) and error.line > 0
                    if not named or not (error.path or "YAML" in error.message):
                        failures.append(f"config {i}: unnamed problem {error!s}\n{text}")
                continue
            except _Hang:
                failures.append(f"config {i}: loading hung\n{text}")
                continue
            except Exception as exc:  # noqa: BLE001 - the point of the test
                failures.append(f"config {i}: {type(exc).__name__}: {exc}\n{text}")
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            counts["accepted"] += 1
            try:
                asyncio.run(start(config))
                counts["started"] += 1
                if counts["dashboards"] < APPS:
                    asyncio.run(start_dashboard(config))
                    counts["dashboards"] += 1
            except Exception as exc:  # noqa: BLE001
                failures.append(f"config {i} loads but does not start: {exc!r}\n{text}")
    finally:
        signal.signal(signal.SIGALRM, previous)
    took = time.monotonic() - started_at
    print(
        f"\nfuzz seed {SEED}: {CONFIGS} configs, {counts['accepted']} accepted "
        f"({counts['started']} started, {counts['dashboards']} as the dashboard), "
        f"{counts['rejected']} rejected with "
        f"{counts['problems']} problems, {len(failures)} failures, {took:.1f} s"
    )
    assert not failures, "\n\n".join(failures[:5])
    assert counts["accepted"] >= 20 and counts["rejected"] >= 100  # both paths exercised
