"""The dashboard collects garbage less often once it has settled, and puts it back on exit."""

from __future__ import annotations

import gc
import time

from ui_builders import hand_app, incident

from oncall_tui.ui.collector import YOUNG_THRESHOLD


async def test_the_settled_dashboard_collects_less_often_and_restores_the_collector_on_exit():
    run_thresholds = gc.get_threshold()  # the test run's own (tests/conftest.py)
    gc.set_threshold(700, 10, 10)  # the interpreter's defaults, as `oncall` starts with
    try:
        app, state = hand_app(incident(), live=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            state.set(incident())  # new data after the first frame: every source answered
            deadline = time.monotonic() + 10
            while gc.get_threshold() != (YOUNG_THRESHOLD, 10, 10):
                assert time.monotonic() < deadline, "the collector was never settled"
                await pilot.pause(0.05)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*run_thresholds)
