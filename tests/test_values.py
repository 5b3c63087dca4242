import math

import pytest

from oncall_tui.render.values import format_age, format_duration, format_value
from oncall_tui.units import Unit


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0123, "s", "12.3 ms"),
        (0.0000456, "s", "45.6 µs"),
        (1.5, "s", "1.5 s"),
        (250, "ms", "250 ms"),
        (0.0042, "ratio", "0.42 %"),
        (0.987, "ratio", "98.7 %"),
        (1234, "req/s", "1.2k req/s"),
        (12.5, "req/s", "12.5 req/s"),
        (87, "count", "87"),
        (150000, "count", "150k"),
        (42.0, "percent", "42 %"),
        (3 * 1024 * 1024, "bytes", "3 MiB"),
        (None, "s", "—"),
        (math.nan, "s", "NaN"),
    ],
)
def test_values_are_formatted_for_people(value, unit, text):
    assert format_value(value, Unit(unit)) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "never"), (0.2, "now"), (42, "42 s"), (300, "5 min"), (7300, "2 h"), (200000, "2 d")],
)
def test_ages_read_short(seconds, text):
    assert format_age(seconds) == text


def test_durations_print_as_written_in_config():
    assert format_duration(0.5) == "500ms"
    assert format_duration(90) == "1m30s"
    assert format_duration(3600) == "1h"
