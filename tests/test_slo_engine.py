"""Burn rates, the both-windows rule, budget left and time to exhaustion, on recorded ratios."""

from __future__ import annotations

import pytest

from oncall_tui.config.model import DEFAULT_BURN_WINDOWS, BurnWindow, Slo, SloAction
from oncall_tui.engine.slo import burn_rate, evaluate
from oncall_tui.status import Status

H, M, D = 3600.0, 60.0, 86400.0
SLO = Slo(name="availability", objective=0.999, window=30 * D, error_ratio="e[$window]")


def ratios(default: float, **by_window: float | None) -> dict[float, float | None]:
    """Every window of SLO at `default`, some set apart (`h1=0.01`, `m5=None`)."""
    names = {"m5": 5 * M, "m30": 30 * M, "h1": H, "h2": 2 * H, "h6": 6 * H, "d1": D, "d3": 3 * D}
    found: dict[float, float | None] = {w: default for w in SLO.measured_windows()}
    found.update({names.get(k, 30 * D): v for k, v in by_window.items()})
    return found


def test_an_error_ratio_of_1_44_percent_over_1h_and_5m_is_exactly_the_14_4x_page() -> None:
    verdict = evaluate(SLO, ratios(0.0, h1=0.0144, m5=0.0144))
    assert verdict.burn[H] == pytest.approx(14.4)
    assert verdict.burn[5 * M] == pytest.approx(14.4)
    assert [p.name for p in verdict.firing] == ["1h/5m"]
    assert verdict.status is Status.CRIT


def test_just_under_the_page_rate_does_not_fire() -> None:
    verdict = evaluate(SLO, ratios(0.0, h1=0.0143, m5=0.0143))
    assert verdict.firing == ()
    assert verdict.status is Status.OK


def test_a_pair_fires_only_when_both_windows_exceed_its_rate() -> None:
    # the short window is hot but the long one is not: a blip, not a page
    blip = evaluate(SLO, ratios(0.0, h1=0.005, m5=0.05))
    assert blip.firing == () and blip.status is Status.OK
    # the long window is hot but it has stopped: over, no page
    over = evaluate(SLO, ratios(0.0, h1=0.05, m5=0.0))
    assert over.firing == () and over.status is Status.OK


def test_a_ticket_pair_makes_the_slo_warn_and_a_page_pair_crit() -> None:
    ticket = evaluate(SLO, ratios(0.0, d1=0.0035, h2=0.0035))
    assert [p.name for p in ticket.firing] == ["1d/2h"]
    assert ticket.status is Status.WARN
    both = evaluate(SLO, ratios(0.0, h6=0.007, m30=0.007, d1=0.0035, h2=0.0035))
    assert [p.name for p in both.firing] == ["6h/30m", "1d/2h"]
    assert both.status is Status.CRIT
    assert both.worst_pair is not None and both.worst_pair.name == "6h/30m"


def test_budget_left_goes_below_zero_and_an_exhausted_budget_is_never_ok() -> None:
    # 30 d at 0.15 % errors against a 0.1 % budget: half a budget over
    verdict = evaluate(SLO, ratios(0.0, d30=0.0015))
    assert verdict.budget_left == pytest.approx(-0.5)
    assert verdict.firing == ()
    assert verdict.status is Status.WARN
    assert verdict.exhausted_in == 0.0


def test_time_to_exhaustion_is_the_budget_left_at_the_current_1h_burn() -> None:
    # 40 % of a 30-day budget left, burning at 6x over the last hour: 0.4 * 30 d / 6 = 2 d
    verdict = evaluate(SLO, ratios(0.0, d30=0.0006, h1=0.006))
    assert verdict.budget_left == pytest.approx(0.4)
    assert verdict.exhausted_in == pytest.approx(2 * D)
    # not burning: never
    assert evaluate(SLO, ratios(0.0, d30=0.0006)).exhausted_in is None


def test_empty_answers_burn_nothing_but_all_empty_is_nodata() -> None:
    some = evaluate(SLO, ratios(0.0, m5=None, h1=None))
    assert some.burn[5 * M] == 0.0 and some.status is Status.OK
    assert some.budget_left == 1.0
    every = evaluate(SLO, ratios(None))  # type: ignore[arg-type]
    assert every.status is Status.NODATA


def test_nothing_measured_is_nodata_and_half_measured_breach_is_loud() -> None:
    assert evaluate(SLO, {}).status is Status.NODATA
    # the 5m answer came first and is over the page rate; the 1h one is not in yet
    half = evaluate(SLO, {5 * M: 0.05})
    assert half.status is Status.CRIT
    assert H in half.unmeasured


def test_custom_windows_replace_the_standard_pairs() -> None:
    slo = Slo(
        name="fast",
        objective=0.99,
        window=H,
        error_ratio="e[$window]",
        windows=(BurnWindow(120.0, 30.0, 5.0, SloAction.PAGE),),
    )
    assert slo.measured_windows() == (30.0, 120.0, H)
    verdict = evaluate(slo, {30.0: 0.1, 120.0: 0.06, H: 0.02})
    assert verdict.burn[30.0] == pytest.approx(10.0)
    assert verdict.burn[120.0] == pytest.approx(6.0)
    assert verdict.status is Status.CRIT
    assert verdict.budget_left == pytest.approx(-1.0)
    assert verdict.to_json()["firing"] == ["2m/30s"]
    assert verdict.to_json()["burn"] == {
        "30s": pytest.approx(10.0),
        "2m": pytest.approx(6.0),
        "1h": pytest.approx(2.0),
    }


def test_status_json_shape() -> None:
    entry = evaluate(SLO, ratios(0.0, d30=0.0005, h1=0.0144, m5=0.0144)).to_json()
    assert entry["status"] == "crit"
    assert entry["objective"] == 0.999
    assert entry["budget_left"] == pytest.approx(0.5)
    assert set(entry["burn"]) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"}
    assert entry["firing"] == ["1h/5m"]
    assert entry["exhausted_in_s"] == pytest.approx(0.5 * 30 * D / 14.4)
    assert len(entry["pairs"]) == len(DEFAULT_BURN_WINDOWS)


def test_burn_rate_is_the_ratio_over_the_budget() -> None:
    assert burn_rate(0.001, 0.999) == pytest.approx(1.0)
    assert burn_rate(None, 0.999) == 0.0
