"""Small words that must read right: ages, sources that never answered, timeline lines."""

from __future__ import annotations

from ui_builders import NOW, kpi, service

from oncall_tui.engine.snapshot import SourceHealth, TimelineEvent
from oncall_tui.render.cells import event_text
from oncall_tui.render.tiles import data_line, sources_line
from oncall_tui.render.values import format_ago
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError
from oncall_tui.status import Status
from oncall_tui.ui.widgets.banner import failure_line
from oncall_tui.ui.widgets.header import source_text

REFUSED = FetchError(ErrorKind.UNREACHABLE, "connection refused")


def test_an_age_under_a_second_is_just_now_never_now_ago():
    assert format_ago(0.3) == "just now"
    assert format_ago(42) == "42 s ago"
    assert format_ago(None) == "never"
    source = SourceHealth("prometheus default", False, NOW - 0.4, REFUSED, NOW - 0.4)
    assert "showing data from just now" in failure_line(source, NOW)
    assert "now ago" not in failure_line(source, NOW)
    stale = kpi("a", "queue_depth", 3.0, Status.STALE, updated_at=NOW - 0.5)
    text, is_stale = data_line(service("a", [stale]), NOW)
    assert is_stale and "data from just now" in text and "now ago" not in text


def test_a_source_that_never_answered_does_not_say_stale_never():
    source = SourceHealth("prometheus default", False, None, REFUSED, NOW - 5)
    assert "never" not in source_text(source, NOW).plain
    assert "STALE no data yet" in source_text(source, NOW).plain
    from ui_builders import dashboard

    line = sources_line(dashboard([], sources=[source]), NOW)
    assert "never" not in line and "no data yet" in line


def test_timeline_lines_say_what_a_pending_breach_is_pending_to_and_a_stale_crit_its_verdict():
    check = CheckId("cqar", CheckKind.KPI, "latency_p99")
    pending = TimelineEvent(NOW, check, Status.OK, Status.PENDING, 0.095, pending=Status.CRIT)
    assert event_text(pending, clock_text="03:12:51").endswith("● OK → ◔ PENDING crit")
    stale = TimelineEvent(NOW, check, Status.CRIT, Status.STALE, last_verdict=Status.CRIT)
    assert event_text(stale, clock_text="03:12:51").endswith("✖ CRIT → ◌ STALE (last crit)")
