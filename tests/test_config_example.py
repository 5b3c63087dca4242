"""config.example.yaml at the repository root loads cleanly and says what the services need."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config.loader import load_config
from oncall_tui.config.model import STANDARD_KPIS, Direction, NodataMode, ProbeKind
from oncall_tui.status import Status

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"


def test_example_config_loads_without_errors() -> None:
    config = load_config(EXAMPLE, environ={})
    assert list(config.services) == ["cqar", "arq", "bazaruto"]
    assert config.datasources["default"].url == "http://localhost:9090"
    assert config.runbooks == (EXAMPLE.parent / "runbooks",)


def test_example_shows_probes_of_every_kind_and_kubernetes() -> None:
    config = load_config(EXAMPLE, environ={})
    kinds = {p.kind for s in config.services.values() for p in s.health}
    assert kinds == set(ProbeKind)
    assert any(s.kubernetes is not None for s in config.services.values())
    assert config.alertmanager is not None


def test_example_uses_the_reference_thresholds() -> None:
    config = load_config(EXAMPLE, environ={})
    arq = {k.key: k for k in config.services["arq"].all_kpis}
    assert [(lv.name, lv.value) for lv in arq["error_rate"].thresholds.levels] == [
        ("minor", 0.001),
        ("major", 0.005),
        ("critical", 0.01),
    ]
    assert arq["error_rate"].thresholds.levels[-1].status is Status.CRIT
    assert [lv.value for lv in arq["latency_p99"].thresholds.levels] == [1.0, 2.0, 5.0]
    cqar = {k.key: k for k in config.services["cqar"].all_kpis}
    assert (cqar["latency_p99"].thresholds.warn, cqar["latency_p99"].thresholds.crit) == (
        0.020,
        0.050,
    )
    assert cqar["cache_hit_rate"].thresholds.direction is Direction.BELOW
    assert "cqar_grpc_calls_total" in cqar["error_rate"].query
    assert "$" not in "".join(k.query for s in config.services.values() for k in s.all_kpis)


def test_example_error_ratios_treat_an_empty_result_as_healthy() -> None:
    config = load_config(EXAMPLE, environ={})
    for svc in config.services.values():
        error_rate = next(k for k in svc.kpis if k.key == "error_rate")
        assert error_rate.nodata.mode is NodataMode.OK, svc.name


def test_example_kpis_are_standard_and_link_to_runbooks() -> None:
    config = load_config(EXAMPLE, environ={})
    for svc in config.services.values():
        assert all(k.key in STANDARD_KPIS for k in svc.kpis)
        assert svc.runbook == f"{svc.name}.md"
    links = {k.runbook for s in config.services.values() for k in s.all_kpis if k.runbook}
    assert "cqar.md#high-error-rate" in links
