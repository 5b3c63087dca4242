"""What an idle dashboard costs on screen, on the real state: a poll that changes nothing
redraws nothing, and a value that changes (over its line above all) shows at the next tick."""

from __future__ import annotations

from ui_builders import screen_text

from oncall_tui.config.model import Config, Datasource, Kpi, Level, Service, Thresholds
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.header import DashboardHeader
from oncall_tui.ui.widgets.matrix import ServiceMatrix
from oncall_tui.units import RATIO, Unit

ERRORS = Thresholds(levels=(Level("warn", 0.001, Status.WARN), Level("crit", 0.01, Status.CRIT)))
NAMES = [f"s{i:02d}" for i in range(20)]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def idle_app() -> tuple[OncallApp, DashboardState, Clock]:
    kpis = (
        Kpi("request_rate", "q", unit=Unit("req/s")),
        Kpi("error_rate", "q", unit=RATIO, thresholds=ERRORS),
    )
    config = Config(
        path=None,
        datasources={"default": Datasource("default", "http://x")},
        services={n: Service(n, n, "default", kpis=kpis) for n in NAMES},
    )
    clock = Clock()
    state = DashboardState(config, clock)
    app = OncallApp(config, sources=[], state=state, clock=clock, live=False)
    return app, state, clock


def poll(state: DashboardState, clock: Clock, errors: dict[str, float] | None = None) -> None:
    """One poll of every KPI: 120 req/s and no errors, but where `errors` says otherwise."""
    errors = errors or {}
    observations = []
    for name in NAMES:
        rate = CheckId(name, CheckKind.KPI, "request_rate")
        error = CheckId(name, CheckKind.KPI, "error_rate")
        observations.append(Observation(rate, Reading(clock.now, 120.0)))
        observations.append(Observation(error, Reading(clock.now, errors.get(name, 0.0))))
    state.apply(observations)
    state.record_source("prometheus default", ok=True)


def row_of(app: OncallApp, name: str) -> str:
    return next(line for line in screen_text(app).splitlines() if f" {name} " in line)


async def test_a_poll_that_changes_no_value_repaints_no_row_and_a_new_value_shows_at_once():
    app, state, clock = idle_app()
    async with app.run_test(size=(200, 60)) as pilot:
        poll(state, clock)
        app.tick()
        await pilot.pause()
        matrix = app.screen.query_one(ServiceMatrix)
        assert "● 120 req/s" in row_of(app, "s07")
        for _ in range(3):  # the same values again, a second later each time
            clock.now += 1
            before = matrix.row_refreshes
            poll(state, clock)
            app.tick()
            await pilot.pause()
            assert matrix.row_refreshes == before
        clock.now += 1
        poll(state, clock, errors={"s07": 0.05})  # one value over its crit line
        app.tick()
        await pilot.pause()
        assert "✖ 5 % CRIT" in row_of(app, "s07")  # on screen after the one tick
        assert matrix.get_row("s07")[0].plain == "✖ CRIT"
        assert matrix.ordered_rows[0].key.value == "s07"


async def test_a_changed_cell_repaints_its_row_only_and_an_unchanged_one_nothing():
    app, state, clock = idle_app()
    async with app.run_test(size=(200, 60)) as pilot:
        poll(state, clock, errors={n: 0.05 for n in NAMES})  # every row crit: nothing moves
        app.tick()
        await pilot.pause()
        matrix = app.screen.query_one(ServiceMatrix)
        before = matrix.row_refreshes
        clock.now += 1
        poll(state, clock, errors={**{n: 0.05 for n in NAMES}, "s03": 0.07})
        app.tick()
        await pilot.pause()
        assert matrix.row_refreshes == before + 1
        assert "✖ 7 % CRIT" in row_of(app, "s03")
        assert "✖ 5 % CRIT" in row_of(app, "s04")


async def test_the_header_draws_again_only_when_an_age_it_shows_changes():
    app, state, clock = idle_app()
    async with app.run_test(size=(200, 60)) as pilot:
        poll(state, clock)
        app.tick()
        await pilot.pause()
        header = app.screen.query_one(DashboardHeader)
        before = header.repaints
        app.tick()  # the same second: the same words
        await pilot.pause()
        assert header.repaints == before
        clock.now += 7
        app.tick()
        await pilot.pause()
        assert header.repaints == before + 1
        assert "prometheus default 7 s ago" in screen_text(app).splitlines()[0]
