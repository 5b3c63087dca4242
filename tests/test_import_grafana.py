"""`oncall import-grafana`: every dashboard shape becomes the same validated config, and what
cannot be carried over is said per panel."""

from __future__ import annotations

import argparse
import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.commands import import_grafana
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import Config, Direction, Kpi
from oncall_tui.grafana.model import Panel, Thresholds, ThresholdStep
from oncall_tui.grafana.reader import dashboard_from_json
from oncall_tui.grafana.template import fill
from oncall_tui.grafana.thresholds import colour_level, judge
from oncall_tui.grafana.translate import translate
from oncall_tui.grafana.units import map_unit

DATA = Path(__file__).parent / "data" / "grafana"
SHAPES = ["classic.json", "rows.json", "collapsed.json", "export.json", "api.json", "v2.json"]
RUNBOOK = DATA / "runbooks" / "checkout.md"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # runbooks are found next to the dashboard, not here


def run(
    capsys: pytest.CaptureFixture[str],
    file: Path,
    *,
    service: str | None = None,
    check=False,
    strict=False,
) -> tuple[int, str, str]:
    args = argparse.Namespace(file=str(file), check=check, strict=strict)
    if service:
        args.service = service
    code = import_grafana.run(args)
    out, err = capsys.readouterr()
    return code, out, err


def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str], file: Path, **kw) -> Config:
    code, text, _err = run(capsys, file, **kw)
    assert code == 0
    path = tmp_path / "oncall.yaml"
    path.write_text(text)
    assert main(["validate", "--config", str(path)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return load_config(path)


def kpi(config: Config, service: str, key: str) -> Kpi:
    return next(k for k in config.services[service].all_kpis if k.key == key)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_imports_to_the_same_validated_config(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported(tmp_path, capsys, DATA / shape)
    assert list(config.services) == ["api", "worker"]  # the named rows
    api, worker = config.services["api"], config.services["worker"]
    assert (api.title, worker.title) == ("API", "Worker")
    assert dict(api.vars) == {"job": "checkout"}  # the current value
    assert dict(worker.vars) == {"queue": "default"}  # no current value: the first option
    assert [k.key for k in api.kpis] == ["request_rate", "latency_p50", "latency_p99", "error_rate"]
    assert [k.key for k in worker.kpis] == ["cache_hit_rate", "queue_depth"]

    requests = kpi(config, "api", "request_rate")
    # $job filled from vars by the loader, $__rate_interval written as 5m
    assert requests.query == 'sum(rate(http_requests_total{job="checkout"}[5m]))'
    assert (requests.unit.text, requests.thresholds.levels) == ("req/s", ())

    errors = kpi(config, "api", "error_rate")
    assert errors.unit.text == "ratio"  # percentunit
    assert (errors.thresholds.warn, errors.thresholds.crit) == (0.01, 0.05)
    assert errors.thresholds.direction is Direction.ABOVE
    assert errors.runbook == "checkout.md#high-error-rate"  # from the panel link

    # two queries of one panel, titled by their legends; percentage thresholds on 0..2 s
    # (old rows: the graph's gt thresholds at the same values)
    p99, p50 = kpi(config, "api", "latency_p99"), kpi(config, "api", "latency_p50")
    assert (p99.title, p50.title) == ("Latency: p99", "Latency: p50")
    assert "histogram_quantile(0.99" in p99.query and "histogram_quantile(0.5" in p50.query
    assert p99.unit.text == p50.unit.text == "s"
    assert (p99.thresholds.warn, p99.thresholds.crit) == (1.0, 1.6)

    queue = kpi(config, "worker", "queue_depth")
    assert queue.query == 'sum(jobs_queue_depth{queue="default"})'  # [[queue]]
    assert (queue.unit.text, queue.thresholds.warn, queue.thresholds.crit) == ("count", 100, 500)

    cache = kpi(config, "worker", "cache_hit_rate")
    assert cache.thresholds.direction is Direction.BELOW  # red base rising to green
    assert cache.thresholds.crit == math.nextafter(
        0.8, 0
    ) and cache.thresholds.warn == math.nextafter(0.9, 0)
    assert cache.runbook == "checkout.md#cache-cold"  # a runbook named in the description


def test_a_value_on_a_falling_step_is_as_good_as_grafana_shows_it() -> None:
    panel = Panel(
        "p",
        "Up",
        "stat",
        thresholds=Thresholds("absolute", (ThresholdStep(None, "red"), ThresholdStep(1, "green"))),
    )
    judged = judge(panel)
    assert judged.direction == "below" and judged.warn is None
    assert judged.crit is not None and judged.crit < 1 and 0.999 < judged.crit  # up == 1 is ok
    from oncall_tui.config.model import Level
    from oncall_tui.config.model import Thresholds as OurThresholds
    from oncall_tui.engine.thresholds import judge as engine_judge
    from oncall_tui.status import Status

    ours = OurThresholds((Level("crit", judged.crit, Status.CRIT),), Direction.BELOW)
    assert engine_judge(1.0, ours).status is Status.OK
    assert engine_judge(0.0, ours).status is Status.CRIT


def test_service_option_puts_every_panel_in_one_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported(tmp_path, capsys, DATA / "classic.json", service="checkout")
    assert list(config.services) == ["checkout"]
    assert dict(config.services["checkout"].vars) == {"job": "checkout", "queue": "default"}
    assert len(config.services["checkout"].all_kpis) == 6


def test_the_dashboard_of_the_reference_guide_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the Bazaruto operations guide's Grafana JSON, as printed there (API wrapper, graph panels,
    # no datasource named)
    config = imported(tmp_path, capsys, DATA / "bazaruto-application.json")
    (service,) = config.services.values()
    assert service.title == "Bazaruto Application"
    assert kpi(config, service.name, "request_rate").query == "rate(http_requests_total[5m])"
    p95 = kpi(config, service.name, "latency_p95")
    assert p95.query.startswith("histogram_quantile(0.95,") and p95.unit.text == "s"
    # errors per second, not a ratio: a panel, not the error_rate KPI
    (panel,) = service.panels
    assert (panel.title, panel.query) == (
        "Error Rate",
        'rate(http_requests_total{status=~"5.."}[5m])',
    )


def test_check_lists_what_each_panel_became_and_strict_fails_on_anything_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, DATA / "edge-cases.json", check=True, strict=True)
    assert code == 1 and "--strict" in err
    expected = [
        "panels[0] 'Read me' -> edge-cases: dropped",
        "  - a text panel: no queries",
        "  - query A: a loki datasource, not PromQL",
        "  - repeats per $instance: imported once, for instance=a:9100|b:9100",
        "  · $instance: All: 'a:9100|b:9100'",
        "  - percentage thresholds (90%) with no min and max to place them",
        "  · $env: no current value; the first, 'production'",
        "  - the unit 'flops' is not one oncall knows; kept as text",
        "  - query A: the variable $cluster has no value",
        "  + gc_pause [ms, warn >= 0.5, crit >= 2]:"
        " (rate(go_gc_duration_seconds_sum[5m]) * 1e6) / 1000",
        "  · query B is hidden in Grafana; skipped",
        "  · $__interval as 1m",
        "  - query A is not valid PromQL at 1:37 (near '*'): invalid promql query",
        "  - a library panel (Shared CPU): its queries are not in the dashboard JSON",
        "  - query A: heatmap buckets, not one value per series",
        "  · a copy Grafana made of a repeated panel; skipped",
        "  + over_the_range [count, crit >= 80]: increase(http_requests_total[24h])",
        "  · Grafana's default thresholds (red at 80) are not shown on this panel; not imported",
        "  - query A: a mysql datasource, not PromQL",
        "7 KPIs from 15 panels; 10 things not carried over",
    ]
    lines = out.splitlines()
    for line in expected:
        assert line in lines, line
    # without --check the YAML still comes, with what was dropped as comments; it validates
    code, text, _ = run(capsys, DATA / "edge-cases.json")
    assert code == 0
    assert "# panels[5] 'By cluster': query A: the variable $cluster has no value" in text


def test_edge_case_kpis_carry_scaled_units_and_windows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported(tmp_path, capsys, DATA / "edge-cases.json")
    gc = kpi(config, "edge-cases", "gc_pause")
    assert (gc.unit.text, gc.thresholds.warn, gc.thresholds.crit) == ("ms", 0.5, 2.0)
    flops = kpi(config, "edge-cases", "flops")
    assert flops.unit.text == "flops"
    assert flops.query == "rate(cpu_flops_total[10m])"  # interval var
    assert kpi(config, "edge-cases", "request_rate").query == "sum(rate(http_requests_total[1m]))"
    per_instance = kpi(config, "edge-cases", "per_instance")
    assert per_instance.query == 'up{instance=~"a:9100|b:9100"}'
    assert kpi(config, "edge-cases", "default_thresholds").thresholds.levels == ()


@pytest.mark.parametrize(
    ("grafana", "ours", "factor", "known"),
    [
        ("s", "s", 1, True),
        ("ms", "ms", 1, True),
        ("µs", "ms", 1e-3, True),
        ("percentunit", "ratio", 1, True),
        ("percent", "percent", 1, True),
        ("reqps", "req/s", 1, True),
        ("ops", "ops/s", 1, True),
        ("short", "count", 1, True),
        ("bytes", "bytes", 1, True),
        ("decbytes", "bytes", 1, True),
        ("kbytes", "bytes", 1024, True),
        ("Bps", "B/s", 1, True),
        ("m", "s", 60, True),
        ("suffix:jobs", "jobs", 1, True),
        ("currencyUSD", "currencyUSD", 1, False),
    ],
)
def test_units_map_to_ours(grafana: str, ours: str, factor: float, known: bool) -> None:
    unit = map_unit(grafana)
    assert (unit.unit.text, unit.factor, unit.known) == (ours, factor, known)


@pytest.mark.parametrize(
    ("colour", "level"),
    [
        ("green", "ok"),
        ("dark-green", "ok"),
        ("#73BF69", "ok"),
        ("#299c46", "ok"),
        ("yellow", "warn"),
        ("semi-dark-orange", "warn"),
        ("#EAB839", "warn"),
        ("rgba(237, 129, 40, 0.89)", "warn"),
        ("red", "crit"),
        ("#F2495C", "crit"),
        ("#d44a3a", "crit"),
        ("rgb(245, 54, 54)", "crit"),
        ("blue", "other"),
        ("transparent", "other"),
        ("text", "other"),
    ],
)
def test_colours_are_read_as_levels(colour: str, level: str) -> None:
    assert colour_level(colour) == level


def test_threshold_steps_in_order() -> None:
    def steps(*pairs, **kw):
        return judge(
            Panel(
                "p",
                "t",
                "stat",
                thresholds=Thresholds(
                    kw.get("mode", "absolute"), tuple(ThresholdStep(v, c) for c, v in pairs)
                ),
                min=kw.get("min"),
                max=kw.get("max"),
            )
        )

    assert (steps(("green", None), ("red", 5)).crit, steps(("green", None), ("red", 5)).warn) == (
        5,
        None,
    )
    # a second warning colour and a later red: the first of each counts
    many = steps(("green", None), ("yellow", 1), ("orange", 2), ("red", 3), ("dark-red", 4))
    assert (many.direction, many.warn, many.crit) == ("above", 1, 3)
    # warn after red makes no sense as a tier: dropped with a note
    late = steps(("green", None), ("red", 3), ("yellow", 4))
    assert (late.warn, late.crit) == (None, 3) and "warn dropped" in late.notes[0]
    # percentage: placed on min..max
    pct = steps(("green", None), ("red", 75), mode="percentage", min=100, max=200)
    assert pct.crit == 175
    # green again past red: a band, only the lower side kept and said
    band = steps(("green", None), ("red", 10), ("green", 20))
    assert band.crit == 10 and band.dropped


def test_template_variables_in_every_syntax() -> None:
    dashboard = dashboard_from_json(
        {
            "panels": [],
            "templating": {
                "list": [
                    {"name": "job", "type": "custom", "query": "api", "current": {"value": "api"}},
                ]
            },
        }
    )
    variables = {v.name: v for v in dashboard.variables}
    windows = {"__rate_interval": "5m"}
    filled = fill(
        'a{job="$job"} + b{job="${job}"} + c{job="[[job]]"} + d{job="${job:regex}"}',
        variables,
        windows,
    )
    assert filled.query == 'a{job="$job"} + b{job="$job"} + c{job="$job"} + d{job="$job"}'
    assert dict(filled.vars) == {"job": "api"}
    # glued to a name, `$job_total` would be another variable: written as the value
    glued = fill("${job}_requests_total", variables, windows)
    assert glued.query == "api_requests_total" and glued.notes
    missing = fill('x{a="$nope"}[$__rate_interval]', variables, windows)
    assert missing.missing == ("nope",) and missing.windows == ("$__rate_interval as 5m",)


def test_what_is_not_a_dashboard_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"panels": [\n  {"title": "x",}\n]}')
    assert main(["import-grafana", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.json:2:" in err and "not valid JSON" in err
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"groups": []}))
    assert main(["import-grafana", str(other)]) == 2
    assert "not a Grafana dashboard" in capsys.readouterr().err
    assert main(["import-grafana", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_titles_with_variables_and_repeated_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dashboard = {
        "title": "Shop",
        "templating": {"list": [{"name": "env", "type": "constant", "query": "prod"}]},
        "panels": [
            {"type": "row", "title": "Shop ${env}", "repeat": "env", "panels": []},
            {
                "type": "stat",
                "title": "Orders in ${env} [[env]] $nope",
                "options": {"reduceOptions": {"calcs": ["mean"]}},
                "targets": [{"expr": 'sum(orders{env="$env"})', "legendFormat": "{{env}}"}],
            },
            {"type": "row", "title": "Shop staging", "repeatIteration": 1, "panels": []},
            {"type": "stat", "title": "Orders", "repeatPanelId": 2, "targets": [{"expr": "x"}]},
        ],
    }
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(dashboard))
    code, out, _ = run(capsys, path, check=True)
    assert "  - repeats per $env: imported once, for env=prod" in out.splitlines()
    assert "Grafana shows the mean over its time range; oncall the current value" in out
    config = imported(tmp_path, capsys, path)  # no `${env}` left for the loader to expand
    (service,) = config.services.values()
    assert service.title == "Shop prod"
    (panel,) = service.panels
    assert panel.title == "Orders in prod prod $nope"
    assert panel.query == 'sum(orders{env="prod"})'


def _v2_panel(title: str, expr: str, kind: str = "prometheus") -> dict:
    query = {"kind": kind, "spec": {"expr": expr}}
    return {
        "kind": "Panel",
        "spec": {
            "title": title,
            "data": {
                "kind": "QueryGroup",
                "spec": {
                    "queries": [{"kind": "PanelQuery", "spec": {"refId": "A", "query": query}}]
                },
            },
            "vizConfig": {"kind": "stat", "spec": {"fieldConfig": {"defaults": {"unit": "s"}}}},
        },
    }


def test_v2_alpha_grid_rows_tabs_and_auto_grid() -> None:
    ref = {"kind": "ElementReference"}
    dashboard = dashboard_from_json(
        {
            "title": "V2",
            "elements": {
                "a": _v2_panel("A", "up"),
                "b": _v2_panel("B", "sum(up)"),
                "c": _v2_panel("C", 'sum(rate({app="x"}[5m]))', kind="loki"),
                "d": _v2_panel("D", "max(up)"),
                "lib": {
                    "kind": "LibraryPanel",
                    "spec": {"title": "L", "libraryPanel": {"name": "Lib"}},
                },
            },
            "layout": {
                "kind": "TabsLayout",
                "spec": {
                    "tabs": [
                        {
                            "kind": "TabsLayoutTab",
                            "spec": {
                                "title": "Front",
                                "layout": {
                                    "kind": "GridLayout",
                                    "spec": {
                                        "items": [
                                            {
                                                "kind": "GridLayoutItem",
                                                "spec": {"element": {**ref, "name": "a"}},
                                            },
                                            {
                                                "kind": "GridLayoutRow",
                                                "spec": {
                                                    "title": "Back",
                                                    "elements": [
                                                        {
                                                            "kind": "GridLayoutItem",
                                                            "spec": {
                                                                "element": {**ref, "name": "b"}
                                                            },
                                                        }
                                                    ],
                                                },
                                            },
                                        ]
                                    },
                                },
                            },
                        },
                        {
                            "kind": "TabsLayoutTab",
                            "spec": {
                                "title": "Logs",
                                "layout": {
                                    "kind": "AutoGridLayout",
                                    "spec": {
                                        "items": [
                                            {
                                                "kind": "AutoGridLayoutItem",
                                                "spec": {"element": {**ref, "name": "c"}},
                                            },
                                            {
                                                "kind": "AutoGridLayoutItem",
                                                "spec": {"element": {**ref, "name": "lib"}},
                                            },
                                        ]
                                    },
                                },
                            },
                        },
                    ]
                },
            },
        }
    )
    assert dashboard.shape == "v2"
    rows = {p.title: p.row for p in dashboard.panels}
    assert rows == {"A": "Front", "B": "Back", "C": "Logs", "L": "Logs", "D": ""}  # D: unplaced
    result = translate(dashboard)
    assert [k.service for k in result.kpis] == ["front", "back", "v2"]
    dropped = {r.title: r.dropped for r in result.reports}
    assert dropped["C"] == ("query A: a loki datasource, not PromQL",)
    assert "library panel (Lib)" in dropped["L"][0]
    assert all(k.unit.text == "s" for k in result.kpis)


def test_control_sequences_in_the_json_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.json"
    title = "Up\x1b]52;c;ZXZpbA==\x07\x1b[2J"
    path.write_text(
        json.dumps(
            {
                "title": title,
                "panels": [{"type": "stat", "title": title, "targets": [{"expr": "up"}]}],
            }
        )
    )
    for check in (True, False):
        code, out, _ = run(capsys, path, check=check)
        assert code == 0
        assert "\x1b" not in out and "\x07" not in out
        assert "␛" in out


@pytest.mark.parametrize(
    ("panel_ds", "target_ds", "kind"),
    [
        ({"type": "datasource", "uid": "-- Mixed --"}, {"type": "prometheus", "uid": "p"}, "ok"),
        ({"type": "datasource", "uid": "-- Mixed --"}, {"type": "loki", "uid": "l"}, "loki"),
        ({"type": "datasource", "uid": "grafana"}, None, "grafana"),
        ({"type": "datasource", "uid": "-- Dashboard --"}, None, "dashboard"),
        ("-- Grafana --", None, "grafana"),
        ("Elasticsearch logs", None, "elastic"),
        ("Thanos", None, "ok"),
        (None, None, "ok"),
    ],
)
def test_datasources_are_told_apart(panel_ds, target_ds, kind: str) -> None:
    target = {"refId": "A", "expr": "up", "legendFormat": "__auto"}
    if target_ds:
        target["datasource"] = target_ds
    panel = {
        "type": "stat",
        "title": "P",
        "datasource": panel_ds,
        "targets": [target, {"expr": "up"}],
    }
    result = translate(dashboard_from_json({"title": "D", "panels": [panel]}))
    (report,) = result.reports
    if kind == "ok":
        assert report.imported and not any("datasource" in d for d in report.dropped)
        assert result.kpis[0].title == "P: A"  # an Auto legend: the query's refId
    else:
        assert f"query A: a {kind} datasource, not PromQL" in report.dropped


def test_no_named_rows_make_one_service_named_after_the_dashboard() -> None:
    dashboard = dashboard_from_json(
        {
            "title": "Payments API",
            "panels": [{"type": "stat", "title": "Up", "targets": [{"expr": "up"}]}],
        }
    )
    result = translate(dashboard)
    assert result.services == (("payments-api", "Payments API"),)


# -- against a real Prometheus -------------------------------------------------------------


@pytest.fixture
def driven_prometheus(prometheus_factory) -> Iterator[str]:
    from servers.exporter import Exporter, drive_services

    exporter = Exporter()
    stop = threading.Event()
    thread = threading.Thread(target=drive_services, args=(exporter, ["cqar"], stop), daemon=True)
    thread.start()
    try:
        server = prometheus_factory([exporter.target])
        server.wait_for_series("cqar_grpc_calls_total", count=2)
        server.wait_for_series(
            "histogram_quantile(0.5, sum by (le)"
            " (rate(cqar_grpc_call_duration_seconds_bucket[5m]))) > 0"
        )
        yield server.url
    finally:
        stop.set()
        thread.join(timeout=5)
        exporter.stop()


@pytest.mark.integration
def test_an_imported_dashboard_polls_a_value_for_every_kpi(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], driven_prometheus: str
) -> None:
    import subprocess
    import sys

    code, text, _ = run(capsys, DATA / "exporter.json", service="cqar")
    assert code == 0
    config_path = tmp_path / "oncall.yaml"
    config_path.write_text(text.replace("http://localhost:9090", driven_prometheus))
    assert main(["validate", "--online", "--config", str(config_path)]) == 0, (
        capsys.readouterr().err
    )
    capsys.readouterr()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "status",
            "--format",
            "json",
            "--config",
            str(config_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stdout)
    kpis = report["services"]["cqar"]["kpis"]
    expected = load_config(config_path).services["cqar"].all_kpis
    assert len(expected) == 9
    # beside the imported KPIs, the scrape-health check every service with a job var gets
    assert set(kpis) == {k.key for k in expected} | {"targets_up"}
    for key, entry in kpis.items():
        assert isinstance(entry["value"], (int, float)) and not math.isnan(entry["value"]), (
            key,
            entry,
        )
        assert entry["status"] not in ("nodata", "error", "stale"), (key, entry)
    assert kpis["target_up"]["value"] == 1 and kpis["target_up"]["status"] == "ok"
