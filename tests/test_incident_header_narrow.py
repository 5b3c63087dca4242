"""The incident clock line at 80x24 during the demo's incident: one line that fits, the most
urgent clock kept, the escalation mark first; and notices that leave the panels readable.

The demo plays its incident on a frozen clock (declared, escalated to L3 and L4, updates due
and overdue), driven by the same `DemoIncidentDriver` as `oncall demo`, through the pilot.
"""

from __future__ import annotations

import time

import pytest
from ui_builders import screen_text

from oncall_tui.config.incidents import DEFAULT_POLICY
from oncall_tui.engine.incident import Incident, clocks
from oncall_tui.render.incident_text import clock, header_line
from oncall_tui.sources.demo import DemoSource, demo_config
from oncall_tui.store.recorder import Recorder
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.headless import FrozenClock
from oncall_tui.ui.incidents.demo_driver import DemoIncidentDriver

T0 = 1_800_000_000.0
MIN = 60.0


def incident(**kw) -> Incident:  # type: ignore[no-untyped-def]
    fields = {
        "id": 1,
        "title": "cache",
        "severity": "P2",
        "services": ("cqar",),
        "commander": "me",
        "started_at": T0,
    }
    fields.update(kw)
    return Incident(**fields)  # type: ignore[arg-type]


def most_urgent(inc: Incident, c) -> str:  # type: ignore[no-untyped-def]
    """The time of the clock nearest to due (or latest), as the line writes it."""
    lefts = []
    if c.next_level_in is not None:
        lefts.append(c.next_level_in)
    lefts += [t.left(c.now) for t in c.targets if t.met is None]
    if c.next_update_at is not None:
        lefts.append(c.next_update_at - c.now)
    return clock(min(lefts))


@pytest.mark.parametrize("width", [40, 60, 78, 118, 198])
def test_the_clock_line_fits_its_width_and_keeps_the_head_and_the_most_urgent_clock(width):
    inc = incident()
    for minute in (1, 14, 16, 29, 31, 40, 95):
        now = T0 + minute * MIN
        c = clocks(inc, DEFAULT_POLICY, now, T0 - 5 * MIN)
        line = header_line(inc, c, width=width, reached="L3 Engineering lead")
        assert len(line) <= width, (minute, line)
        assert line.startswith("⚑ L3"), line
        if width >= 78:
            assert "INC-1 P2" in line and "⚑ L3" in line, line
            # the clock nearest to due (or the latest) is never the one dropped, nor cut
            assert not line.endswith("…"), line
            assert most_urgent(inc, c) in line, line
        if width >= 198:
            assert line == header_line(inc, c, reached="L3 Engineering lead")  # nothing cut


def test_a_line_that_fits_is_the_full_one():
    inc = incident()
    c = clocks(inc, DEFAULT_POLICY, T0 + 2 * MIN, T0 - 5 * MIN)
    assert header_line(inc, c, width=200) == header_line(inc, c)
    assert "L3 Engineering lead in 13:00" in header_line(inc, c, width=200)
    narrow = header_line(inc, c, width=50)
    assert "L3 in 13:00" in narrow or "respond in" in narrow, narrow


async def test_at_80x24_the_demos_incident_header_is_one_line_with_its_nearest_clock(tmp_path):
    clock = FrozenClock(T0)
    config = demo_config()
    recorder = Recorder.start(config, tmp_path / "rec.sqlite", clock=clock)
    source = DemoSource(config, clock, 7)
    app = OncallApp(config, sources=[source], clock=clock, live=False, demo=True, recorder=recorder)
    app.demo_incidents = DemoIncidentDriver(app, source.sim_time)
    marks = updates = 0
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            for _ in range(110):  # the incident is declared at 30 s and resolved by 100 s
                clock.advance(1.0)
                await app.poller.poll_once()
                app.tick()
                await pilot.pause(0.01)
                if app.incident_view is None:
                    continue
                deadline = time.monotonic() + 5
                rows = screen_text(app).splitlines()
                while "INC-1" not in rows[1] and time.monotonic() < deadline:
                    app.tick()
                    await pilot.pause(0.02)
                    rows = screen_text(app).splitlines()
                clock_row = rows[1].strip()
                if "INC-1" not in clock_row:
                    continue  # resolved: the line is gone
                header = app.incident_header()
                assert header is not None
                # one line: the matrix's border is the next row, not the line's tail
                assert rows[2].lstrip().startswith("╭"), rows[:4]
                assert len(clock_row) <= 78, clock_row
                marks += clock_row.startswith("⚑")
                full = header[0]
                if "update" in full:
                    # the update clock, most urgent here, is kept whatever else is cut
                    updates += 1
                    assert "upd" in clock_row, (full, clock_row)
                for late in (p for p in full.split(" · ") if "late" in p or "overdue" in p):
                    assert late.split(" ")[0][:3] in clock_row, (late, clock_row)
            assert marks, "the escalation mark never led the clock line"
            assert updates, "no update clock was ever due"
            # notices at this size: one at a time, over the bottom rows, never over the matrix
            app.notify("first notice", title="a")
            app.notify("second notice", title="b")
            await pilot.pause(0.3)
            assert len(app._notifications) == 1
            text = screen_text(app)
            assert "second notice" in text and "first notice" not in text
            rows = text.splitlines()
            top = next(i for i, row in enumerate(rows) if "second notice" in row)
            assert top >= 24 - 6, rows
    finally:
        recorder.close()


def test_words_are_shortened_before_any_clock_is_dropped():
    inc = incident()
    c = clocks(inc, DEFAULT_POLICY, T0 + 20 * MIN, T0 - 5 * MIN)
    full = header_line(inc, c, reached="L3 Engineering lead")
    short = header_line(inc, c, width=len(full) - 1, reached="L3 Engineering lead")
    # every clock of the full line is still there, in fewer words
    assert short.count(" · ") == full.count(" · "), (full, short)
