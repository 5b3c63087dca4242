"""A value on the line is in breach, and every text that names a line says so the same way:
the panel legend, the cause line, the status update, the postmortem and a probe's reason all
write `>=` (or `<=` where lower is worse), never `>`, and the engine judges the value on the
line as the breach those texts describe."""

from __future__ import annotations

import pytest
from ui_builders import NOW, kpi, service, thresholds

from oncall_tui.config.model import Direction
from oncall_tui.engine.thresholds import judge
from oncall_tui.render.cause import cause_line
from oncall_tui.render.cells import threshold_legend
from oncall_tui.render.incident_update import breach_line
from oncall_tui.render.postmortem import BreachedKpi, _charts
from oncall_tui.sources.health.verdict import judge_probe
from oncall_tui.status import Status
from oncall_tui.units import Unit


@pytest.mark.parametrize(
    ("direction", "warn", "crit", "sign", "text"),
    [(Direction.ABOVE, 0.010, 0.020, ">=", "20 ms"), (Direction.BELOW, 0.8, 0.7, "<=", "70 %")],
)
def test_every_text_writes_the_line_as_the_engine_judges_it(direction, warn, crit, sign, text):
    limits = thresholds(warn, crit, direction)
    unit = "s" if direction is Direction.ABOVE else "ratio"
    # the value exactly on the crit line is crit
    assert judge(crit, limits).status is Status.CRIT
    on_line = kpi("cqar", "latency_p50", crit, Status.CRIT, unit, thresholds=limits, level="crit")
    assert f"crit {sign} {text}" in threshold_legend(limits, Unit(unit))
    cause = cause_line(service("cqar", [on_line]), NOW)
    assert f"{text} {sign} {text}" in cause, cause
    update = breach_line("cqar", on_line)
    assert update is not None and f"(crit {sign} {text})" in update, update
    chart = _charts(
        [BreachedKpi("cqar", "latency p50", Unit(unit), NOW, "crit", limits, ((NOW, crit),))]
    )
    assert f"crit {sign} {text}" in chart.splitlines()[0], chart
    for written in (threshold_legend(limits, Unit(unit)), cause, update, chart.splitlines()[0]):
        bare = written.replace(">=", "").replace("<=", "")
        assert ">" not in bare and "<" not in bare, written


def test_a_probe_answering_on_its_latency_line_is_slow():
    verdict = judge_probe(latency=0.1, latency_warn=0.1)
    assert verdict.status is Status.WARN and "slow: 100 ms >= 100 ms" in verdict.reason
    assert judge_probe(latency=0.099, latency_warn=0.1).status is Status.OK
