"""An incident run through the TUI on the demo with a frozen clock: declared with `i`,
escalated past 15 and 30 minutes, noted, stamped, resolved, written up.

The recording is real (SQLite, the recorder's writer thread); the postmortem's figures are
checked against what the dashboard itself showed while the scripted incident ran.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt
from textual.widgets import TextArea

from oncall_tui.config.incidents import DEFAULT_POLICY
from oncall_tui.engine.incident import Milestone
from oncall_tui.sources.base import CheckKind
from oncall_tui.sources.demo import DemoSource, demo_config
from oncall_tui.sources.demo.incidents import INCIDENT_START
from oncall_tui.store.recorder import Recorder
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.headless import FrozenClock
from oncall_tui.ui.incidents.forms import UpdateForm
from oncall_tui.ui.incidents.screen import IncidentScreen
from oncall_tui.ui.incidents.war_clock import IncidentClock

STEP = 5.0


async def until(pilot, condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    """Refresh and let workers run until `condition()` holds (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pilot.app.tick()
        await pilot.pause(0.02)
        if condition():
            return True
    return condition()


class Run:
    """Polls the demo on the frozen clock and keeps what the dashboard showed of cqar."""

    def __init__(self, app: OncallApp, clock: FrozenClock) -> None:
        self.app, self.clock = app, clock
        self.shown: list[tuple[float, float | None, float | None]] = []
        self.breaches: list[float] = []

    async def advance(self, seconds: float) -> None:
        elapsed = 0.0
        while elapsed < seconds:
            self.clock.advance(STEP)
            elapsed += STEP
            await self.app.poller.poll_once()
            self.app.tick()
            svc = self.app.state.snapshot().service("cqar")
            assert svc is not None
            rate = svc.check(CheckKind.KPI, "request_rate")
            errors = svc.check(CheckKind.KPI, "error_rate")
            self.shown.append(
                (self.clock.now, rate.value if rate else None, errors.value if errors else None)
            )
            if svc.status.is_breach:
                self.breaches.append(self.clock.now)


def expected_impact(shown, begin: float, end: float) -> tuple[float, float]:
    """Requests and failures from the values the dashboard showed (trapezoids)."""
    points = [(t, r, e) for t, r, e in shown if begin <= t <= end and r is not None]
    served = failed = 0.0
    for (t0, r0, e0), (t1, r1, e1) in zip(points, points[1:], strict=False):
        served += (t1 - t0) * (r0 + r1) / 2
        failed += (t1 - t0) * (r0 * (e0 or 0.0) + r1 * (e1 or 0.0)) / 2
    return served, failed


async def test_an_incident_from_declaration_to_postmortem(tmp_path: Path) -> None:
    config = replace(demo_config(), incidents=DEFAULT_POLICY)
    clock = FrozenClock()
    calm = 60.0  # a minute of calm before cqar's scripted incident begins
    source = DemoSource(config, clock, 7, start_offset=INCIDENT_START["cqar"] - calm)
    path = tmp_path / "rec.sqlite"
    recorder = Recorder.start(config, path, clock=clock)
    app = OncallApp(config, sources=[source], clock=clock, live=False, demo=True, recorder=recorder)
    run = Run(app, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await run.advance(calm + 20.0)  # the cache collapsed; latency climbs
        assert run.breaches, "the scripted incident breaches within 20 s"
        first_breach = run.breaches[0]

        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"cache hit rate collapsing")
        await pilot.press("ctrl+s")
        assert await until(pilot, lambda: app.incident_view is not None)
        incident = app.incident_view.incident  # type: ignore[union-attr]
        assert incident.services == ("cqar",)  # the worst service, defaulted
        assert incident.severity == "P2"
        declared = incident.started_at
        assert app.incident_view.detected_at == first_breach  # type: ignore[union-attr]

        header = app.incident_header()
        assert header is not None and header[0].startswith(f"{incident.ref} P2 INVESTIGATING")
        assert "L3 Engineering lead in 15:00" in header[0]

        await pilot.press("w")  # the war-room view carries the clocks large
        assert await until(pilot, lambda: app.screen.query(IncidentClock))
        big = app.screen.query_one(IncidentClock)
        assert await until(pilot, lambda: big.has_class("-open"))
        assert "L3 Engineering lead in 15:00" in str(big.query_one(".clock-facts").render())
        await pilot.press("w")

        await run.advance(16 * 60)
        assert await until(pilot, lambda: "L4 Executive in 14:" in app.incident_header()[0])
        c = app.incident_clocks()
        assert c is not None and c.level.level == "L3 Engineering lead"  # type: ignore[union-attr]
        assert c.update_interval == 30 * 60  # P2's own interval
        assert any("escalated to L3" in str(n.message) for n in app._notifications)
        # the header keeps the escalation, loud, until someone opens the incident
        header = app.incident_header()
        assert header[0].startswith("⚑ L3 Engineering lead reached: i acknowledges") and header[1]
        # P2 must be acknowledged within 30 min: 14 min left, counting down in the header
        assert "respond in 14:" in app.incident_header()[0]

        await run.advance(15 * 60)
        c = app.incident_clocks()
        assert c is not None and c.level.level == "L4 Executive"  # type: ignore[union-attr]
        assert c.update_interval == 5 * 60  # the executive level wants updates every 5 min
        assert "respond" in app.incident_header()[0] and app.incident_header()[1]  # late: loud

        assert app.incident_header()[0].startswith("⚑ L4 Executive reached")
        await pilot.press("i")
        assert await until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert not app.incident_header()[0].startswith("⚑")  # acknowledged by looking
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"cache memory raised")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("m")  # acknowledged is the first not yet stamped (detected is auto)
        await pilot.pause()
        await pilot.press("down")
        await pilot.press("ctrl+s")
        assert await until(
            pilot,
            lambda: (
                Milestone.ACKNOWLEDGED in app.incident_view.incident.milestones  # type: ignore[union-attr]
                and any(e.kind == "note" for e in app.incident_view.events)
            ),  # type: ignore[union-attr]
        )
        await run.advance(60)
        await pilot.press("R")
        await pilot.pause()
        await pilot.press(*"cache nodes out of memory")
        await pilot.press("tab")
        await pilot.press(*"raised the limit")
        await pilot.press("enter")
        assert await until(pilot, lambda: app.incident_view is None)
        resolved_at = clock.now
        recorder.flush()
        # the resolution notice is shown for copying; escape closes it uncopied
        assert await until(pilot, lambda: isinstance(app.screen, UpdateForm))
        assert "Root cause: cache nodes out of memory" in app.screen.query_one(TextArea).text
        await pilot.press("escape")
        assert await until(pilot, lambda: isinstance(app.screen, IncidentScreen))

        await pilot.press("P")
        out = app.postmortem_path(incident.ref)
        assert await until(pilot, out.exists)
    text = out.read_text()

    tokens = MarkdownIt().enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == f"Postmortem {incident.ref}: cache hit rate collapsing"
    for wanted in ("Impact", "What breached", "Timeline", "Charts", "Root cause", "Lessons"):
        assert wanted in headings
    assert sum(1 for t in tokens if t.type == "table_open") >= 3

    def row(name: str) -> str:
        line = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
        return line.split("|")[2].strip()

    assert row("Detection") == f"{round((declared - first_breach) / 60)} min"
    assert row("Resolution") == f"{round((resolved_at - first_breach) / 60)} min"
    assert row("Duration") == f"{round((resolved_at - declared) / 60)} min"
    assert row("Resolution") == "32 min"  # 32 min after the declaration, plus ~15 s
    served, failed = expected_impact(run.shown, first_breach, resolved_at)
    assert f"About {round(served):,} requests served and {round(failed):,} failed" in text
    assert "cache memory raised" in text  # the note is on the timeline
    assert "cache nodes out of memory" in text  # the root cause
    assert "cache hit rate" in text  # a KPI that breached, charted
    assert "```text" in text


async def test_an_incident_started_from_a_shell_shows_in_a_running_dashboard(
    tmp_path: Path,
) -> None:
    config = demo_config()
    path = tmp_path / "rec.sqlite"
    app = OncallApp(
        config,
        sources=[DemoSource(config, time.time, 7)],
        live=False,
        demo=True,
        incident_path=path,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()
        assert app.incident_header() is None
        process = await asyncio.create_subprocess_exec(
            sys.executable,  # this interpreter: a clean machine may have no `python`
            "-c",
            "import sys; from oncall_tui.cli import main; sys.exit(main(sys.argv[1:]))",
            "incident",
            "start",
            "--record",
            str(path),
            "--config",
            str(write_demo_like_config(tmp_path)),
            "--severity",
            "P1",
            "--service",
            "cqar",
            "--title",
            "from a shell",
        )
        assert await asyncio.wait_for(process.wait(), 30) == 0
        assert await until(pilot, lambda: app.incident_header() is not None)
        assert "INC-1 P1 INVESTIGATING" in app.incident_header()[0]  # type: ignore[index]


def write_demo_like_config(tmp_path: Path) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources:\n  default: {url: http://127.0.0.1:1}\n"
        "services:\n  cqar:\n    kpis:\n      request_rate: {query: 'up'}\n"
    )
    return path
