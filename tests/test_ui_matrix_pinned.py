"""Pilot tests of the overview's first screen: pinned columns, whole columns, no cut numbers."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from ui_builders import NOW, check, dashboard, hand_app, screen_text, standard_service

from oncall_tui.render.matrix import NAME_COLUMN, STATUS_COLUMN
from oncall_tui.sources.base import CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.widgets.matrix import ServiceMatrix

PINNED = ("status", "service", "alerts", "health")


def alerts(service: str, count: int, status: Status) -> object:
    return replace(check(service, CheckKind.ALERTS, "alerts", status), value=float(count))


def trying_snapshot():
    """A STALE cell, a 4-probe service, big and small numbers (784 req/s, 1.3k req/s)."""
    cqar = standard_service(
        "cqar", request_rate=(784.0, Status.OK), queue_depth=(832.0, Status.STALE)
    )
    probes = [
        check("cqar", CheckKind.HEALTH, name, Status.CRIT if name == "ready" else Status.OK)
        for name in ("live", "ready", "grpc", "deep")
    ]
    # the stale queue was last seen over its crit line: it keeps that verdict beside STALE
    kept = tuple(
        replace(c, last_verdict=Status.CRIT, updated_at=NOW - 40)
        if c.id.key == "queue_depth"
        else c
        for c in cqar.checks
    )
    cqar = replace(
        cqar, status=Status.CRIT, checks=(*kept, *probes, alerts("cqar", 2, Status.CRIT))
    )
    gateway = standard_service("gateway", request_rate=(1312.0, Status.OK))
    gateway = replace(gateway, checks=(*gateway.checks, alerts("gateway", 0, Status.OK)))
    arq = standard_service("arq", error_rate=(0.023, Status.CRIT))
    return dashboard([gateway, arq, cqar])


def headings(line: str) -> list[str]:
    return [h for h in re.split(r"\s{2,}", line.strip("│ ").strip()) if h]


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def check_whole_columns(app) -> set[str]:
    """Every column whose heading is on screen shows each row's cell whole; returns them."""
    table = app.query_one(ServiceMatrix)
    lines = screen_text(app).splitlines()
    header = next(line for line in lines if "status" in line and "service" in line)
    shown = set(headings(header))
    for name in ("cqar", "gateway", "arq"):
        line = next(line for line in lines if f" {name} " in line)
        for key, column in table.columns.items():
            cell = table.get_cell(name, key).plain
            if column.label.plain in shown:
                assert cell in line, (key, cell, line)
    return shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_status_name_alerts_and_health_stay_on_screen_and_no_number_is_cut(size):
    app, _ = hand_app(trying_snapshot())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.query_one(ServiceMatrix)
        seen: set[str] = set()
        for _ in range(len(table.columns) + 1):  # every sideways position, and one more
            shown = check_whole_columns(app)
            for pinned in PINNED:
                assert pinned in shown, (pinned, shown)
            seen |= shown
            text = screen_text(app)
            assert "✖ 832 ◌ STALE" in text or "queue" not in shown
            assert not re.search(r"(?<![\d.])84(?![\d.])", text)  # 784 never shows as 84
            assert not re.search(r"(?<![\d])\.3k", text)  # 1.3k never shows as .3k
            await pilot.press("right")
            await pilot.pause()
        # sideways scrolling reaches every column
        assert {c.label.plain for c in table.columns.values()} <= seen


async def test_at_120_columns_one_stale_cell_leaves_every_column_on_screen():
    app, _ = hand_app(trying_snapshot())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(ServiceMatrix)
        assert table.hidden_columns == (0, 0)
        shown = check_whole_columns(app)
        assert {c.label.plain for c in table.columns.values()} == shown
        assert "more columns" not in screen_text(app)


async def test_pinned_columns_come_first_and_do_not_move_with_the_side_keys():
    app, _ = hand_app(trying_snapshot())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(ServiceMatrix)
        assert list(table.columns)[:4] == [STATUS_COLUMN, NAME_COLUMN, "alerts", "health"]
        before = screen_text(app).splitlines()[2]
        assert table.hidden_columns[1] > 0 and "more columns:" in screen_text(app)
        await pilot.press("right")
        await pilot.pause()
        after = screen_text(app).splitlines()[2]
        assert headings(before)[:4] == headings(after)[:4] == list(PINNED)
        assert headings(before)[4] != headings(after)[4]  # a whole KPI column went by
        assert table.hidden_columns[0] == 1 and "← 1" in screen_text(app)
