"""`oncall status --format table`: outside text prints as written, never as Rich markup."""

from __future__ import annotations

import io
from dataclasses import replace

from rich.console import Console
from ui_builders import check, dashboard, kpi, service

from oncall_tui.render.status_report import to_table
from oncall_tui.sources.base import CheckKind, ErrorKind, FetchError
from oncall_tui.status import Status


def table_text(snapshot) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(to_table(snapshot))
    return console.export_text()


def test_an_error_naming_an_extra_keeps_its_brackets():
    missing = FetchError(ErrorKind.CONFIG, "gRPC probes need: pip install 'oncall[grpc]'")
    check = replace(kpi("cqar", "error_rate", None, Status.ERROR), error=missing)
    text = table_text(dashboard([service("cqar", [check])]))
    assert "pip install 'oncall[grpc]'" in text


def test_labels_that_look_like_markup_print_as_written():
    check = kpi("cqar", "error_rate", 0.5, Status.CRIT, "ratio", series_count=2)
    check = replace(check, labels={"method": "[bold]Get[/bold]"})
    text = table_text(dashboard([service("cqar", [check])]))
    assert "[bold]Get[/bold]" in text


def test_ascii_glyphs_draw_the_table_in_ascii_too():
    """`glyphs: ascii` (or TERM=linux): the Linux console's font has no box lines either."""
    from oncall_tui.status import use_ascii_glyphs

    snapshot = dashboard([service("cqar", [kpi("cqar", "error_rate", 0.5, Status.CRIT, "ratio")])])
    assert "┏" in table_text(snapshot)
    use_ascii_glyphs(True)
    try:
        text = table_text(snapshot)
    finally:
        use_ascii_glyphs(False)
    assert "X CRIT" in text
    assert text.isascii(), [c for c in text if not c.isascii()]


def test_a_check_named_as_its_kind_is_not_named_twice():
    alerts = replace(check("cqar", CheckKind.ALERTS, "alerts"), title="alerts")
    probe = replace(check("cqar", CheckKind.HEALTH, "ready"), title="ready")
    text = table_text(dashboard([service("cqar", [alerts, probe])]))
    assert "alerts alerts" not in text
    assert "alerts" in text
    assert "health ready" in text
