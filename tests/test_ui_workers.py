"""Worker failures take one route: a notice and a log line, and no synchronous retry."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from ui_builders import dashboard, hand_app, standard_service

from oncall_tui.runbooks.index import RunbookIndex


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_failed_runbook_load_is_a_notice_and_is_not_retried_on_the_ui_loop(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[object] = []

    def broken(paths: object) -> RunbookIndex:
        calls.append(paths)
        raise OSError("permission denied: runbooks/")

    monkeypatch.setattr(RunbookIndex, "load", staticmethod(broken))
    app, _ = hand_app(dashboard([standard_service("cqar")]))
    with caplog.at_level(logging.ERROR, logger="oncall_tui.ui.workers"):
        async with app.run_test(size=(120, 40)) as pilot:
            failed = "loads the runbooks of the config: stopped with OSError: permission denied"
            await until(pilot, lambda: any(failed in n for n in notices(app)))
            assert app.runbooks_error is not None
            assert app.runbook_index() is None
            await until(
                pilot, lambda: any("runbooks could not be loaded" in n for n in notices(app))
            )
            assert len(calls) == 1  # the worker's one try; nothing loads on the UI loop
    assert any("worker runbooks failed" in r.getMessage() for r in caplog.records)


async def test_a_failing_poller_says_so_in_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall_tui.engine.poller import Poller

    async def crash(self: Poller) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("scheduler broke")

    monkeypatch.setattr(Poller, "run", crash)
    app, _ = hand_app(dashboard([standard_service("cqar")]), live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any("scheduler broke" in n for n in notices(app)))
        text = next(n for n in notices(app) if "scheduler broke" in n)
        assert text.startswith("polls every source on its interval: stopped with RuntimeError")
        assert app.is_running  # the dashboard stays up to say it
