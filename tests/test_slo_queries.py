"""SLO windows as queries: batched with the KPIs of their interval, long windows polled less."""

from __future__ import annotations

import time

from oncall_tui.config.model import Datasource, Kpi, Service, Slo
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Reading, Series
from oncall_tui.sources.prometheus import PrometheusSource
from oncall_tui.sources.prometheus.slo_queries import sli_members, sli_observations
from oncall_tui.sources.sli import SliRatios, window_interval

M, H, D = 60.0, 3600.0, 86400.0
SLO = Slo(name="availability", objective=0.999, error_ratio="e[$window] / t[$window]")


def test_long_windows_are_polled_less_often_than_short_ones():
    intervals = {w: window_interval(w, 5.0) for w in SLO.measured_windows()}
    assert intervals == {
        5 * M: 5.0,
        30 * M: 5.0,
        H: 5.0,
        2 * H: 10.0,
        6 * H: 30.0,
        D: 120.0,
        3 * D: 300.0,
        30 * D: 300.0,
    }
    # never faster than the refresh, and the cap never below it
    assert window_interval(30.0, 1.0) == 1.0
    assert window_interval(30 * D, 600.0) == 600.0


def test_every_window_is_one_query_with_its_range_filled_in():
    service = Service(name="api", title="API", datasource="p", slos=(SLO,))
    members = list(sli_members(service))
    assert [window for _, _, window in members] == list(SLO.measured_windows())
    check, kpi, window = members[0]
    assert check == CheckId("api", CheckKind.SLO, "availability")
    assert (kpi.query, kpi.interval, window) == ("e[5m] / t[5m]", 5.0, 300.0)


def test_slo_windows_share_the_batches_of_the_kpis_polled_on_their_interval():
    kpis = tuple(Kpi(key=f"k{i}", query=f"q{i}", interval=5.0) for i in range(3))
    service = Service(name="api", title="API", datasource="p", kpis=kpis, slos=(SLO,))
    source = PrometheusSource(Datasource("p", "http://127.0.0.1:9"), [service], time.time)
    by_interval = {job.interval: job for job in source.jobs()}
    # one job per interval: the 5 s one carries the KPIs and the 5m, 30m and 1h windows
    assert sorted(by_interval) == [5.0, 10.0, 30.0, 120.0, 300.0]
    slo_check = CheckId("api", CheckKind.SLO, "availability")
    assert by_interval[5.0].checks == (*(CheckId("api", CheckKind.KPI, k.key) for k in kpis),
                                       slo_check)  # fmt: skip
    assert by_interval[300.0].checks == (slo_check,)


def test_answers_become_one_reading_per_slo_and_an_error_wins():
    check = CheckId("api", CheckKind.SLO, "availability")
    other = CheckId("web", CheckKind.SLO, "availability")
    answers = [
        (check, 300.0, [Series({"route": "/a"}, 0.01), Series({"route": "/b"}, 0.03)]),
        (check, 3600.0, []),
        (other, 300.0, FetchError(ErrorKind.TIMEOUT, "no answer")),
        (other, 3600.0, [Series({}, 0.5)]),
    ]
    by_check = {o.check: o.outcome for o in sli_observations(answers, now=10.0)}
    reading = by_check[check]
    assert isinstance(reading, Reading) and isinstance(reading.detail, SliRatios)
    assert reading.detail.ratios == {300.0: 0.03, 3600.0: None}  # the worst series; empty
    assert isinstance(by_check[other], FetchError)
