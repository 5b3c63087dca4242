"""The keys a paged engineer presses, timed as a terminal sees them, on a 50-service config.

Part of `bench/ui.py` (`--only keys`). One `oncall --config <tmp>/oncall.yaml` under a pty
of 200x60: 50 services x 7 KPIs against a real Prometheus (the scenario of bench/ui.py,
five times over), every KPI linked to a section deep in the largest runbook of the tests
(the 22 KB operations guide under /work/shared/reference, else runbooks/cqar.md).

It prints:

- idle CPU and bytes/s over --idle seconds after the first data (target <= 1.5 % of a core);
- key latency, from writing the key to the pty until the text that proves the key's screen
  was written: `enter` (overview -> service screen), `r` (the pane's title, and the linked
  section's first words), `escape` (pane -> service screen, service -> overview), `a`
  (alerts), `w` (war room); each pressed --presses times, first press and median;
- idle CPU and bytes/s with the pane open beside the panels;
- RSS after each of 20 runbook open/close rounds: after the first, after the last, growth.
"""

from __future__ import annotations

import re
import shutil
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from ptyrun import PtyRun
from servers.exporter import Exporter, drive_services
from servers.prometheus import PrometheusServer

COLS, ROWS = 200, 60
SERVICES = 50
REFERENCE = Path("/work/shared/reference/000_6ea110b529827264.txt")
SECTION = "service-wont-start"
TITLE = re.compile(rb"runbook \S+ \xc2\xa7 Service Won't Start")
# the first words under that heading, as the pane writes them
SECTION_TEXT = re.compile(rb"Check logs|Verify infrastructure|Check configuration")
VALUE = re.compile(rb"\d[\d.]* ms")
SERVICE_SCREEN = re.compile(rb"s\d\d \xc2\xb7 service svc\d")
OVERVIEW = re.compile(rb"services \xc2\xb7 worst first")
ALERTS = re.compile(rb"nothing firing or pending|\d+ firing \xc2\xb7")
WAR_ROOM = re.compile(rb"data (?:just now|\d+ s ago)")  # the tiles' last line
# the service screen's timeline, at the right where the pane was
PANE_CLOSED = re.compile(rb"timeline")
KEY_TIMEOUT = 20.0
ESC = b"\x1b"
#: Textual's wait after a lone escape byte (ESCDELAY, 100 ms) before it is the escape key,
#: with a margin
ESCAPE_DELAY = 0.15


@dataclass
class KeyTimes:
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, seconds: float | None) -> None:
        self.samples.setdefault(key, []).append(float("nan") if seconds is None else seconds)


@dataclass
class KeysResult:
    idle_cpu: float  # % of one core
    idle_bytes: float  # bytes per second
    pane_cpu: float
    pane_bytes: float
    keys: KeyTimes
    rss: list[int]
    opens: KeyTimes  # the `r` of the RSS rounds


def runbook_source(root: Path) -> Path:
    return REFERENCE if REFERENCE.exists() else root / "runbooks" / "cqar.md"


def write_config(folder: Path, url: str, root: Path) -> Path:
    from ui import service_yaml

    books = folder / "runbooks"
    books.mkdir(exist_ok=True)
    shutil.copy(runbook_source(root), books / "guide.md")
    services = {}
    for index in range(SERVICES):
        service = service_yaml(f"svc{index % 10}")
        service["runbook"] = "guide.md"
        for kpi in service["kpis"].values():  # type: ignore[union-attr]
            kpi["runbook"] = f"guide.md#{SECTION}"
        services[f"s{index:02d}"] = service
    config = {
        "runbooks": ["runbooks"],
        "datasources": {"default": {"type": "prometheus", "url": url, "timeout": "3s"}},
        "services": services,
    }
    path = folder / "oncall.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def press(run: PtyRun, key: bytes, pattern: re.Pattern[bytes]) -> float | None:
    at = run.send(key)
    seen = run.wait_for(pattern, KEY_TIMEOUT, after=at)
    return None if seen is None else seen - at


def settle(run: PtyRun) -> None:
    """Until the screen is quiet. Never less than Textual's escape delay: a key written
    sooner after `escape` would be read with it as alt+key (`escape r` is alt+r)."""
    time.sleep(ESCAPE_DELAY)
    run.wait_quiet(0.4, 5.0)


def window(run: PtyRun, seconds: float) -> tuple[float, float]:
    """(% of one core, bytes per second) over the next `seconds`."""
    start, cpu = run.now(), run.cpu()
    time.sleep(seconds)
    end, cpu_end = run.now(), run.cpu()
    written = sum(len(c.data) for c in run.chunks(start, end))
    return (cpu_end - cpu) / (end - start) * 100, written / (end - start)


def open_pane(run: PtyRun, keys: KeyTimes) -> bool:
    """`r`, timed to the title and to the section's text; False when either timed out."""
    at = run.send(b"r")
    title = run.wait_for(TITLE, KEY_TIMEOUT, after=at)
    section = run.wait_for(SECTION_TEXT, KEY_TIMEOUT, after=at)
    keys.add("r (title)", None if title is None else title - at)
    keys.add("r (section)", None if section is None else section - at)
    return title is not None and section is not None


def ms(seconds: float | None) -> str:
    return "timed out" if seconds is None or seconds != seconds else f"{seconds * 1000:.0f} ms"


def session(argv: list[str], cwd: str, env: dict[str, str], idle: float, presses: int):
    keys = KeyTimes()
    with PtyRun(argv, cols=COLS, rows=ROWS, env=env, cwd=cwd) as run:
        if run.wait_for(VALUE, 60.0) is None:
            tail = run.output()[-2000:].decode("utf-8", "replace")
            raise SystemExit(f"no value on screen within 60 s: {argv}\n{tail}")
        time.sleep(3.0)
        idle_cpu, idle_bytes = window(run, idle)
        print(f"  keys: idle {idle_cpu:.1f} % of a core", flush=True)
        for index in range(presses):
            settle(run)
            keys.add("enter", press(run, b"\r", SERVICE_SCREEN))
            settle(run)
            open_pane(run, keys)
            settle(run)
            keys.add("escape (pane)", press(run, ESC, PANE_CLOSED))
            keys.add("escape (service)", press(run, ESC, OVERVIEW))
            settle(run)
            keys.add("a", press(run, b"a", ALERTS))
            settle(run)
            keys.add("escape (alerts)", press(run, ESC, OVERVIEW))
            settle(run)
            keys.add("w", press(run, b"w", WAR_ROOM))
            settle(run)
            keys.add("escape (war room)", press(run, ESC, OVERVIEW))
            print(
                f"  keys round {index + 1}: "
                + ", ".join(f"{key} {ms(times[-1])}" for key, times in keys.samples.items()),
                flush=True,
            )
        # the pane open beside the panels: what does it cost while nothing is pressed?
        settle(run)
        press(run, b"\r", SERVICE_SCREEN)
        settle(run)
        open_pane(run, KeyTimes())
        time.sleep(1.0)
        pane_cpu, pane_bytes = window(run, idle)
        print(f"  keys: pane open {pane_cpu:.1f} % of a core", flush=True)
        press(run, ESC, PANE_CLOSED)
        settle(run)
        rss = []
        opens = KeyTimes()
        for index in range(20):
            # a round that timed out would leave the screen somewhere unknown: stop there
            # (and say so) rather than time out on every later round
            if not open_pane(run, opens):
                print(f"  keys: runbook open {index + 1} of 20 timed out; RSS rounds stop")
                break
            settle(run)
            if press(run, ESC, PANE_CLOSED) is None:
                print(f"  keys: closing the pane {index + 1} of 20 timed out; RSS rounds stop")
                break
            settle(run)
            rss.append(run.rss())
        sections = opens.samples.get("r (section)", [])
        print(
            f"  keys: {len(rss)} runbook opens, section median "
            f"{ms(statistics.median(sections) if sections else None)}",
            flush=True,
        )
    return KeysResult(idle_cpu, idle_bytes, pane_cpu, pane_bytes, keys, rss, opens)


def keys_scenario(command: str, workdir: Path, root: Path, env: dict[str, str], idle: float,
                  presses: int) -> list[tuple[str, str, str, str]]:  # fmt: skip
    prefixes = [f"svc{i}" for i in range(10)]
    exporter = Exporter(prefixes)
    stop = threading.Event()
    driver = threading.Thread(target=drive_services, args=(exporter, prefixes, stop), daemon=True)
    driver.start()
    server = PrometheusServer([exporter.target], workdir=workdir / "prometheus-keys")
    try:
        server.wait_for_series(f"sum(rate({prefixes[-1]}_grpc_calls_total[1m])) > 0", 30)
        config = write_config(workdir, server.url, root)
        env = {**env, "COLUMNS": str(COLS), "LINES": str(ROWS)}
        result = session([command, "--config", str(config)], str(workdir), env, idle, presses)
    finally:
        stop.set()
        server.stop()
        exporter.stop()
    return report_rows(result, idle)


def report_rows(result: KeysResult, idle: float) -> list[tuple[str, str, str, str]]:
    name = f"keys x{SERVICES} {COLS}x{ROWS}"
    rows = [
        (name, "idle CPU", f"{result.idle_cpu:.1f} %",
         f"of one core over {idle:.0f} s; {result.idle_bytes / 1024:.1f} KiB/s; "
         "target <= 1.5 %"),  # fmt: skip
        (name, "idle CPU, pane open", f"{result.pane_cpu:.1f} %",
         f"{result.pane_bytes / 1024:.1f} KiB/s; the panels beside redraw on new data only"),
    ]  # fmt: skip
    for key, samples in result.keys.samples.items():
        rest = [s for s in samples[1:] if s == s]
        median = f"{statistics.median(rest) * 1000:.0f} ms" if rest else "-"
        first = samples[0]
        first_text = "timed out" if first != first else f"{first * 1000:.0f} ms"
        note = f"first {first_text}; {len(samples)} presses"
        if key.startswith("r "):
            note += "; target < 200 ms"
        rows.append((name, f"key {key}, median", median, note))
    for key, samples in result.opens.samples.items():
        done = [s for s in samples if s == s]
        if done:
            rows.append((name, f"key {key}, reopened", f"{statistics.median(done) * 1000:.0f} ms",
                         f"median of the RSS rounds' {len(samples)} opens, max "
                         f"{max(done) * 1000:.0f} ms"))  # fmt: skip
    rss = result.rss
    if rss:
        growth = (rss[-1] - rss[0]) / 2**20
        rows.append((name, f"RSS over {len(rss)} runbook opens", f"{growth:+.1f} MiB",
                     f"after the first {rss[0] / 2**20:.0f} MiB, after the last "
                     f"{rss[-1] / 2**20:.0f} MiB; target within 5 MiB of the first"))  # fmt: skip
    return rows
