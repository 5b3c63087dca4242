"""The alerts screen's words: order, labels, ages, stale line, new-firing diff, overview cell."""

from __future__ import annotations

from oncall_tui.config.model import Config, Service
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.alerts import (
    alert_error,
    alert_list,
    announcement,
    detail_text,
    display_order,
    new_firing,
    severity_label,
    since_text,
    stale_line,
    state_label,
)
from oncall_tui.render.cells import alerts_cell
from oncall_tui.sources.alerts.records import Alert, AlertList, ServiceAlerts
from oncall_tui.sources.alerts.source import ALERT_LIST, observations_of
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation
from oncall_tui.status import Status

NOW = 1_800_000_000.0


def make(name: str, state: str = "firing", severity: str = "critical", **kw) -> Alert:
    labels = {"alertname": name, "severity": severity, **kw.pop("labels", {})}
    return Alert(name, state, severity, labels, kw.pop("annotations", {}), **kw)  # type: ignore[arg-type]


def listing(*alerts: Alert, at: float = NOW) -> AlertList:
    return AlertList(tuple(alerts), "alertmanager", at)


def test_firing_comes_first_then_pending_then_silenced_critical_before_warning():
    alerts = [
        make("Quiet", "silenced", starts_at=NOW - 900),
        make("Soon", "pending", starts_at=NOW - 30),
        make("Warn", "firing", "warning", starts_at=NOW - 600),
        make("Crit", "firing", "critical", starts_at=NOW - 60),
        make("Held", "inhibited", starts_at=NOW - 5),
    ]
    assert [a.name for a in display_order(alerts)] == ["Crit", "Warn", "Soon", "Quiet", "Held"]


def test_severity_and_state_read_without_colour():
    assert severity_label(make("A", severity="critical")) == "✖ critical"
    assert severity_label(make("A", severity="warning")) == f"{Status.WARN.glyph} warning"
    assert severity_label(make("A", severity="")) == f"{Status.WARN.glyph} none"
    assert state_label(make("A", "pending")) == "◔ pending"


def test_active_since_is_relative_and_absolute(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        assert since_text(NOW - 180, NOW) == "3 min ago (07:57:00)"
        assert since_text(NOW - 3 * 86400, NOW).endswith("(2027-01-12 08:00:00)")
        assert since_text(None, NOW) == "unknown"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_detail_shows_labels_and_annotations_in_full():
    long = "error ratio " + "x" * 300
    alert = make(
        "CQARHighErrorRate",
        labels={"job": "cqar", "method": "/cqc.AssetRegistry/GetAsset"},
        annotations={"summary": "errors on cqar", "description": long, "dashboard": "d/1"},
        service="cqar",
        starts_at=NOW - 42,
        silenced_by=("abc",),
    )
    text = detail_text(alert, NOW)
    assert long in text and "summary: errors on cqar" in text and "dashboard: d/1" in text
    assert "  method=/cqc.AssetRegistry/GetAsset" in text and "silenced by: abc" in text
    assert "service: cqar" in text and "42 s ago" in text
    assert "service: other" in detail_text(make("X"), NOW)


def test_new_firing_lists_only_alerts_that_were_not_firing_before():
    a = make("A", labels={"i": "1"})
    b_pending = make("B", "pending", labels={"i": "2"})
    b_firing = make("B", labels={"i": "2"})
    c_silenced = make("C", "silenced", labels={"i": "3"})
    c_firing = make("C", labels={"i": "3"})
    before = listing(a, b_pending, c_silenced)
    after = listing(a, b_firing, c_firing)
    assert [x.name for x in new_firing(before, after)] == ["B", "C"]
    assert new_firing(None, after) == ()  # what fires at start is on screen, not news
    assert new_firing(after, after) == ()
    assert new_firing(after, listing(a)) == ()


def test_announcement_names_alert_service_and_severity():
    text = announcement((make("CQARHighErrorRate", service="cqar"),))
    assert text == "✖ CQARHighErrorRate firing on cqar (critical)"
    many = tuple(make(f"A{i}") for i in range(5))
    assert announcement(many).splitlines()[-1] == "and 2 more"


def cell_check(
    value: float | None, status: Status, detail: ServiceAlerts | None = None
) -> CheckSnapshot:
    return CheckSnapshot(
        CheckId("cqar", CheckKind.ALERTS, "alerts"), "alerts", status, value=value, detail=detail
    )


def test_overview_cell_reads_count_glyph_and_worst_severity():
    assert alerts_cell(cell_check(2, Status.CRIT)).text == "2 ✖crit"
    assert alerts_cell(cell_check(1, Status.WARN)).text == f"1 {Status.WARN.glyph}warn"
    assert alerts_cell(cell_check(0, Status.OK)).text == f"0 {Status.OK.glyph}"
    stale = alerts_cell(cell_check(1, Status.STALE, ServiceAlerts((make("A"),))))
    assert stale.text == "1 ✖crit STALE" and stale.status is Status.STALE
    assert alerts_cell(cell_check(None, Status.NODATA)).text == f"{Status.NODATA.glyph} NODATA"


def test_overview_alerts_column_uses_the_count_cell():
    from oncall_tui.render.cells import kind_cell

    assert kind_cell([cell_check(2, Status.CRIT)]).text == "2 ✖crit"


def test_stale_line_says_which_source_and_how_old():
    error = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    line = stale_line(listing(at=NOW - 40), error, "alertmanager", NOW)
    assert line == ("alertmanager unreachable: showing alerts from 40 s ago (connection refused)")
    assert stale_line(None, error, "alertmanager", NOW).startswith(
        "alertmanager unreachable: no alerts yet"
    )


def test_alerts_error_leaves_extras_once_a_fetch_succeeds_again():
    config = Config(path=None, services={"cqar": Service("cqar", "CQAR", "default")})
    state = DashboardState(config, lambda: NOW)
    good = listing(make("A", service="cqar"))
    state.apply(observations_of(good, ["cqar"]))
    error = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    state.apply([Observation(ALERT_LIST, error)])
    assert alert_error(state.snapshot()) == error
    assert alert_list(state.snapshot()) is good  # the last list stays, to show as stale
    state.apply(observations_of(listing(at=NOW + 5), ["cqar"]))
    assert alert_error(state.snapshot()) is None
