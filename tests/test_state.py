from oncall_tui.config.model import (
    Config,
    Datasource,
    Kpi,
    Level,
    Nodata,
    NodataMode,
    Service,
    Thresholds,
)
from oncall_tui.engine.state import DashboardState
from oncall_tui.render.status_report import to_json
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.units import RATIO

ERRORS = Thresholds(levels=(Level("warn", 0.001, Status.WARN), Level("crit", 0.01, Status.CRIT)))


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_state(*kpis: Kpi, clock: Clock) -> DashboardState:
    config = Config(
        path=None,
        datasources={"default": Datasource("default", "http://x")},
        services={"cqar": Service("cqar", "CQAR", "default", kpis=kpis)},
    )
    return DashboardState(config, clock)


ERROR_RATE = CheckId("cqar", CheckKind.KPI, "error_rate")


def reading(clock: Clock, value: float | None, **kw) -> Observation:
    return Observation(ERROR_RATE, Reading(at=clock.now, value=value, empty=value is None, **kw))


def check(state: DashboardState):
    return state.snapshot().service("cqar").check(CheckKind.KPI, "error_rate")


def test_error_rate_turns_crit_at_once_without_for():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", unit=RATIO, thresholds=ERRORS), clock=clock)
    state.apply([reading(clock, 0.0)])
    assert check(state).status is Status.OK
    state.apply([reading(clock, 0.05)])
    assert check(state).status is Status.CRIT
    assert state.snapshot().service("cqar").status is Status.CRIT


def test_error_rate_turns_crit_only_after_for_duration():
    clock = Clock()
    held = Thresholds(levels=ERRORS.levels, hold=60)
    state = make_state(Kpi("error_rate", "q", thresholds=held), clock=clock)
    state.apply([reading(clock, 0.0)])
    state.apply([reading(clock, 0.05)])
    snap = check(state)
    assert snap.status is Status.PENDING and snap.pending is Status.CRIT
    assert snap.counts_at == clock.now + 60
    clock.now += 30
    state.apply([reading(clock, 0.05)])
    assert check(state).status is Status.PENDING
    clock.now += 31
    state.apply([reading(clock, 0.05)])
    assert check(state).status is Status.CRIT
    assert check(state).pending is None


def test_a_breach_that_ends_before_for_never_counts():
    clock = Clock()
    state = make_state(
        Kpi("error_rate", "q", thresholds=Thresholds(ERRORS.levels, hold=60)), clock=clock
    )
    state.apply([reading(clock, 0.05)])
    clock.now += 30
    state.apply([reading(clock, 0.0)])
    clock.now += 40
    state.apply([reading(clock, 0.05)])
    snap = check(state)
    assert snap.status is Status.PENDING  # the hold restarted with the new breach
    assert snap.counts_at == clock.now + 60


def test_empty_result_is_nodata_unless_the_kpi_says_otherwise():
    clock = Clock()
    state = make_state(
        Kpi("error_rate", "q", thresholds=ERRORS),
        Kpi("latency_p99", "q", nodata=Nodata(NodataMode.OK)),
        Kpi("queue_depth", "q", nodata=Nodata(NodataMode.VALUE, 0.0), thresholds=ERRORS),
        clock=clock,
    )
    state.apply(
        [
            reading(clock, None),
            Observation(
                CheckId("cqar", CheckKind.KPI, "latency_p99"), Reading(clock.now, empty=True)
            ),
            Observation(
                CheckId("cqar", CheckKind.KPI, "queue_depth"), Reading(clock.now, empty=True)
            ),
        ]
    )
    service = state.snapshot().service("cqar")
    assert service.check(CheckKind.KPI, "error_rate").status is Status.NODATA
    assert service.check(CheckKind.KPI, "latency_p99").status is Status.OK
    queue = service.check(CheckKind.KPI, "queue_depth")
    assert (queue.status, queue.value) == (Status.OK, 0.0)


def test_a_failed_fetch_keeps_the_last_value_as_stale_with_its_age():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", thresholds=ERRORS), clock=clock)
    state.apply([reading(clock, 0.002)])
    clock.now += 42
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "connection refused"))])
    snap = check(state)
    assert snap.status is Status.STALE
    assert snap.value == 0.002
    assert snap.age(clock.now) == 42
    assert "unreachable" in str(snap.error)


def test_a_rejected_query_is_an_error_not_stale():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q"), clock=clock)
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.BAD_QUERY, "parse error"))])
    assert check(state).status is Status.ERROR


def test_the_timeline_records_every_status_change_with_time_and_value():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", thresholds=ERRORS), clock=clock)
    for value in (0.0, 0.002, 0.02, 0.0):
        clock.now += 5
        state.apply([reading(clock, value)])
    events = state.snapshot().timeline
    assert [(e.before, e.after) for e in events] == [
        (Status.OK, Status.WARN),
        (Status.WARN, Status.CRIT),
        (Status.CRIT, Status.OK),
    ]
    assert events[1].value == 0.02 and events[1].at == 1_000_015.0


def test_history_is_backfilled_once_then_extended_and_bounded():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q"), clock=clock)
    backfill = tuple((clock.now - 100 + i, float(i)) for i in range(100))
    state.apply([reading(clock, 5.0, history=backfill)])
    state.apply([reading(clock, 6.0, history=backfill)])  # same time and points: no duplicates
    assert len(check(state).history) == 101
    for _ in range(2000):
        clock.now += 1
        state.apply([reading(clock, 1.0)])
    assert len(check(state).history) == 720


def test_snapshots_are_reused_until_something_changes():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q"), clock=clock)
    first = state.snapshot()
    assert state.snapshot() is first
    state.apply([reading(clock, 1.0)])
    assert state.snapshot() is not first
    assert state.snapshot().version > first.version


def test_a_backfill_arriving_after_the_first_point_is_merged_in_time_order():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q"), clock=clock)
    state.apply([reading(clock, 5.0)])
    clock.now += 5
    backfill = tuple((clock.now - 600 + i * 10, float(i)) for i in range(60))
    state.apply([reading(clock, 6.0, history=backfill)])
    history = check(state).history
    times = [t for t, _ in history]
    assert times == sorted(times)
    assert len(times) == len(set(times)) == 62  # 60 backfill points and the 2 readings
    assert history[-1] == (clock.now, 6.0)


# -- pending: a breach inside its `for:` hold is never ok -------------------------------------


def held_state(clock: Clock, hold: float = 60) -> DashboardState:
    return make_state(
        Kpi("error_rate", "q", thresholds=Thresholds(ERRORS.levels, hold=hold)), clock=clock
    )


def test_a_pending_breach_rolls_up_as_pending_never_ok():
    clock = Clock()
    state = held_state(clock)
    state.apply([reading(clock, 0.05)])
    service = state.snapshot().service("cqar")
    assert service.status is Status.PENDING
    assert Status.PENDING.rank > Status.OK.rank and Status.PENDING.rank > Status.NODATA.rank
    assert [(e.before, e.after, e.pending) for e in state.snapshot().timeline] == [
        (Status.NODATA, Status.PENDING, Status.CRIT)
    ]


def test_a_breach_older_than_its_hold_in_the_history_counts_at_once():
    """The backfill of the hold window dates the breach, as Prometheus dates a rule's `for:`."""
    clock = Clock()
    state = held_state(clock)
    history = tuple((clock.now - 70 + i * 10, 0.05) for i in range(7))
    state.apply([reading(clock, 0.05, history=history)])
    assert check(state).status is Status.CRIT


def test_a_breach_younger_than_its_hold_in_the_history_is_pending_until_it_counts():
    clock = Clock()
    state = held_state(clock)
    history = ((clock.now - 40, 0.0), (clock.now - 20, 0.05), (clock.now - 10, 0.05))
    state.apply([reading(clock, 0.05, history=history)])
    snap = check(state)
    assert snap.status is Status.PENDING
    assert snap.pending_since == clock.now - 20 and snap.counts_at == clock.now + 40


def test_a_warn_pending_to_crit_stays_warn_and_says_so():
    clock = Clock()
    state = make_state(
        Kpi("error_rate", "q", thresholds=Thresholds(ERRORS.levels, hold=0)), clock=clock
    )
    state.apply([reading(clock, 0.002)])
    state._services["cqar"].checks[ERROR_RATE].hold = 60  # crit now needs the hold
    clock.now += 5
    state.apply([reading(clock, 0.05)])
    snap = check(state)
    assert snap.status is Status.WARN and snap.pending is Status.CRIT


# -- stale keeps the last verdict ---------------------------------------------------------------


def test_a_stale_crit_stays_crit_beside_stale():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", thresholds=ERRORS), clock=clock)
    state.apply([reading(clock, 0.05)])
    clock.now += 40
    for _ in range(3):
        state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "refused"))])
    snap = check(state)
    assert snap.status is Status.STALE and snap.last_verdict is Status.CRIT
    assert snap.loudest is Status.CRIT and snap.value == 0.05
    assert state.snapshot().service("cqar").status is Status.CRIT


def test_a_stale_pending_breach_keeps_its_tier_and_since():
    """A breach inside its `for:` hold whose data then fails: the check is stale, its last
    verdict pending, and the held breach still says which tier and since when (the status
    JSON and the panel read these)."""
    clock = Clock()
    state = held_state(clock)
    state.apply([reading(clock, 0.05)])
    began = clock.now
    clock.now += 20
    for _ in range(3):
        state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "refused"))])
    snap = check(state)
    assert snap.status is Status.STALE and snap.last_verdict is Status.PENDING
    assert snap.pending is Status.CRIT and snap.pending_level == "crit"
    assert snap.pending_since == began and snap.counts_at == began + 60
    assert state.snapshot().service("cqar").status is Status.STALE  # the louder of the two
    entry = to_json(state.snapshot())["services"]["cqar"]["kpis"]["error_rate"]
    assert entry["status"] == "stale" and entry["last_verdict"] == "pending"
    assert entry["pending"] is not None and entry["pending"]["level"] == "crit"


def test_a_crit_back_from_stale_is_crit_again_without_a_new_hold():
    clock = Clock()
    state = held_state(clock)
    history = tuple((clock.now - 70 + i * 10, 0.05) for i in range(7))
    state.apply([reading(clock, 0.05, history=history)])
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.TIMEOUT, "slow"))])
    clock.now += 5
    state.apply([reading(clock, 0.05)])
    assert check(state).status is Status.CRIT


def test_a_stale_ok_is_stale_not_ok():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", thresholds=ERRORS), clock=clock)
    state.apply([reading(clock, 0.0)])
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "refused"))])
    snap = check(state)
    assert snap.loudest is Status.STALE
    assert state.snapshot().service("cqar").status is Status.STALE


def test_the_timeline_never_logs_a_status_to_itself():
    clock = Clock()
    state = make_state(Kpi("error_rate", "q", thresholds=ERRORS), clock=clock)
    state.apply([reading(clock, None)])
    state.apply([reading(clock, None)])
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "refused"))])
    state.apply([Observation(ERROR_RATE, FetchError(ErrorKind.UNREACHABLE, "refused"))])
    events = [(e.before, e.after) for e in state.snapshot().timeline]
    assert all(before is not after for before, after in events)
    assert events == [(Status.NODATA, Status.STALE)]


def test_a_service_nothing_changed_in_is_handed_over_as_the_same_snapshot():
    """Readers (the overview) skip an unchanged service by identity; a changed one is new."""
    clock = Clock()
    kpi = Kpi("error_rate", "q", thresholds=ERRORS)
    config = Config(
        path=None,
        datasources={"default": Datasource("default", "http://x")},
        services={n: Service(n, n, "default", kpis=(kpi,)) for n in ("a", "b")},
    )
    state = DashboardState(config, clock)
    a, b = CheckId("a", CheckKind.KPI, "error_rate"), CheckId("b", CheckKind.KPI, "error_rate")
    state.apply([Observation(a, Reading(clock.now, 0.0)), Observation(b, Reading(clock.now, 0.0))])
    first = state.snapshot()
    state.apply([Observation(b, Reading(clock.now, 0.5))])
    second = state.snapshot()
    assert second.service("a") is first.service("a")
    assert second.service("b") is not first.service("b")
    assert second.service("b").status is Status.CRIT
    state.record_source("prometheus default", ok=True)  # a source's news: services unchanged
    assert state.snapshot().service("b") is second.service("b")
