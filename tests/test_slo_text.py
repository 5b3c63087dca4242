"""How SLOs are worded: budget numbers and bars, pair lines, the budget cell, status output."""

from __future__ import annotations

from oncall_tui.config.model import Config, Datasource, Service, Slo
from oncall_tui.engine.slo import evaluate
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.cells import kind_cell
from oncall_tui.render.slo_text import (
    budget_bar,
    budget_cell_text,
    budget_text,
    exhaustion_text,
    firing_text,
    pair_line,
    percent,
)
from oncall_tui.render.status_report import report_exit_code, to_json, to_table
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.sources.sli import SliRatios
from oncall_tui.status import Status
from oncall_tui.ui.widgets.slo_panel import slo_body

D = 86400.0
SLO = Slo(name="availability", objective=0.999, window=30 * D, error_ratio="e[$window]")


def ratios(**by: float) -> dict[float, float | None]:
    found: dict[float, float | None] = {w: 0.0 for w in SLO.measured_windows()}
    found.update({{"h1": 3600.0, "m5": 300.0, "d30": 30 * D}[k]: v for k, v in by.items()})
    return found


def check(status: Status, **by: float) -> CheckSnapshot:
    verdict = evaluate(SLO, ratios(**by))
    return CheckSnapshot(
        id=CheckId("cqar", CheckKind.SLO, SLO.name),
        title=SLO.name,
        status=status,
        value=verdict.budget_left,
        detail=verdict,
    )


def test_percent_and_budget_text():
    assert percent(0.999) == "99.9 %"
    assert percent(0.9995) == "99.95 %"
    assert budget_text(0.4123) == "41.2 % left"
    assert budget_text(-0.25) == "-25 % left (exhausted)"
    assert budget_text(None) == "— left"


def test_budget_bar_is_filled_by_the_share_left_and_marks_an_exhausted_budget():
    assert budget_bar(0.5, 10) == "█████░░░░░"
    assert budget_bar(1.2, 10) == "██████████"
    assert budget_bar(0.01, 10) == "█░░░░░░░░░"  # a sliver left still shows
    assert budget_bar(-0.3, 10) == "!░░░░░░░░░"


def test_pair_line_says_both_burns_against_the_rate_and_whether_it_fires():
    verdict = evaluate(SLO, ratios(h1=0.0152, m5=0.0161))
    line = pair_line(verdict.pairs[0])
    assert line.split() == ["page", "1h/5m", "15.2x", "16.1x", "≥", "14.4x", "FIRING"]
    assert pair_line(verdict.pairs[2]).endswith("ok")
    # one window past the rate is not the pair firing, and not ok either
    blip = evaluate(SLO, ratios(h1=0.005, m5=0.05))
    assert pair_line(blip.pairs[0]).endswith("short past, long not")
    assert firing_text(verdict) == "burn 15.2x over 1h/5m (page ≥ 14.4x)"


def test_exhaustion_is_worded():
    assert exhaustion_text(evaluate(SLO, ratios(d30=0.0005, h1=0.0144))) == (
        "budget gone in 25 h at the 1h burn"
    )
    assert exhaustion_text(evaluate(SLO, ratios(d30=0.002))) == "budget exhausted"
    assert exhaustion_text(evaluate(SLO, ratios())) == "not burning (1h burn 0)"


def test_budget_cell_is_the_loudest_slo_then_the_least_budget_left():
    calm = check(Status.OK, d30=0.0001)
    paging = check(Status.CRIT, d30=0.0006, h1=0.02, m5=0.02)
    text, status, worst = budget_cell_text((calm, paging))
    assert (text, status, worst) == ("✖ 40% CRIT", Status.CRIT, paging)
    assert kind_cell([calm]).text == "● 90%"


def test_slo_panel_body_lists_objective_budget_bar_pairs_and_exhaustion():
    body = slo_body(check(Status.CRIT, d30=0.0006, h1=0.02, m5=0.02), bar_width=10)
    lines = body.splitlines()
    assert lines[0] == "objective 99.9 % over 30d · budget 40 % left"
    assert lines[1] == "████░░░░░░"
    assert "FIRING" in lines[3] and "1h/5m" in lines[3]
    assert len(lines) == 3 + 4 + 1
    assert lines[-1] == "budget gone in 14 h at the 1h burn"  # 0.4 * 30 d / 20


def _state() -> DashboardState:
    service = Service(name="cqar", title="CQAR", datasource="p", slos=(SLO,))
    config = Config(
        path=None, datasources={"p": Datasource("p", "http://x")}, services={"cqar": service}
    )
    return DashboardState(config, clock=lambda: 1000.0)


def test_status_json_and_table_and_exit_code_count_the_slo():
    state = _state()
    slo_id = CheckId("cqar", CheckKind.SLO, "availability")
    # the short windows arrive first, then the long ones: the state keeps both
    state.apply([Observation(slo_id, Reading(at=990.0, detail=SliRatios({300.0: 0.02})))])
    state.apply(
        [
            Observation(
                slo_id,
                Reading(at=995.0, detail=SliRatios({3600.0: 0.02, 30 * D: 0.0006})),
            )
        ]
    )
    snapshot = state.snapshot()
    entry = to_json(snapshot)["services"]["cqar"]["slos"]["availability"]
    assert entry["status"] == "crit"
    assert entry["objective"] == 0.999
    assert abs(entry["budget_left"] - 0.4) < 1e-9
    assert abs(entry["burn"]["1h"] - 20.0) < 1e-6 and abs(entry["burn"]["5m"] - 20.0) < 1e-6
    assert entry["firing"] == ["1h/5m"]
    assert abs(entry["exhausted_in_s"] - 0.4 * 30 * D / 20.0) < 1e-3
    assert report_exit_code(snapshot) == 2

    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(to_table(snapshot))
    row = next(line for line in console.export_text().splitlines() if "availability" in line)
    assert "slo availability" in row and "40 % left" in row and "CRIT" in row
    assert "burn 20.0x over 1h/5m (page ≥ 14.4x)" in row


def test_a_failed_fetch_keeps_the_last_figures_but_says_stale():
    state = _state()
    slo_id = CheckId("cqar", CheckKind.SLO, "availability")
    state.apply([Observation(slo_id, Reading(at=990.0, detail=SliRatios(ratios(d30=0.0002))))])
    state.apply([Observation(slo_id, FetchError(ErrorKind.TIMEOUT, "no answer within 3 s"))])
    entry = to_json(state.snapshot())["services"]["cqar"]["slos"]["availability"]
    assert entry["status"] == "stale"
    assert abs(entry["budget_left"] - 0.8) < 1e-9
    assert entry["error"] == "timeout: no answer within 3 s"
    assert entry["last_verdict"] == "ok"
    assert report_exit_code(state.snapshot()) == 3
