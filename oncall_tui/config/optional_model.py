"""The parts of the config model only some configs have: basic auth, baselines, health
probes, Kubernetes targets, Alertmanager. `config.model` names them too (they are built
when first asked for there): a config of KPIs alone never builds their classes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from oncall_tui.config.model import DEFAULT_MAX_BODY, HttpOptions, ProbeKind, Secret
from oncall_tui.secret_registry import REGISTRY
from oncall_tui.status import Status


@dataclass(frozen=True)
class BasicAuth:
    """A username and password sent as HTTP basic auth."""

    username: str
    password: Secret

    def __post_init__(self) -> None:
        # an echoed `Authorization: Basic ...` carries base64(user:password), not the password
        REGISTRY.add_basic_auth(self.username, self.password.reveal())


@dataclass(frozen=True)
class Baseline:
    """Limits relative to the same query `offset` seconds ago ("10x baseline")."""

    offset: float
    warn: float | None = None  # a factor: 3.0 means 3x the baseline
    crit: float | None = None


@dataclass(frozen=True)
class HealthProbe:
    """One HTTP, gRPC or TCP health probe of a service."""

    name: str
    kind: ProbeKind
    target: str  # the URL for http, host:port for grpc and tcp
    grpc_service: str = ""  # grpc: the service name asked about ("" = the whole server)
    interval: float = 5.0
    http: HttpOptions = HttpOptions()  # timeout, headers, auth, TLS
    grpc_tls: bool = False
    expect_status: tuple[int, ...] = ()  # empty = any 2xx
    latency_warn: float | None = None  # seconds
    hold: float = 0.0  # `for:`
    status_words: Mapping[str, Status] = field(default_factory=dict)  # overrides of the mapping
    runbook: str | None = None
    line: int = 0


@dataclass(frozen=True)
class KubernetesTarget:
    """The workloads of a service in one namespace of a cluster."""

    namespace: str
    selector: str
    context: str | None = None
    restart_warn: int = 0  # restarts in the last hour above this are warn
    interval: float = 15.0
    timeout: float = 5.0
    max_body: int = DEFAULT_MAX_BODY  # bytes of one list answer read at most


@dataclass(frozen=True)
class Alertmanager:
    """The Alertmanager that alerts and silences come from."""

    url: str
    http: HttpOptions = HttpOptions()
    interval: float = 10.0
    allow_silence: bool = False
