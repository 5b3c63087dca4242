"""The words and glyphs of the dashboard, without running an app."""

from __future__ import annotations

from ui_builders import NOW, check, kpi, standard_service, thresholds

from oncall_tui.config.model import Direction
from oncall_tui.engine.snapshot import SourceHealth
from oncall_tui.render.cells import (
    STATUS_MEANINGS,
    distance_text,
    kind_cell,
    kind_columns,
    kpi_cell,
    kpi_columns,
    shared_unit,
    threshold_legend,
    unit_heading,
    value_suffix,
)
from oncall_tui.sources.base import CheckKind, ErrorKind, FetchError
from oncall_tui.status import Status
from oncall_tui.ui.widgets.banner import failure_line
from oncall_tui.ui.widgets.kpi_panel import detail_line, status_line
from oncall_tui.units import Unit


def test_crit_cell_has_glyph_value_and_word():
    cell = kpi_cell(kpi("arq", "error_rate", 0.023, Status.CRIT, "ratio"))
    assert cell.text == "✖ 2.3 % CRIT"
    assert cell.status is Status.CRIT


def test_ok_cell_leaves_the_word_out_and_compact_warn_too():
    assert kpi_cell(kpi("a", "latency_p99", 0.018, Status.OK, "s")).text == "● 18 ms"
    warn = kpi("a", "latency_p99", 1.4, Status.WARN, "s")
    assert kpi_cell(warn).text == "▲ 1.4 s WARN"
    assert kpi_cell(warn, compact=True).text == "▲ 1.4 s"


def test_narrow_cells_keep_the_glyph_and_leave_the_unit_to_the_heading():
    cell = kpi_cell(
        kpi("a", "request_rate", 1800.0, Status.CRIT, "req/s"), narrow=True, unit_in_heading="req/s"
    )
    assert cell.text == "✖ 1.8k"
    assert kpi_cell(kpi("a", "request_rate", 1800.0, Status.CRIT, "req/s"), narrow=True).text == (
        "✖ 1.8k req/s"
    )


def test_compact_cells_keep_glyph_and_value_and_a_percent_column_says_its_unit_once():
    crit = kpi("arq", "error_rate", 0.018, Status.CRIT, "ratio")
    assert kpi_cell(crit, compact=True).text == "✖ 1.8 %"
    assert kpi_cell(crit, compact=True, unit_in_heading="%").text == "✖ 1.8"
    stale = kpi("arq", "queue_depth", 832.0, Status.STALE, "")
    # data that cannot be trusted says so in words, even where breaches drop theirs
    assert kpi_cell(stale, compact=True).text == "◌ 832 STALE"
    assert kpi_cell(stale).text == "◌ 832 STALE"
    # without a value the word is all there is, at any width
    nodata = kpi("arq", "error_rate", None, Status.NODATA, "ratio")
    assert kpi_cell(nodata, compact=True, unit_in_heading="%").text == "○ NODATA"


def test_every_status_has_its_own_glyph_so_compact_cells_read_without_colour():
    glyphs = [s.glyph for s in Status]
    assert len(set(glyphs)) == len(glyphs) == 7
    assert set(STATUS_MEANINGS) == set(Status)


def test_a_column_shares_a_unit_only_when_every_value_ends_in_it():
    services = [standard_service("arq"), standard_service("cqar")]
    assert shared_unit(services, "error_rate") == "%"
    assert shared_unit(services, "request_rate") == "req/s"
    assert shared_unit(services, "latency_p99") is None  # ms or s, by magnitude
    assert value_suffix(Unit("ratio")) == value_suffix(Unit("percent")) == "%"
    assert value_suffix(Unit("s")) is None and value_suffix(Unit("bytes")) is None
    assert unit_heading("error_rate", "%") == "error %"
    assert unit_heading("request_rate", "req/s") == "req/s"


def test_a_cell_without_value_says_its_status_in_words_even_when_narrow():
    cell = kpi_cell(kpi("a", "error_rate", None, Status.NODATA, "ratio"), narrow=True)
    assert cell.text == "○ NODATA"


def test_missing_check_is_a_dim_dot_not_a_status():
    cell = kpi_cell(None)
    assert cell.status is None and cell.text == "·"


def test_health_checks_share_one_cell_with_names_and_glyphs():
    checks = [
        check("cqar", CheckKind.HEALTH, "live"),
        check("cqar", CheckKind.HEALTH, "ready", Status.CRIT),
        check("cqar", CheckKind.HEALTH, "grpc"),
    ]
    cell = kind_cell(checks)
    assert cell.text == "live ● ready ✖ grpc ● CRIT"
    assert cell.status is Status.CRIT
    assert kind_cell(checks, narrow=True).text == "2/3 ✖ready"


def test_columns_for_check_kinds_appear_only_when_some_service_has_them():
    plain = standard_service("arq")
    assert kind_columns([plain]) == ()
    with_health = plain.__class__(
        "cqar", "CQAR", Status.OK, NOW, (check("cqar", CheckKind.HEALTH, "live"),)
    )
    assert kind_columns([plain, with_health]) == (CheckKind.HEALTH,)
    assert "latency_p95" not in kpi_columns([plain])


def test_threshold_legend_and_distance_to_next_level():
    limits = thresholds(0.8, 0.7, Direction.BELOW)
    assert threshold_legend(limits, Unit("ratio")) == "warn <= 80 % · crit <= 70 %"
    hit = kpi("cqar", "cache_hit_rate", 0.78, Status.WARN, "ratio", next_level=("crit", 0.7))
    assert distance_text(hit) == "next: crit at 70 % (8 % away)"


def test_panel_status_line_tells_level_duration_and_age():
    p99 = kpi("arq", "latency_p99", 2.3, Status.CRIT, "s", level="major", since=NOW - 180)
    assert status_line(p99, NOW) == "✖ CRIT major for 3 min · updated 3 s ago"


def test_stale_and_error_panels_say_why_in_words():
    error = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    stale = kpi("arq", "error_rate", 0.01, Status.STALE, "ratio", error=error)
    assert detail_line(stale) == "STALE: unreachable: connection refused"
    nodata = kpi("arq", "queue_depth", None, Status.NODATA)
    assert detail_line(nodata) == "NODATA: the query returned no series"


def test_multi_series_panel_names_the_worst_series_and_the_count():
    worst = kpi("cqar", "latency_p99", 0.03, Status.WARN, "s", labels={"method": "Get"})
    worst = worst.__class__(**{**worst.__dict__, "series_count": 4})
    assert detail_line(worst) == "worst: method=Get (4 series)"


def test_banner_line_says_how_old_the_data_on_screen_is():
    source = SourceHealth(
        "prometheus default", False, NOW - 42, FetchError(ErrorKind.UNREACHABLE, "refused")
    )
    assert failure_line(source, NOW) == (
        "prometheus default unreachable: showing data from 42 s ago (refused)"
    )


def test_a_stale_value_last_pending_or_warn_keeps_its_breach_glyph():
    # STALE outranks PENDING and WARN; the cell must still say the value was over its line
    from dataclasses import replace

    for last, glyph in ((Status.PENDING, "◔"), (Status.WARN, "▲"), (Status.CRIT, "✖")):
        stale = replace(
            kpi("a", "latency_p99", 2.35, Status.STALE, "s"), last_verdict=last, updated_at=NOW - 17
        )
        cell = kpi_cell(stale, now=NOW)
        assert cell.text == f"{glyph} 2.35 s ◌ STALE 17 s", cell.text
        assert cell.status is stale.loudest  # coloured by the louder of the two
    calm = replace(kpi("a", "latency_p99", 0.01, Status.STALE, "s"), last_verdict=Status.OK)
    assert kpi_cell(calm).text.startswith("◌ 10 ms STALE")
