"""The built-in simulated services: their config (as `oncall demo` shows it) and their signals.

Modelled on three real services' ops guides: cqar (a gRPC asset registry in Go), arq (an
API with a database, a cache and a queue) and bazaruto (an HTTP insurance platform with
background jobs), plus an edge gateway in front of them that only echoes their trouble.
Metric names and thresholds follow those guides; the numbers of ordinary traffic are
made up to look like a weekday.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import oncall_tui
from oncall_tui.config.model import (
    Baseline,
    Config,
    Datasource,
    Direction,
    Kpi,
    Level,
    Service,
    Thresholds,
)
from oncall_tui.sources.demo.curves import DAY
from oncall_tui.sources.demo.health import demo_probes
from oncall_tui.sources.demo.incident_script import DEMO_POLICY
from oncall_tui.sources.demo.incidents import Driver
from oncall_tui.sources.demo.signals import Quirk, Signal
from oncall_tui.sources.demo.slos import demo_slos
from oncall_tui.sources.demo.workloads import demo_target
from oncall_tui.status import Status
from oncall_tui.units import Unit

DATASOURCE = "demo"
#: Seconds between polls of every demo KPI: short, so the screen visibly lives.
INTERVAL = 1.0
#: The one KPI that is broken on purpose when `demo_config(broken_panel=True)`.
BROKEN_PANEL = ("gateway", "cert_expiry")


@dataclass(frozen=True)
class DemoKpi:
    """A KPI's config and its simulated behaviour, kept side by side."""

    key: str
    query: str  # with $vars, replaced from the service's vars
    unit: str  # as a config writes it; parsed like one
    signal: Signal
    thresholds: Thresholds = Thresholds()
    title: str = ""
    runbook: str | None = None
    custom: bool = False


@dataclass(frozen=True)
class DemoService:
    name: str
    title: str
    vars: Mapping[str, str]
    kpis: tuple[DemoKpi, ...]
    runbook: str | None = None


def _above(warn: float, crit: float, hold: float = 0.0, clear: float | None = None) -> Thresholds:
    return Thresholds(
        levels=(Level("warn", warn, Status.WARN), Level("crit", crit, Status.CRIT)),
        hold=hold,
        clear=clear,
    )


def _below(warn: float, crit: float, clear: float | None = None) -> Thresholds:
    return Thresholds(
        levels=(Level("warn", warn, Status.WARN), Level("crit", crit, Status.CRIT)),
        direction=Direction.BELOW,
        clear=clear,
    )


def _tiers(minor: float, major: float, critical: float, hold: float = 0.0) -> Thresholds:
    """ARQ's three-tier policy: minor is logged (warn), major and critical need action (crit)."""
    return Thresholds(
        levels=(
            Level("minor", minor, Status.WARN),
            Level("major", major, Status.CRIT),
            Level("critical", critical, Status.CRIT),
        ),
        hold=hold,
    )


def _rate(expr: str) -> str:
    return f"sum(rate({expr}[5m]))"


def _quantile(q: float, bucket: str, by: str = "le") -> str:
    return f"histogram_quantile({q}, sum by ({by}) (rate({bucket}[5m])))"


_GRPC_METHOD = "/cqc.services.v1.AssetRegistry/"

CQAR = DemoService(
    name="cqar",
    title="CQAR asset registry",
    vars={"job": "cqar", "namespace": "cqar", "db_host": "cqar-db", "redis_host": "cqar-redis"},
    runbook="cqar.md",
    kpis=(
        DemoKpi(
            "request_rate",
            _rate('cqar_grpc_calls_total{job="$job"}'),
            "req/s",
            Signal(normal=850.0, peak=850.0, load_gain=1.0, noise=0.03),
            # the guide's "10x baseline" rule, against the same time one (demo) day earlier
            Thresholds(baseline=Baseline(offset=DAY, warn=10.0)),
        ),
        DemoKpi(
            "latency_p50",
            _quantile(0.5, 'cqar_grpc_call_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.004, peak=0.026, driver=Driver.LATENCY, load_gain=0.3),
            _above(0.010, 0.020),
            runbook="cqar.md#high-latency",
        ),
        DemoKpi(
            "latency_p99",
            _quantile(0.99, 'cqar_grpc_call_duration_seconds_bucket{job="$job"}', "le, method"),
            "s",
            Signal(
                normal=0.011,
                peak=0.095,
                driver=Driver.LATENCY,
                load_gain=0.5,
                noise=0.06,
                series=(
                    ({"method": _GRPC_METHOD + "GetAsset"}, 1.0),
                    ({"method": _GRPC_METHOD + "GetVenueSymbol"}, 0.9),
                    ({"method": _GRPC_METHOD + "ListAssets"}, 0.75),
                ),
            ),
            _above(0.020, 0.050, hold=30.0),
            runbook="cqar.md#high-latency",
        ),
        DemoKpi(
            "error_rate",
            _rate('cqar_grpc_calls_total{job="$job",status_code!="OK"}')
            + " / "
            + _rate('cqar_grpc_calls_total{job="$job"}'),
            "ratio",
            Signal(normal=0.0003, peak=0.022, driver=Driver.SATURATION, noise=0.25, ratio=True),
            _above(0.001, 0.01),
            runbook="cqar.md#high-error-rate",
        ),
        DemoKpi(
            "cache_hit_rate",
            _rate('cqar_cache_hit_total{job="$job"}')
            + " / ("
            + _rate('cqar_cache_hit_total{job="$job"}')
            + " + "
            + _rate('cqar_cache_miss_total{job="$job"}')
            + ")",
            "ratio",
            Signal(
                normal=0.93,
                peak=0.52,
                driver=Driver.CACHE,
                noise=0.01,
                ratio=True,
                lower_is_worse=True,
            ),
            _below(0.80, 0.70),
            runbook="cqar.md#low-cache-hit-rate",
        ),
        DemoKpi(
            "pool_usage",
            'sum(cqar_db_pool_active_connections{job="$job"})'
            ' / sum(cqar_db_pool_max_connections{job="$job"})',
            "ratio",
            Signal(normal=0.34, peak=1.0, driver=Driver.SATURATION, load_gain=1.0, ratio=True),
            _above(0.80, 0.90),
            runbook="cqar.md#connection-pool-exhausted",
        ),
        DemoKpi(
            "queue_depth",
            'sum(cqar_event_outbox_pending{job="$job"})',
            "count",
            Signal(normal=6.0, peak=180.0, driver=Driver.SATURATION, noise=0.3, whole=True),
            _above(50, 100),
            runbook="cqar.md#queue-backlog",
        ),
        DemoKpi(
            "db_query_p99",
            _quantile(0.99, 'cqar_db_query_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.009, peak=0.08, driver=Driver.SATURATION, load_gain=0.4),
            _above(0.025, 0.050),
            title="DB query p99",
            runbook="cqar.md#high-latency",
            custom=True,
        ),
    ),
)

ARQ = DemoService(
    name="arq",
    title="ARQ API",
    vars={
        "job": "arq-api",
        "namespace": "arq",
        "db_host": "arq-postgres",
        "redis_host": "arq-redis",
    },
    runbook="arq.md",
    kpis=(
        DemoKpi(
            "request_rate",
            _rate('http_requests_total{job="$job"}'),
            "req/s",
            Signal(normal=420.0, peak=420.0, load_gain=1.0, noise=0.04),
        ),
        DemoKpi(
            "latency_p50",
            _quantile(0.5, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.07, peak=0.6, driver=Driver.LATENCY, load_gain=0.3),
            _above(0.2, 0.5),
            runbook="arq.md#high-latency",
        ),
        DemoKpi(
            "latency_p99",
            _quantile(0.99, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.45, peak=3.2, driver=Driver.LATENCY, load_gain=0.5, noise=0.06),
            _tiers(1.0, 2.0, 5.0),
            runbook="arq.md#high-latency",
        ),
        DemoKpi(
            "error_rate",
            _rate('http_requests_total{job="$job",code=~"5.."}')
            + " / "
            + _rate('http_requests_total{job="$job"}'),
            "ratio",
            Signal(normal=0.0004, peak=0.018, driver=Driver.SATURATION, noise=0.25, ratio=True),
            _tiers(0.001, 0.005, 0.01),
            runbook="arq.md#high-error-rate",
        ),
        DemoKpi(
            "cache_hit_rate",
            _rate('redis_keyspace_hits_total{instance=~"$redis_host.*"}')
            + " / ("
            + _rate('redis_keyspace_hits_total{instance=~"$redis_host.*"}')
            + " + "
            + _rate('redis_keyspace_misses_total{instance=~"$redis_host.*"}')
            + ")",
            "ratio",
            Signal(
                normal=0.95,
                peak=0.58,
                driver=Driver.CACHE,
                noise=0.01,
                ratio=True,
                lower_is_worse=True,
            ),
            # hysteresis: a hit rate hovering at 85% does not flap in and out of warn
            _below(0.85, 0.70, clear=0.88),
            runbook="arq.md#low-cache-hit-rate",
        ),
        DemoKpi(
            "pool_usage",
            'sum(db_pool_connections_in_use{job="$job"})'
            ' / sum(db_pool_connections_max{job="$job"})',
            "ratio",
            Signal(normal=0.3, peak=1.0, driver=Driver.SATURATION, load_gain=1.0, ratio=True),
            _above(0.70, 0.80),
            runbook="arq.md#connection-pool-exhausted",
        ),
        DemoKpi(
            "queue_depth",
            'sum(queue_messages_ready{job="$job"})',
            "count",
            Signal(normal=40.0, peak=3500.0, driver=Driver.SATURATION, noise=0.25, whole=True),
            _above(500, 2000),
            runbook="arq.md#queue-backlog",
        ),
        DemoKpi(
            "replication_lag",
            'max(pg_replication_lag_seconds{instance=~"$db_host.*"})',
            "s",
            Signal(
                normal=0.02,
                peak=0.35,
                driver=Driver.SATURATION,
                noise=0.2,
                quirk=Quirk.DROPS_OUT,
            ),
            _above(0.1, 1.0),
            title="Replica lag",
            custom=True,
        ),
    ),
)

BAZARUTO = DemoService(
    name="bazaruto",
    title="Bazaruto insurance platform",
    vars={
        "job": "bazaruto",
        "namespace": "bazaruto",
        "db_host": "bazaruto-db",
        "redis_host": "bazaruto-redis",
    },
    runbook="bazaruto.md",
    kpis=(
        DemoKpi(
            "request_rate",
            _rate('http_requests_total{job="$job"}'),
            "req/s",
            Signal(normal=160.0, peak=160.0, load_gain=1.0, noise=0.05),
        ),
        DemoKpi(
            "latency_p50",
            _quantile(0.5, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.085, peak=0.9, driver=Driver.LATENCY, load_gain=0.3),
            _above(0.3, 0.8),
            runbook="bazaruto.md#high-latency",
        ),
        DemoKpi(
            "latency_p99",
            _quantile(0.99, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.6, peak=4.0, driver=Driver.LATENCY, load_gain=0.5, noise=0.06),
            _above(1.5, 3.0, hold=15.0),
            runbook="bazaruto.md#high-latency",
        ),
        DemoKpi(
            "error_rate",
            _rate('http_requests_total{job="$job",status=~"5.."}')
            + " / "
            + _rate('http_requests_total{job="$job"}'),
            "ratio",
            Signal(normal=0.0008, peak=0.045, driver=Driver.SATURATION, noise=0.25, ratio=True),
            _above(0.005, 0.02),
            runbook="bazaruto.md#high-error-rate",
        ),
        DemoKpi(
            "cache_hit_rate",
            _rate('redis_keyspace_hits_total{instance=~"$redis_host.*"}')
            + " / ("
            + _rate('redis_keyspace_hits_total{instance=~"$redis_host.*"}')
            + " + "
            + _rate('redis_keyspace_misses_total{instance=~"$redis_host.*"}')
            + ")",
            "ratio",
            Signal(
                normal=0.965,
                peak=0.6,
                driver=Driver.CACHE,
                noise=0.008,
                ratio=True,
                lower_is_worse=True,
            ),
            _below(0.90, 0.75),
            runbook="bazaruto.md#low-cache-hit-rate",
        ),
        DemoKpi(
            "pool_usage",
            'sum(bazaruto_db_connections_active{job="$job"})'
            ' / sum(bazaruto_db_connections_max{job="$job"})',
            "ratio",
            Signal(normal=0.4, peak=1.0, driver=Driver.SATURATION, load_gain=1.0, ratio=True),
            _above(0.80, 0.90),
            runbook="bazaruto.md#connection-pool-exhausted",
        ),
        DemoKpi(
            "queue_depth",
            'sum(bazaruto_jobs_pending{job="$job"})',
            "count",
            Signal(
                normal=5.0,
                peak=900.0,
                driver=Driver.SATURATION,
                noise=0.3,
                whole=True,
                quirk=Quirk.TIMES_OUT,
            ),
            _above(100, 500),
            runbook="bazaruto.md#queue-backlog",
        ),
        DemoKpi(
            "quote_p95",
            _quantile(0.95, 'bazaruto_quote_calculation_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.18, peak=1.1, driver=Driver.LATENCY, load_gain=0.4),
            _above(0.5, 1.5),
            title="Quote calculation p95",
            runbook="bazaruto.md#high-latency",
            custom=True,
        ),
    ),
)

GATEWAY = DemoService(
    name="gateway",
    title="Edge API gateway",
    vars={"job": "edge-gateway", "namespace": "edge"},
    kpis=(
        DemoKpi(
            "request_rate",
            _rate('http_requests_total{job="$job"}'),
            "req/s",
            Signal(normal=1450.0, peak=1450.0, load_gain=1.0, noise=0.03),
        ),
        DemoKpi(
            "latency_p50",
            _quantile(0.5, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.045, peak=0.2, driver=Driver.UPSTREAM, load_gain=0.2),
            _above(0.15, 0.4),
        ),
        DemoKpi(
            "latency_p99",
            _quantile(0.99, 'http_request_duration_seconds_bucket{job="$job"}'),
            "s",
            Signal(normal=0.35, peak=1.6, driver=Driver.UPSTREAM, load_gain=0.4, noise=0.06),
            _above(1.0, 2.0),
        ),
        DemoKpi(
            "error_rate",
            _rate('http_requests_total{job="$job",code=~"5.."}')
            + " / "
            + _rate('http_requests_total{job="$job"}'),
            "ratio",
            Signal(normal=0.0003, peak=0.006, driver=Driver.UPSTREAM, noise=0.25, ratio=True),
            _above(0.002, 0.01),
        ),
        DemoKpi(
            "pool_usage",
            'sum(gateway_upstream_connections_active{job="$job"})'
            ' / sum(gateway_upstream_connections_max{job="$job"})',
            "ratio",
            Signal(normal=0.25, peak=0.6, driver=Driver.UPSTREAM, load_gain=1.0, ratio=True),
            _above(0.80, 0.90),
        ),
    ),
)

_BROKEN = DemoKpi(
    BROKEN_PANEL[1],
    # the missing ")" is the point: this panel shows what a rejected query looks like
    'min(probe_ssl_earliest_cert_expiry{job="$job"} - time()',
    "s",
    Signal(normal=0.0, peak=0.0, quirk=Quirk.BROKEN),
    Thresholds(
        levels=(Level("warn", 14 * 86400.0, Status.WARN), Level("crit", 3 * 86400.0, Status.CRIT)),
        direction=Direction.BELOW,
    ),
    title="TLS certificate expiry",
    custom=True,
)

SERVICES: tuple[DemoService, ...] = (CQAR, ARQ, BAZARUTO, GATEWAY)


def _fill(template: str, vars: Mapping[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: vars.get(m.group(1), m.group(0)), template)


def runbook_dirs() -> tuple[Path, ...]:
    """The repository's runbooks/ folder next to the package (a checkout or an editable
    install), else runbooks packaged inside it (`oncall_tui/demo_runbooks/`), else none."""
    package = Path(oncall_tui.__file__).resolve().parent
    for folder in (package.parent / "runbooks", package / "demo_runbooks"):
        if folder.is_dir():
            return (folder,)
    return ()


def demo_services(broken_panel: bool = False) -> tuple[DemoService, ...]:
    if not broken_panel:
        return SERVICES
    return tuple(
        DemoService(s.name, s.title, s.vars, s.kpis + (_BROKEN,), s.runbook)
        if s.name == BROKEN_PANEL[0]
        else s
        for s in SERVICES
    )


def _service(spec: DemoService) -> Service:
    kpis = [
        Kpi(
            key=k.key,
            query=_fill(k.query, spec.vars),
            title=k.title,
            unit=Unit.parse(k.unit),
            thresholds=k.thresholds,
            interval=INTERVAL,
            runbook=k.runbook,
            custom=k.custom,
        )
        for k in spec.kpis
    ]
    return Service(
        name=spec.name,
        title=spec.title,
        datasource=DATASOURCE,
        vars=dict(spec.vars),
        runbook=spec.runbook,
        kpis=tuple(k for k in kpis if not k.custom),
        panels=tuple(k for k in kpis if k.custom),
        health=demo_probes(spec.name),
        kubernetes=demo_target(spec.name, spec.vars),
        slos=demo_slos(spec.name, dict(spec.vars)),
    )


def demo_config(broken_panel: bool = False) -> Config:
    """The config of `oncall demo`: four simulated services on one `demo` datasource.

    Health probes, Kubernetes workloads and alerts join later; this config holds KPIs and
    custom panels only. `broken_panel=True` adds a panel with a query that does not parse,
    to show the `error` status (off by default: a demo should not look misconfigured).
    """
    return Config(
        path=None,
        refresh=INTERVAL,
        datasources={DATASOURCE: Datasource(name=DATASOURCE, url="demo://", type="demo")},
        services={s.name: _service(s) for s in demo_services(broken_panel)},
        runbooks=runbook_dirs(),
        demo=True,
        incidents=DEMO_POLICY,
    )


def signals() -> dict[tuple[str, str], Signal]:
    """(service, kpi key) -> simulated behaviour, for every demo KPI including the broken one."""
    found = {(s.name, k.key): k.signal for s in SERVICES for k in s.kpis}
    found[BROKEN_PANEL] = _BROKEN.signal
    return found
