from oncall_tui.config.model import Baseline, Direction, Level, Thresholds
from oncall_tui.engine.thresholds import judge
from oncall_tui.status import Status

ABOVE = Thresholds(
    levels=(Level("warn", 0.001, Status.WARN), Level("crit", 0.01, Status.CRIT)),
    direction=Direction.ABOVE,
)
BELOW = Thresholds(
    levels=(Level("warn", 0.80, Status.WARN), Level("crit", 0.70, Status.CRIT)),
    direction=Direction.BELOW,
)


def test_higher_is_worse_when_crit_is_above_warn():
    assert judge(0.0005, ABOVE).status is Status.OK
    assert judge(0.002, ABOVE).status is Status.WARN
    assert judge(0.05, ABOVE).status is Status.CRIT


def test_lower_is_worse_when_crit_is_below_warn():
    assert judge(0.95, BELOW).status is Status.OK
    assert judge(0.75, BELOW).status is Status.WARN
    assert judge(0.50, BELOW).status is Status.CRIT


def test_a_value_exactly_at_a_threshold_has_reached_it():
    assert judge(0.01, ABOVE).status is Status.CRIT
    assert judge(0.70, BELOW).status is Status.CRIT


def test_the_next_level_says_how_far_the_value_is_from_trouble():
    verdict = judge(0.002, ABOVE)
    assert verdict.level == "warn"
    assert verdict.next_level == ("crit", 0.01)
    assert judge(0.0001, ABOVE).next_level == ("warn", 0.001)


def test_multi_level_policies_name_their_tier():
    policy = Thresholds(
        levels=(
            Level("minor", 0.001, Status.WARN),
            Level("major", 0.005, Status.WARN),
            Level("critical", 0.01, Status.CRIT),
        )
    )
    assert judge(0.003, policy).level == "minor"
    verdict = judge(0.007, policy)
    assert (verdict.status, verdict.level) == (Status.WARN, "major")
    assert judge(0.02, policy).level == "critical"


def test_clear_keeps_a_breach_until_the_recovery_level_is_passed():
    hysteresis = Thresholds(levels=ABOVE.levels, clear=0.0005)
    assert judge(0.0008, hysteresis, previous_level="warn").status is Status.WARN
    assert judge(0.0004, hysteresis, previous_level="warn").status is Status.OK
    assert judge(0.0008, hysteresis).status is Status.OK


def test_baseline_factors_judge_against_normal():
    surge = Thresholds(baseline=Baseline(offset=604800, warn=3, crit=10))
    assert judge(250, surge, baseline=100).status is Status.OK
    assert judge(400, surge, baseline=100).status is Status.WARN
    assert judge(1500, surge, baseline=100).status is Status.CRIT
    assert judge(1500, surge).status is Status.OK  # no baseline value yet: nothing to compare
