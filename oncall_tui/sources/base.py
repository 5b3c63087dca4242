"""What every source hands the engine: observations of checks, as values or as errors.

A source owns its clients and turns the config into `Job`s. The poller runs each job on its
interval and applies the observations it returns to the state. A failed fetch is data too:
a `FetchError` with a kind and the source's own message, never an exception that escapes.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from oncall_tui.inert import inert_line
from oncall_tui.secret_registry import redact
from oncall_tui.status import Status

if TYPE_CHECKING:
    from oncall_tui.sources.details import CheckDetail

NO_LABELS: Mapping[str, str] = MappingProxyType({})


class CheckKind(enum.Enum):
    KPI = "kpi"  # standard KPIs and custom panels
    HEALTH = "health"
    KUBERNETES = "kubernetes"
    ALERTS = "alerts"
    SLO = "slo"  # one per SLO: its burn rates and budget (engine/slo.py)


@dataclass(frozen=True, order=True)
class CheckId:
    """Names one judged thing of one service: `cqar / kpi / error_rate`."""

    service: str
    kind: CheckKind = field(compare=False)
    key: str

    def __str__(self) -> str:
        return f"{self.service}.{self.kind.value}.{self.key}"


class DashboardRecord(enum.Enum):
    """A record of the whole dashboard rather than of one service's check.

    It travels in an `Observation` like a check does, and lands in the snapshot's typed
    `extras` (`DashboardExtras`), not among the services.
    """

    ALERT_LIST = "alerts"  # every alert one fetch returned, matched to a service or not


class ErrorKind(enum.Enum):
    UNREACHABLE = "unreachable"  # refused, DNS, no route
    TIMEOUT = "timeout"
    HTTP = "http_error"  # a non-success status that is not the query's fault
    AUTH = "auth"  # 401 / 403
    BAD_QUERY = "bad_query"  # the server rejected the query itself (Prometheus 400 / 422)
    MALFORMED = "malformed"  # a body we cannot read
    CONFIG = "config"  # cannot run as configured (a missing optional extra, a bad kubeconfig)
    TARGETS_DOWN = "targets_down"  # the scrape targets behind the data are down
    SERIES_GONE = "series_gone"  # a KPI in breach came back empty: not news that it is well

    @property
    def status(self) -> Status:
        """A rejected query or a misconfiguration is an error; anything else leaves data stale."""
        return Status.ERROR if self in (ErrorKind.BAD_QUERY, ErrorKind.CONFIG) else Status.STALE


@dataclass(frozen=True)
class FetchError:
    """Why a fetch failed: a kind to act on and the words to show."""

    kind: ErrorKind
    message: str  # in the remote's own words where it gave some; never holds a secret
    http_status: int | None = None

    def __post_init__(self) -> None:
        # the remote's words may hold control sequences or echo a credential: every error is
        # made inert and redacted here, once
        object.__setattr__(self, "message", redact(inert_line(str(self.message))))

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"


class FetchFailed(Exception):
    """Raised inside sources and caught at their edge; carries the FetchError to report."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Series:
    """One series of an instant answer: its labels and value."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class Reading:
    """One successful observation of a check.

    `value` is what thresholds judge (None when the check has no number, or the query came
    back empty: then `empty` is True). `status` is set by sources that judge for themselves
    (health probes, workloads, alerts); None means "judge `value` by the KPI's thresholds".
    """

    at: float  # wall-clock time of the observation, seconds since the epoch
    value: float | None = None
    empty: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)  # of the worst series
    series_count: int = 1
    status: Status | None = None
    detail: CheckDetail | None = None  # the source's frozen record (probe result, pods, ...)
    history: tuple[tuple[float, float], ...] = ()  # earlier points to add (range backfill)
    baseline: float | None = None  # the same query at the baseline offset, when configured


@dataclass(frozen=True)
class Observation:
    """What a run says of one check: a reading or an error."""

    check: CheckId | DashboardRecord
    outcome: Reading | FetchError


class JobRun(ABC):
    """What a `Job` runs: one fetch of the checks the job reports on.

    Every source writes its runs this one way: a small object, built with what the fetch
    needs, whose `__call__` takes nothing and returns the observations. A failed fetch is
    returned too, as `FetchError` outcomes of the checks it could not observe; it is never
    raised. (The poller still bounds each run: a hang becomes TIMEOUT, an exception that
    escapes is a bug shown as MALFORMED, on every check of the job.)
    """

    @abstractmethod
    async def __call__(self) -> Sequence[Observation]:
        """Fetch once; an `Observation` per check observed, values or errors alike."""


@dataclass(frozen=True)
class Job:
    """One thing the poller runs on an interval; never two runs of one job at once."""

    key: str  # unique across all sources, e.g. "kpi:cqar:error_rate"
    interval: float
    run: JobRun
    checks: tuple[CheckId | DashboardRecord, ...]  # what it reports on; stale if it hangs
    timeout: float = 10.0  # the poller's hard limit around run(); sources have their own
    source: str = ""  # the Source.name it belongs to, for the header's source health
    # False for jobs as cheap as any readiness check (a probe): retried on their interval
    backoff: bool = True


class Source(ABC):
    """A provider of jobs. One instance per datasource, probe set, cluster or alert API."""

    #: shown in the header: "prometheus default", "alertmanager", "health", "demo"
    name: str = ""

    @abstractmethod
    def jobs(self) -> Sequence[Job]:
        """The jobs to schedule; called once after construction."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Close clients; called once when the poller stops."""

    #: whether `ready()` means anything for this source
    has_readiness: bool = False

    async def ready(self) -> bool:
        """A cheap check that the source answers again (`GET /-/ready`), run on the base
        interval while its jobs back off, so that values return within one interval of the
        source's return. Only called when `has_readiness`."""
        return True
