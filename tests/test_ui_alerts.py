"""Pilot tests of the alerts screen on hand-made snapshots: order, detail, stale, keys, toasts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ui_builders import NOW, config_for, dashboard, hand_app, screen_text, standard_service

from oncall_tui.config.model import Alertmanager
from oncall_tui.engine.snapshot import CheckSnapshot, DashboardExtras, DashboardSnapshot
from oncall_tui.sources.alerts.records import Alert, AlertList
from oncall_tui.sources.alerts.source import ALERT_LIST, observations_of
from oncall_tui.sources.base import CheckId, ErrorKind, FetchError, Reading
from oncall_tui.ui.alerts.screen import AlertsScreen
from oncall_tui.ui.alerts.table import AlertTable

RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"
CRIT = Alert(
    "CQARHighErrorRate",
    "firing",
    "critical",
    {"alertname": "CQARHighErrorRate", "job": "cqar", "severity": "critical"},
    {
        "summary": "cqar error ratio 2.3 %",
        "description": "More than 1 % of gRPC calls fail. " + "Check the database pool. " * 6,
        "runbook_url": "https://wiki.example.com/runbooks/elsewhere#x",
    },
    starts_at=NOW - 180,
    service="cqar",
)
PENDING = Alert(
    "CQARCacheHitRateLow",
    "pending",
    "warning",
    {"alertname": "CQARCacheHitRateLow", "job": "cqar"},
    {"summary": "cache hit 78 %"},
    starts_at=NOW - 20,
    service="cqar",
)
SILENCED = Alert(
    "DiskFilling",
    "silenced",
    "warning",
    {"alertname": "DiskFilling", "instance": "db-1"},
    starts_at=NOW - 3600,
    silenced_by=("s-1",),
)
WARN = Alert(
    "ArqQueueBacklog",
    "firing",
    "warning",
    {"alertname": "ArqQueueBacklog", "job": "arq"},
    {"summary": "queue 80"},
    starts_at=NOW - 600,
    service="arq",
)


def with_alerts(
    alerts: tuple[Alert, ...], *, error: FetchError | None = None, fetched_at: float = NOW - 2
) -> DashboardSnapshot:
    listing = AlertList(alerts, "alertmanager", fetched_at)
    services = []
    for svc in (standard_service("cqar"), standard_service("arq")):
        obs = next(o for o in observations_of(listing, [svc.name]) if o.check != ALERT_LIST)
        reading, check_id = obs.outcome, obs.check
        assert isinstance(reading, Reading) and isinstance(check_id, CheckId)
        check = CheckSnapshot(
            check_id, "alerts", reading.status, value=reading.value, detail=reading.detail
        )
        services.append(replace(svc, checks=svc.checks + (check,)))
    extras = DashboardExtras(alerts=listing, alerts_error=error)
    return replace(dashboard(services), extras=extras)


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(AlertTable)
    return [[c.plain for c in table.get_row(r.key)] for r in table.ordered_rows]


async def open_alerts(pilot) -> AlertsScreen:
    await pilot.press("a")
    for _ in range(40):
        if isinstance(pilot.app.screen, AlertsScreen) and pilot.app.screen.alerts:
            break
        await pilot.pause(0.05)
    await pilot.pause()
    return pilot.app.screen


async def test_a_opens_alerts_firing_first_then_pending_then_silenced():
    app, _ = hand_app(with_alerts((SILENCED, PENDING, WARN, CRIT)))
    async with app.run_test(size=(160, 40)) as pilot:
        await open_alerts(pilot)
        table = rows(app)
        assert [r[1] for r in table] == [
            "CQARHighErrorRate",
            "ArqQueueBacklog",
            "CQARCacheHitRateLow",
            "DiskFilling",
        ]
        assert table[0][0] == "✖ critical" and table[0][3] == "◉ firing"
        assert table[2][3] == "◔ pending" and table[3][2] == "other"
        assert table[0][4].startswith("3 min ago (")


async def test_focused_alert_shows_labels_and_annotations_in_full():
    app, _ = hand_app(with_alerts((CRIT, PENDING)))
    async with app.run_test(size=(160, 50)) as pilot:
        await open_alerts(pilot)
        detail = str(app.screen.query_one("#alert-detail").render())
        assert CRIT.description in detail.replace("\n", "")
        assert "job=cqar" in detail
        await pilot.press("down")
        await pilot.pause()
        detail = str(app.screen.query_one("#alert-detail").render())
        assert "CQARCacheHitRateLow" in detail and "cache hit 78 %" in detail


async def test_unreachable_source_marks_alerts_stale_with_their_age():
    error = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    app, _ = hand_app(with_alerts((CRIT,), error=error, fetched_at=NOW - 40))
    async with app.run_test(size=(160, 40)) as pilot:
        await open_alerts(pilot)
        text = screen_text(app)
        assert "alertmanager unreachable: showing alerts from 40 s ago" in text
        assert "STALE" in text
        assert "CQARHighErrorRate" in text  # the last list stays on screen


async def test_overview_shows_each_services_firing_count_and_worst_severity():
    app, _ = hand_app(with_alerts((CRIT, PENDING, WARN)))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "1 ✖crit" in text and "1 ▲warn" in text


async def test_a_newly_firing_alert_is_toasted_and_rings_the_bell_when_asked():
    first = with_alerts((PENDING,))
    config = config_for(first, bell=True)
    app, state = hand_app(first, config=config)
    bells = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state.set(with_alerts((replace(PENDING, state="firing"),)))
        app.tick()
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert any("CQARCacheHitRateLow firing on cqar" in t for t in toasts), toasts
        assert bells == [1]
        state.set(with_alerts((replace(PENDING, state="firing"),), fetched_at=NOW))
        app.tick()
        await pilot.pause()
        assert bells == [1]  # still firing: not news twice


async def test_without_alertmanager_the_silence_keys_are_hidden_and_say_why():
    app, _ = hand_app(with_alerts((CRIT,)))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_alerts(pilot)
        assert screen.check_action("silence", ()) is False
        assert screen.check_action("silences", ()) is False
        assert "silences need `alertmanager:`" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen


async def test_silencing_is_refused_with_a_clear_message_unless_allowed():
    snapshot = with_alerts((CRIT,))
    config = config_for(snapshot, alertmanager=Alertmanager("http://127.0.0.1:9", 1.0))
    app, _ = hand_app(snapshot, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_alerts(pilot)
        assert screen.check_action("silence", ()) is True
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen
        toasts = [n.message for n in app._notifications]
        assert any("allow_silence: true" in t for t in toasts), toasts


async def test_external_runbook_url_is_shown_in_full_and_c_copies_it():
    app, _ = hand_app(with_alerts((CRIT,)))
    copied = []
    app.copy_to_clipboard = lambda text: copied.append(text)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 40)) as pilot:
        await open_alerts(pilot)
        detail = str(app.screen.query_one("#alert-detail").render())
        assert "runbook_url: https://wiki.example.com/runbooks/elsewhere#x" in detail
        await pilot.press("c")
        await pilot.pause()
        assert copied == ["https://wiki.example.com/runbooks/elsewhere#x"]


async def test_escape_goes_back_and_a_twice_stays_on_one_alerts_screen():
    app, _ = hand_app(with_alerts((CRIT,)))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_alerts(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert sum(isinstance(s, AlertsScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AlertsScreen)


async def test_no_alert_source_says_nothing_fetched_yet():
    app, _ = hand_app(dashboard([standard_service("cqar")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert "no alerts fetched yet" in screen_text(app)


async def test_r_opens_the_runbook_section_the_alert_name_matches():
    from oncall_tui.runbooks.index import RunbookIndex

    runbooks = RUNBOOKS
    local = replace(CRIT, annotations={"summary": "errors"})
    snapshot = with_alerts((local,))
    config = config_for(snapshot, runbooks=(runbooks,))
    services = {n: replace(s, runbook=f"{n}.md") for n, s in config.services.items()}
    app, _ = hand_app(snapshot, config=replace(config, services=services))
    opened: list[tuple[object, dict]] = []
    app.open_runbook = lambda link, **kw: opened.append((link, kw))  # type: ignore[method-assign]
    if getattr(app, "runbooks", None) is None:
        app.runbooks = RunbookIndex.load([runbooks])  # type: ignore[attr-defined]
    async with app.run_test(size=(160, 40)) as pilot:
        await open_alerts(pilot)
        await pilot.press("r")
        for _ in range(40):
            if opened:
                break
            await pilot.pause(0.05)
        (link, kw), *_ = opened
        assert link.file.name == "cqar.md" and link.anchor == "high-error-rate"
        assert kw["service"] == "cqar" and kw["outside"]["job"] == "cqar"
        assert "guessed from CQARHighErrorRate" in kw["guessed_note"]
