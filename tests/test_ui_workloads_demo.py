"""The workloads pane on the demo: the incident's pods, and `r` handing pod names to runbooks."""

from __future__ import annotations

import time
from typing import Any

import pytest
from ui_builders import screen_text

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import ResolvedLink
from oncall_tui.sources.demo.incidents import INCIDENT_START
from oncall_tui.sources.demo.workloads import LOOP_FROM, RESTART_AT
from oncall_tui.status import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.headless import demo_app, replay
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.workloads_pane import WorkloadsPane

WARMUP = 20.0  # enough polls for a story; the pane only needs the latest


async def until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def cqar_pane(pilot, app: OncallApp, clock) -> WorkloadsPane:
    await replay(app, clock, WARMUP)
    await pilot.pause()
    app.open_service("cqar")
    await until(
        pilot, lambda: isinstance(app.screen, ServiceScreen) and app.screen.query(WorkloadsPane)
    )
    pane = app.screen.query_one(WorkloadsPane)
    await until(pilot, lambda: pane.table.row_count > 0)
    return pane


async def test_demo_saturation_has_a_crash_looping_oom_killed_pod():
    app, clock = demo_app(seed=7, at=INCIDENT_START["cqar"] + LOOP_FROM + 6, warmup=WARMUP)
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await cqar_pane(pilot, app, clock)
        assert pane.check is not None and pane.check.status is Status.CRIT
        looping = pane.focused_pod
        assert looping is not None and looping.crash_looping
        assert looping.last_reason == "OOMKilled"
        await pilot.press("k")  # the pods key scrolls the pane into view below the panels
        await until(pilot, lambda: app.focused is pane.table)
        await pilot.pause()
        assert "CrashLoopBackOff · last OOMKilled" in screen_text(app)


async def test_demo_recovery_shows_a_rollout_in_progress():
    app, clock = demo_app(seed=7, at=INCIDENT_START["cqar"] + RESTART_AT + 4, warmup=WARMUP)
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await cqar_pane(pilot, app, clock)
        assert pane.workloads is not None and pane.workloads.rolling_out
        await pilot.press("k")
        await until(pilot, lambda: app.focused is pane.table)
        await pilot.pause()
        assert "rollout in progress" in screen_text(app)


async def test_r_on_a_pod_opens_the_runbook_with_its_names_filled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def open_runbook(self, link, **kw) -> None:  # stands in for the runbook pane
        calls.append((link, kw))

    app, clock = demo_app(seed=7, at=INCIDENT_START["cqar"] + LOOP_FROM + 6, warmup=WARMUP)
    if not hasattr(OncallApp, "open_runbook"):
        monkeypatch.setattr(OncallApp, "open_runbook", open_runbook, raising=False)
    else:
        monkeypatch.setattr(OncallApp, "open_runbook", open_runbook)
    monkeypatch.setattr(
        OncallApp, "runbooks", RunbookIndex.load(app.config.runbooks), raising=False
    )
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await cqar_pane(pilot, app, clock)
        await pilot.press("k")
        await until(pilot, lambda: app.focused is pane.table)
        await pilot.press("down")
        await until(pilot, lambda: pane.table.cursor_row == 1)
        focused = pane.focused_pod
        assert focused is not None
        await pilot.press("r")
        await until(pilot, lambda: bool(calls))
        link, kw = calls[-1]
        assert isinstance(link, ResolvedLink) and link.file.name == "cqar.md"
        assert link.anchor == "service-not-ready"
        assert kw["service"] == "cqar"
        assert kw["outside"] == {
            "pod": focused.name,
            "deployment": "cqar",
            "workload": "deployment/cqar",
            "namespace": "cqar",
            "context": "demo",
            "selector": "app=cqar",
        }


async def test_r_on_a_pod_opens_the_runbook_pane() -> None:
    from oncall_tui.ui.runbook.opened import open_pane

    app, clock = demo_app(seed=7, at=INCIDENT_START["cqar"] + LOOP_FROM + 6, warmup=WARMUP)
    async with app.run_test(size=(160, 48)) as pilot:
        await cqar_pane(pilot, app, clock)
        await pilot.press("k")
        await pilot.press("r")
        await until(pilot, lambda: open_pane(app) is not None)
