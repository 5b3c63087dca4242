"""One unit type: the config's text kept as written, its kind looked up in one table."""

from __future__ import annotations

import pytest

from oncall_tui.config.model import Kpi
from oncall_tui.render.cells import value_suffix
from oncall_tui.render.values import format_value
from oncall_tui.units import SYNONYMS, Unit, UnitKind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("s", UnitKind.SECONDS),
        ("seconds", UnitKind.SECONDS),
        ("ms", UnitKind.MILLISECONDS),
        ("ratio", UnitKind.RATIO),
        ("fraction", UnitKind.RATIO),
        ("percent", UnitKind.PERCENT),
        ("%", UnitKind.PERCENT),
        ("bytes", UnitKind.BYTES),
        ("B", UnitKind.BYTES),
        ("B/s", UnitKind.BYTES_PER_SECOND),
        ("bytes/s", UnitKind.BYTES_PER_SECOND),
        ("count", UnitKind.COUNT),
        ("", UnitKind.COUNT),
        ("req/s", UnitKind.OTHER),
        ("Seconds", UnitKind.OTHER),  # spelt as the table spells it, or shown as written
    ],
)
def test_each_spelling_has_one_kind(text: str, kind: UnitKind) -> None:
    assert Unit.parse(text).kind is kind


def test_synonyms_are_written_alike() -> None:
    # every spelling of one kind formats a value and heads a column the same way
    by_kind: dict[UnitKind, set[tuple[str, str | None]]] = {}
    for text, kind in SYNONYMS.items():
        unit = Unit(text)
        by_kind.setdefault(kind, set()).add((format_value(0.25, unit), value_suffix(unit)))
    assert all(len(shown) == 1 for shown in by_kind.values()), by_kind
    assert len(by_kind) == len(set(SYNONYMS.values()))


def test_the_text_is_kept_as_written_and_blanks_are_dropped() -> None:
    unit = Unit.parse("  seconds ")
    assert (unit.text, str(unit), bool(unit)) == ("seconds", "seconds", True)
    assert not Unit.parse(None) and Unit.parse(None) == Unit("")
    assert format_value(3.0, Unit.parse(" req/s")) == "3 req/s"


def test_the_config_parses_the_unit_once(tmp_path) -> None:
    from oncall_tui.config.loader import load_config

    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources: {default: {url: 'http://127.0.0.1:9'}}\n"
        "services:\n"
        "  api:\n"
        "    kpis:\n"
        "      latency_p99: {query: x, unit: ' seconds '}\n"
    )
    kpi = load_config(path, environ={}).services["api"].kpis[0]
    assert isinstance(kpi, Kpi) and kpi.unit == Unit("seconds")
    assert kpi.unit.kind is UnitKind.SECONDS
