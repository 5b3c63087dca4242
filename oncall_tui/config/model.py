"""The typed config model. Every loader output and every consumer speaks these types.

All durations are seconds as floats. All paths are absolute (resolved against the folder of
the config file that named them). Secrets are wrapped in `Secret` so that they never print.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_tui.config.record import RecordConfig
from oncall_tui.secret_registry import REGISTRY
from oncall_tui.status import Status
from oncall_tui.units import NO_UNIT, Unit

if TYPE_CHECKING:  # built only when a config has them: `__getattr__` below
    from oncall_tui.config.incident_model import EscalationLevel as EscalationLevel
    from oncall_tui.config.incident_model import IncidentPolicy as IncidentPolicy
    from oncall_tui.config.incident_model import IncidentTemplates as IncidentTemplates
    from oncall_tui.config.incident_model import Severity as Severity
    from oncall_tui.config.optional_model import Alertmanager as Alertmanager
    from oncall_tui.config.optional_model import Baseline as Baseline
    from oncall_tui.config.optional_model import BasicAuth as BasicAuth
    from oncall_tui.config.optional_model import HealthProbe as HealthProbe
    from oncall_tui.config.optional_model import KubernetesTarget as KubernetesTarget
    from oncall_tui.config.slo_model import DEFAULT_BURN_WINDOWS as DEFAULT_BURN_WINDOWS
    from oncall_tui.config.slo_model import EXHAUSTION_WINDOW as EXHAUSTION_WINDOW
    from oncall_tui.config.slo_model import WINDOW_VAR as WINDOW_VAR
    from oncall_tui.config.slo_model import BurnWindow as BurnWindow
    from oncall_tui.config.slo_model import Slo as Slo
    from oncall_tui.config.slo_model import SloAction as SloAction
    from oncall_tui.config.slo_model import prom_duration as prom_duration

#: answers larger than this are refused (`max_body:` sets it per datasource, probe, cluster)
DEFAULT_MAX_BODY = 8 * 1024 * 1024
MIN_MAX_BODY = 1024
MAX_MAX_BODY = 1024**3

STANDARD_KPIS: tuple[str, ...] = (
    "request_rate",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "error_rate",
    "cache_hit_rate",
    "pool_usage",
    "queue_depth",
)


class Secret:
    """A token or password: its value is only reachable through `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        REGISTRY.add(value)  # from now on redacted from everything that leaves the process

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class TLSConfig:
    """The TLS files and checks of one HTTP client (`tls:`)."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_skip_verify: bool = False


@dataclass(frozen=True)
class HttpOptions:
    """What every HTTP client of ours (datasource, alertmanager, probe) can be told."""

    timeout: float = 3.0  # the whole exchange, a trickled body included
    max_body: int = DEFAULT_MAX_BODY  # bytes of answer read at most; past it, "too large"
    headers: Mapping[str, str] = field(default_factory=dict)
    bearer_token: Secret | None = None  # bearer_token_file is read at load time into this
    basic_auth: BasicAuth | None = None
    tls: TLSConfig = TLSConfig()

    def secrets(self) -> tuple[str, ...]:
        """Every secret value, so that error texts can be scrubbed of them."""
        found = []
        if self.bearer_token is not None:
            found.append(self.bearer_token.reveal())
        if self.basic_auth is not None:
            found.append(self.basic_auth.password.reveal())
        return tuple(v for v in found if v)


@dataclass(frozen=True)
class Datasource:
    """One Prometheus-compatible server the KPIs are queried on."""

    name: str
    url: str  # base URL, without /api/v1
    type: str = "prometheus"
    http: HttpOptions = HttpOptions()
    max_in_flight: int = 8
    history: float = 1800.0  # seconds of range history loaded per KPI at start
    # "promql", or "metricsql" for VictoriaMetrics's superset (not checked offline)
    language: str = "promql"


class Direction(enum.Enum):
    ABOVE = "above"  # higher is worse (latency, error rate)
    BELOW = "below"  # lower is worse (cache hit rate, availability)

    @property
    def sign(self) -> str:
        """How every text writes a line: `>=` or `<=`, since a value on the line is in breach
        (the engine judges `>=` and `<=`): the legend, the cause line, updates, postmortems."""
        return ">=" if self is Direction.ABOVE else "<="


@dataclass(frozen=True)
class Level:
    """One tier of a threshold policy: at or past `value`, the status is `status`."""

    name: str  # "warn", "crit", or a policy's own tier name ("minor", "major", "critical")
    value: float
    status: Status  # Status.WARN or Status.CRIT


@dataclass(frozen=True)
class Thresholds:
    """Ordered tiers, least severe first. Empty `levels` means the value is never judged."""

    levels: tuple[Level, ...] = ()
    direction: Direction = Direction.ABOVE
    hold: float = 0.0  # `for:`: seconds a breach must last before it counts
    clear: float | None = None  # leave a breach only past this recovery level
    baseline: Baseline | None = None

    @property
    def warn(self) -> float | None:
        return next((lv.value for lv in self.levels if lv.status is Status.WARN), None)

    @property
    def crit(self) -> float | None:
        return next((lv.value for lv in self.levels if lv.status is Status.CRIT), None)


class NodataMode(enum.Enum):
    NODATA = "nodata"  # an empty result is the status nodata (default)
    OK = "ok"  # an empty result is healthy
    VALUE = "value"  # an empty result is the value `Nodata.value`


@dataclass(frozen=True)
class Nodata:
    """What an empty answer means for a KPI (`nodata:`)."""

    mode: NodataMode = NodataMode.NODATA
    value: float = 0.0


@dataclass(frozen=True)
class Kpi:
    """A standard KPI (`key` in STANDARD_KPIS) or a custom panel (`custom=True`)."""

    key: str
    query: str  # with `$var` already replaced from the service's vars
    title: str = ""
    unit: Unit = NO_UNIT
    thresholds: Thresholds = Thresholds()
    nodata: Nodata = Nodata()
    interval: float = 5.0
    runbook: str | None = None  # "file.md#anchor" or "#anchor", as written in the config
    custom: bool = False
    line: int = 0  # line in the config file, for messages

    @property
    def label(self) -> str:
        return self.title or self.key.replace("_", " ")


class ProbeKind(enum.Enum):
    HTTP = "http"
    GRPC = "grpc"
    TCP = "tcp"


@dataclass(frozen=True)
class Service:
    """One service: its KPIs, panels, probes, workloads, SLOs and runbook."""

    name: str
    title: str
    datasource: str  # a key of Config.datasources
    vars: Mapping[str, str] = field(default_factory=dict)
    runbook: str | None = None  # the service's default runbook file
    kpis: tuple[Kpi, ...] = ()  # standard keys, in STANDARD_KPIS order
    panels: tuple[Kpi, ...] = ()  # custom panels, in config order
    health: tuple[HealthProbe, ...] = ()
    kubernetes: KubernetesTarget | None = None
    # label -> value; empty means the default rule (job or service label = vars.job or name)
    alert_match: Mapping[str, str] = field(default_factory=dict)
    incidents: IncidentPolicy | None = None  # overrides the config's policy for this service
    line: int = 0
    slos: tuple[Slo, ...] = ()
    targets: Kpi | None = None  # scrape health (`up:`), polled and judged like a KPI

    @property
    def all_kpis(self) -> tuple[Kpi, ...]:
        """The KPIs and panels the config names."""
        return self.kpis + self.panels

    @property
    def polled_kpis(self) -> tuple[Kpi, ...]:
        """Every query polled as a KPI: the config's, then the scrape-health check."""
        return self.all_kpis if self.targets is None else (*self.all_kpis, self.targets)


@dataclass(frozen=True)
class Config:
    """The whole config, loaded and checked."""

    path: Path | None  # the file it came from; None for the built-in demo
    refresh: float = 5.0
    theme: str = "oncall-dark"
    datasources: Mapping[str, Datasource] = field(default_factory=dict)
    services: Mapping[str, Service] = field(default_factory=dict)  # in config order
    alertmanager: Alertmanager | None = None
    runbooks: tuple[Path, ...] = ()  # files and folders
    rules: tuple[Path, ...] = ()  # Prometheus rule files shown without Alertmanager
    keymap: Mapping[str, str] = field(default_factory=dict)  # binding id -> keys (set_keymap)
    bell: bool = False  # ring the terminal bell on a new firing alert
    alert_notices: bool = True  # a notice for each new firing alert (`m` mutes them in the TUI)
    glyphs: str = "auto"  # auto (ASCII on TERM=linux), unicode or ascii: status.GLYPH_SETTINGS
    record: RecordConfig = RecordConfig()  # the flight recorder (`record:`)
    # the built-in demo (set only by `demo_config()`, for `oncall demo` and `--demo`): its
    # source simulates probes and workloads too, so no real probe or cluster is touched
    demo: bool = False
    incidents: IncidentPolicy | None = None  # None: the built-in DEFAULT_POLICY

    def incident_policy(self, services: tuple[str, ...] = ()) -> IncidentPolicy:
        """The policy an incident on `services` follows: the first service's own, else the
        config's, else the built-in default."""
        from oncall_tui.config.incidents import DEFAULT_POLICY

        for name in services:
            svc = self.services.get(name)
            if svc is not None and svc.incidents is not None:
                return svc.incidents
        return self.incidents or DEFAULT_POLICY

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def secrets(self) -> tuple[str, ...]:
        found: list[str] = []
        for ds in self.datasources.values():
            found.extend(ds.http.secrets())
        if self.alertmanager is not None:
            found.extend(self.alertmanager.http.secrets())
        for svc in self.services.values():
            for probe in svc.health:
                found.extend(probe.http.secrets())
        return tuple(found)


#: the parts of the model that only some configs have (basic auth, baselines, probes,
#: Kubernetes, Alertmanager, SLOs) or that only incidents use (the incident policy: a
#: config's `incidents:`, else the built-in one): their classes are built when first named,
#: not at every start. Name -> the module that defines it.
_LAZY = {
    **dict.fromkeys(
        ("Alertmanager", "BasicAuth", "Baseline", "HealthProbe", "KubernetesTarget"),
        "optional_model",
    ),
    **dict.fromkeys(
        ("EscalationLevel", "IncidentPolicy", "IncidentTemplates", "Severity"), "incident_model"
    ),
    **dict.fromkeys(
        (
            "DEFAULT_BURN_WINDOWS",
            "EXHAUSTION_WINDOW",
            "WINDOW_VAR",
            "BurnWindow",
            "Slo",
            "SloAction",
            "prom_duration",
        ),
        "slo_model",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        from importlib import import_module

        return getattr(import_module(f"oncall_tui.config.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
