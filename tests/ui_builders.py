"""Hand-made dashboard snapshots and an app on them, for the UI tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from oncall_tui.config.model import Config, Direction, Level, Service, Thresholds
from oncall_tui.engine.snapshot import (
    CheckSnapshot,
    DashboardSnapshot,
    ServiceSnapshot,
    SourceHealth,
    TimelineEvent,
)
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError, Observation
from oncall_tui.status import Status, worst
from oncall_tui.units import Unit

NOW = 1_800_000_000.0  # a frozen clock


def clock() -> float:
    return NOW


def thresholds(warn: float, crit: float, direction: Direction = Direction.ABOVE) -> Thresholds:
    return Thresholds(
        levels=(Level("warn", warn, Status.WARN), Level("crit", crit, Status.CRIT)),
        direction=direction,
    )


def kpi(
    service: str,
    key: str,
    value: float | None,
    status: Status = Status.OK,
    unit: str = "",
    **fields: Any,
) -> CheckSnapshot:
    fields.setdefault("updated_at", NOW - 3)
    fields.setdefault("since", NOW - 600)
    fields.setdefault(
        "history", tuple((NOW - 60 + i * 5, (value or 0) * (0.8 + i / 50)) for i in range(12))
    )
    return CheckSnapshot(
        id=CheckId(service, CheckKind.KPI, key),
        title=key.replace("_", " "),
        status=status,
        unit=Unit(unit),
        value=value,
        **fields,
    )


def check(service: str, kind: CheckKind, key: str, status: Status = Status.OK) -> CheckSnapshot:
    return CheckSnapshot(id=CheckId(service, kind, key), title=key, status=status, updated_at=NOW)


def service(name: str, checks: Sequence[CheckSnapshot], title: str = "") -> ServiceSnapshot:
    status = worst((c.status for c in checks), default=Status.NODATA)
    return ServiceSnapshot(name, title or name.upper(), status, NOW - 600, tuple(checks))


def standard_service(name: str, **overrides: tuple[float | None, Status]) -> ServiceSnapshot:
    """A service with every standard KPI ok, except the ones given as (value, status)."""
    values: dict[str, tuple[float | None, Status, str]] = {
        "request_rate": (120.0, Status.OK, "req/s"),
        "latency_p50": (0.004, Status.OK, "s"),
        "latency_p99": (0.018, Status.OK, "s"),
        "error_rate": (0.0004, Status.OK, "ratio"),
        "cache_hit_rate": (0.93, Status.OK, "ratio"),
        "pool_usage": (0.41, Status.OK, "ratio"),
        "queue_depth": (3.0, Status.OK, "count"),
    }
    limits = {
        "latency_p50": thresholds(0.010, 0.020),
        "latency_p99": thresholds(0.020, 0.050),
        "error_rate": thresholds(0.001, 0.01),
        "cache_hit_rate": thresholds(0.8, 0.7, Direction.BELOW),
        "pool_usage": thresholds(0.8, 0.9),
        "queue_depth": thresholds(50, 100),
    }
    checks = []
    for key, (value, status, unit) in values.items():
        if key in overrides:
            value, status = overrides[key]
        checks.append(kpi(name, key, value, status, unit, thresholds=limits.get(key)))
    return service(name, checks)


def dashboard(
    services: Iterable[ServiceSnapshot],
    *,
    sources: Sequence[SourceHealth] | None = None,
    timeline: Sequence[TimelineEvent] = (),
    version: int = 1,
) -> DashboardSnapshot:
    if sources is None:
        sources = (SourceHealth("prometheus default", True, NOW - 2),)
    return DashboardSnapshot(
        generated_at=NOW,
        version=version,
        services=tuple(services),
        sources=tuple(sources),
        timeline=tuple(timeline),
    )


def failing_source(age: float = 42.0) -> SourceHealth:
    return SourceHealth(
        "prometheus default",
        False,
        last_success=NOW - age,
        error=FetchError(ErrorKind.UNREACHABLE, "connection refused"),
        failing_since=NOW - age + 5,
    )


def incident() -> DashboardSnapshot:
    """Three services; arq is crit on error rate, cqar warns on cache hit."""
    arq = standard_service("arq", error_rate=(0.023, Status.CRIT), latency_p99=(1.4, Status.WARN))
    cqar = standard_service("cqar", cache_hit_rate=(0.78, Status.WARN))
    bazaruto = standard_service("bazaruto")
    event = TimelineEvent(
        NOW - 30, CheckId("arq", CheckKind.KPI, "error_rate"), Status.OK, Status.CRIT, 0.023
    )
    return dashboard([bazaruto, cqar, arq], timeline=[event])


class SnapshotState:
    """Stands in for DashboardState: serves whatever snapshot the test sets."""

    def __init__(self, snapshot: DashboardSnapshot) -> None:
        self._snapshot = snapshot
        self.version = snapshot.version
        self.paused = False

    def set(self, snapshot: DashboardSnapshot) -> None:
        self.version += 1
        self._snapshot = DashboardSnapshot(
            generated_at=snapshot.generated_at,
            version=self.version,
            services=snapshot.services,
            sources=snapshot.sources,
            timeline=snapshot.timeline,
            paused=snapshot.paused,
            extras=snapshot.extras,
        )

    def snapshot(self) -> DashboardSnapshot:
        return self._snapshot

    def set_paused(self, paused: bool) -> None:
        self.paused = paused

    def apply(self, observations: Iterable[Observation]) -> None:
        pass

    def record_source(self, name: str, ok: bool, error: FetchError | None = None) -> None:
        pass


def config_for(snapshot: DashboardSnapshot, **fields: Any) -> Config:
    services = {s.name: Service(s.name, s.title, "default") for s in snapshot.services}
    return Config(path=None, services=services, **fields)


def hand_app(snapshot: DashboardSnapshot, **kwargs: Any):  # -> OncallApp
    """An app on a fixed snapshot: no sources, no timers, a frozen clock."""
    from oncall_tui.ui.app import OncallApp

    config = kwargs.pop("config", None) or config_for(snapshot)
    state = SnapshotState(snapshot)
    kwargs.setdefault("clock", clock)
    kwargs.setdefault("live", False)
    app = OncallApp(config, sources=[], state=state, **kwargs)  # type: ignore[arg-type]
    return app, state


def screen_text(app: Any) -> str:
    """The characters on screen right now, as plain lines (what a reader would see)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=False
        )
    )
    return console.export_text(styles=False)
