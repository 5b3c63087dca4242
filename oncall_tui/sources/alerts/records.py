"""Frozen records of alerts, the same whichever API they came from (silences: `silence_records`).

The alerts screen, the overview's per-service count, the alert->runbook key and
`oncall status` all read these. Times are seconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from oncall_tui.inert import inert_line, inert_map
from oncall_tui.sources.timestamps import parse_time  # noqa: F401 - re-exported
from oncall_tui.status import Status

AlertState = Literal["firing", "pending", "silenced", "inhibited", "resolved"]
STATES: tuple[AlertState, ...] = ("firing", "pending", "silenced", "inhibited", "resolved")
CRIT_SEVERITIES = frozenset({"critical", "page", "crit"})
_EMPTY: Mapping[str, str] = MappingProxyType({})

# Where an alert came from, for the screen's footnote and for what actions make sense.
ORIGIN_ALERTMANAGER = "alertmanager"
ORIGIN_PROMETHEUS = "prometheus"
ORIGIN_RULES = "rules"  # evaluated by us from `rules:` files: `for:` is not applied


def severity_status(severity: str) -> Status:
    """CRIT for critical/page/crit; WARN for every other severity (also none)."""
    return Status.CRIT if severity.strip().lower() in CRIT_SEVERITIES else Status.WARN


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """A stable id from the label set, for alerts whose API gives none (Prometheus)."""
    text = "\x00".join(f"{k}\x01{v}" for k, v in sorted(labels.items()))
    import hashlib  # here: it loads OpenSSL's libcrypto, and most runs have no alert

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def iso(ts: float | None) -> str | None:
    """`2024-05-01T12:00:00Z`, as `oncall status --format json` writes times."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def str_map(value: object) -> dict[str, str]:
    """Labels or annotations from an API answer, as strings; {} for anything else."""
    if not isinstance(value, dict):
        return {}
    return inert_map(value)


def str_list(value: object) -> tuple[str, ...]:
    """A list of ids from an API answer (`silencedBy`), as strings; () for anything else."""
    if not isinstance(value, list):
        return ()
    return tuple(inert_line(str(v)) for v in value if isinstance(v, (str, int)))


@dataclass(frozen=True)
class Alert:
    """One alert instance (one label set) in one state."""

    name: str  # the `alertname` label
    state: AlertState
    severity: str  # the `severity` label as written ("" when it has none)
    labels: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    annotations: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    # When the alert became active: Alertmanager's startsAt (when Prometheus fired it),
    # Prometheus' activeAt (when it went pending), or when our rules job first saw it.
    starts_at: float | None = None
    ends_at: float | None = None  # Alertmanager: when it resolves unless re-sent
    service: str | None = None  # the matched service; None is "other"
    fingerprint: str | None = None  # Alertmanager's, else one from the labels
    silenced_by: tuple[str, ...] = ()  # silence ids
    inhibited_by: tuple[str, ...] = ()  # fingerprints of the inhibiting alerts
    value: str | None = None  # the expression's value, where the API gives it (Prometheus)
    origin: str = ORIGIN_ALERTMANAGER
    generator_url: str | None = None
    note: str = ""  # e.g. "`for: 5m` not applied" for alerts evaluated from `rules:` files

    @property
    def summary(self) -> str:
        return self.annotations.get("summary", "")

    @property
    def description(self) -> str:
        return self.annotations.get("description", "")

    @property
    def runbook_url(self) -> str:
        return self.annotations.get("runbook_url", "") or self.annotations.get("runbook", "")

    @property
    def is_firing(self) -> bool:
        return self.state == "firing"

    @property
    def status(self) -> Status:
        """What this alert means for its service: its severity while firing, else OK."""
        return severity_status(self.severity) if self.is_firing else Status.OK

    @property
    def key(self) -> str:
        """A stable id for widgets (selection survives a refresh)."""
        return self.fingerprint or label_fingerprint(self.labels)

    def sort_key(self) -> tuple[int, int, float, str]:
        """Firing first, then pending, silenced, inhibited, resolved; critical first; oldest."""
        crit_first = 0 if severity_status(self.severity) is Status.CRIT else 1
        return (STATES.index(self.state), crit_first, self.starts_at or 0.0, self.name)

    def status_entry(self, runbook: str | None = None) -> dict[str, object]:
        """The entry of `oncall status --format json` (`services.NAME.alerts[]`).

        `runbook` is the resolved runbook link when the caller has one; else the
        `runbook_url` annotation as written (or None).
        """
        return {
            "name": self.name,
            "severity": self.severity,
            "state": self.state,
            "since": iso(self.starts_at),
            "summary": self.summary,
            "runbook": runbook if runbook is not None else (self.runbook_url or None),
        }


@dataclass(frozen=True)
class ServiceAlerts:
    """The alerts of one service: the detail of its `alerts` check."""

    alerts: tuple[Alert, ...] = ()

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.is_firing)

    def worst_firing(self) -> Status | None:
        """The status of the worst firing alert, or None when none fires."""
        firing = [a.status for a in self.firing]
        return max(firing, key=lambda s: s.rank) if firing else None


@dataclass(frozen=True)
class AlertList:
    """Every alert one fetch returned, matched or not, sorted for display."""

    alerts: tuple[Alert, ...]
    source: str  # the Source.name: "alertmanager", "prometheus alerts", "prometheus rules"
    fetched_at: float
    # Rules that failed to evaluate (rules job only): "rules.yml:12 HighErrorRate: message"
    errors: tuple[str, ...] = ()

    def for_service(self, name: str | None) -> tuple[Alert, ...]:
        """The alerts of one service; `None` gives the unmatched ones ("other")."""
        return tuple(a for a in self.alerts if a.service == name)

    @property
    def other(self) -> tuple[Alert, ...]:
        return self.for_service(None)

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.is_firing)

    def count(self, state: AlertState) -> int:
        return sum(1 for a in self.alerts if a.state == state)
