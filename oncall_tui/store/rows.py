"""Turns what the state reported into table rows; runs on the writer thread.

Keeps what it needs to tell changes from repeats: each check's last verdict, labels and
detail (so only changes are written, with a full copy every KEYFRAME seconds), each
service's status, each alert's state, each pod's, workload's and event's summary. Every
text that reaches a row goes through `scrub`, so no secret of the config is ever written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from oncall_tui.secret_registry import redact
from oncall_tui.sources.base import CheckId, DashboardRecord, FetchError, Observation, Reading
from oncall_tui.status import Status
from oncall_tui.store import codec
from oncall_tui.store.schema import KEYFRAME

Verdict = tuple[Status, "str | None", "Status | None"]


@dataclass(frozen=True)
class ObservedBatch:
    """What one apply() of the state handed the recorder: observations and the verdicts after."""

    at: float
    observations: tuple[Observation, ...]
    verdicts: tuple[Verdict | None, ...]  # one per observation; None for feature records
    services: Mapping[str, Status]  # the roll-up of every service the batch touched


@dataclass(frozen=True)
class SourceReport:
    at: float
    source: str
    ok: bool
    error: FetchError | None


@dataclass(frozen=True)
class Action:
    at: float
    kind: str
    service: str | None = None
    subject: str = ""
    data: Mapping[str, object] = field(default_factory=dict)


class Scrubber:
    """Replaces every secret of the config, longest first, in any text about to be written."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = redact(text)  # the process's registry: URL userinfo, echoed basic auth, ...
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)


@dataclass
class _CheckMemory:
    verdict: tuple[str, str | None] | None = None
    labels: str | None = None
    detail: str | None = None
    labels_at: float = float("-inf")
    detail_at: float = float("-inf")
    labels_seen: object = None  # the last labels and detail objects, to skip encoding repeats
    detail_seen: object = None


@dataclass
class Rows:
    """The rows of one batch, per table, in the column order the writer inserts."""

    observations: list[tuple[object, ...]] = field(default_factory=list)
    status_changes: list[tuple[object, ...]] = field(default_factory=list)
    source_changes: list[tuple[object, ...]] = field(default_factory=list)
    alert_changes: list[tuple[object, ...]] = field(default_factory=list)
    workload_changes: list[tuple[object, ...]] = field(default_factory=list)
    actions: list[tuple[object, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.observations,
                self.status_changes,
                self.source_changes,
                self.alert_changes,
                self.workload_changes,
                self.actions,
            )
        )


class RowBuilder:
    """Stateful: feed it items in order; it returns the rows of each batch."""

    def __init__(
        self, scrub: Scrubber, check_id: Callable[[CheckId | DashboardRecord], int]
    ) -> None:
        self._scrub = scrub
        self._check_id = check_id  # CheckId -> integer id in `checks`
        self._checks: dict[CheckId | DashboardRecord, _CheckMemory] = {}
        self._services: dict[str, str] = {}
        self._sources: dict[str, bool] = {}
        self._alerts: dict[str, tuple[str, str, str | None]] = {}  # key -> state, name, service
        self._workloads: dict[tuple[str, str, str], str] = {}

    def forget(self) -> None:
        """Write everything in full again (after rows were pruned)."""
        for memory in self._checks.values():
            memory.labels_at = memory.detail_at = float("-inf")
            memory.labels_seen = memory.detail_seen = None

    def build(self, items: Iterable[object]) -> Rows:
        rows = Rows()
        for item in items:
            if isinstance(item, ObservedBatch):
                self._observed(item, rows)
            elif isinstance(item, SourceReport):
                self._source(item, rows)
            elif isinstance(item, Action):
                data = self._scrub(json.dumps(dict(item.data), default=str, sort_keys=True))
                rows.actions.append(
                    (
                        item.at,
                        item.kind,
                        item.service,
                        self._scrub(item.subject),
                        data,
                    )
                )
        return rows

    def _observed(self, batch: ObservedBatch, rows: Rows) -> None:
        for obs, verdict in zip(batch.observations, batch.verdicts, strict=True):
            self._observation(batch.at, obs, verdict, rows)
        for name, status in batch.services.items():
            before = self._services.get(name)
            if before != status.value:
                self._services[name] = status.value
                rows.status_changes.append((batch.at, name, None, before, status.value, None, None))

    def _observation(
        self, now: float, obs: Observation, verdict: Verdict | None, rows: Rows
    ) -> None:
        check = obs.check
        cid = self._check_id(check)
        memory = self._checks.setdefault(check, _CheckMemory())
        outcome = obs.outcome
        if verdict is None:  # a feature record (the alert list): fetched, or failing
            verdict = (Status.OK if isinstance(outcome, Reading) else Status.STALE, None, None)
        status, level, pending = verdict
        row: tuple[object, ...]
        if isinstance(outcome, Reading):
            at = outcome.at
            labels = detail = None
            if outcome.labels != memory.labels_seen or at - memory.labels_at >= KEYFRAME:
                memory.labels_seen = outcome.labels
                labels_text = self._scrub(json.dumps(dict(outcome.labels), sort_keys=True))
                labels = self._changed(memory, "labels", labels_text, at)
            if outcome.detail != memory.detail_seen or at - memory.detail_at >= KEYFRAME:
                memory.detail_seen = outcome.detail
                detail_text = self._scrub(codec.encode(outcome.detail))
                detail = self._changed(memory, "detail", detail_text, at)
            row = (
                cid,
                at,
                outcome.value,
                int(outcome.empty),
                None if outcome.status is None else outcome.status.value,
                labels,
                outcome.series_count,
                None,
                None,
                None,
                detail,
                outcome.baseline,
                status.value,
                level,
                None if pending is None else pending.value,
            )
            self._feature_changes(check, at, outcome.detail, rows)
        else:
            at = now
            row = (
                cid,
                at,
                None,
                0,
                None,
                None,
                0,
                outcome.kind.value,
                self._scrub(outcome.message),
                outcome.http_status,
                None,
                None,
                status.value,
                level,
                None if pending is None else pending.value,
            )
        rows.observations.append(row)
        key = (status.value, level)
        if isinstance(check, CheckId) and memory.verdict != key:
            before = None if memory.verdict is None else memory.verdict[0]
            memory.verdict = key
            value = outcome.value if isinstance(outcome, Reading) else None
            rows.status_changes.append(
                (now, check.service, cid, before, status.value, level, value)
            )

    def _changed(self, memory: _CheckMemory, name: str, text: str, at: float) -> str | None:
        """`text` when it differs from the last written (or a keyframe is due), else None."""
        if getattr(memory, name) == text and at - getattr(memory, f"{name}_at") < KEYFRAME:
            return None
        setattr(memory, name, text)
        setattr(memory, f"{name}_at", at)
        return text

    def _source(self, report: SourceReport, rows: Rows) -> None:
        if self._sources.get(report.source) == report.ok:
            return
        self._sources[report.source] = report.ok
        error = report.error
        rows.source_changes.append(
            (
                report.at,
                report.source,
                int(report.ok),
                None if error is None else error.kind.value,
                None if error is None else self._scrub(error.message),
            )
        )

    # -- alerts, pods, workloads and events ---------------------------------------------

    def _feature_changes(
        self, check: CheckId | DashboardRecord, at: float, detail: object, rows: Rows
    ) -> None:
        from oncall_tui.sources.alerts.records import AlertList
        from oncall_tui.sources.kubernetes.records import Workloads

        if isinstance(detail, AlertList):
            self._alert_changes(at, detail, rows)
        elif isinstance(detail, Workloads) and isinstance(check, CheckId):
            self._workload_changes(check.service, at, detail, rows)

    def _alert_changes(self, at: float, alerts: object, rows: Rows) -> None:
        seen: dict[str, object] = {}
        for alert in alerts.alerts:  # type: ignore[attr-defined]
            seen[alert.key] = alert
            known = self._alerts.get(alert.key)
            before = None if known is None else known[0]
            if before != alert.state:
                self._alerts[alert.key] = (alert.state, self._scrub(alert.name), alert.service)
                rows.alert_changes.append(
                    (
                        at,
                        alert.key,
                        self._scrub(alert.name),
                        alert.service,
                        self._scrub(alert.severity),
                        before,
                        alert.state,
                        self._scrub(json.dumps(dict(alert.labels), sort_keys=True)),
                        self._scrub(alert.summary),
                    )
                )
        for key in [k for k in self._alerts if k not in seen]:
            before, name, service = self._alerts.pop(key)
            if before != "resolved":  # gone from the API: it resolved
                rows.alert_changes.append(
                    (at, key, name, service, "", before, "resolved", "{}", "")
                )

    def _workload_changes(self, service: str, at: float, workloads: object, rows: Rows) -> None:
        current: dict[tuple[str, str, str], str] = {}
        for pod in workloads.pods:  # type: ignore[attr-defined]
            reason = pod.waiting_reason or pod.last_reason or ""
            current[(service, "pod", pod.name)] = (
                f"{pod.phase} {pod.ready}/{pod.total} restarts {pod.restarts} {reason}".strip()
            )
        for wl in workloads.deployments:  # type: ignore[attr-defined]
            note = f" {wl.rollout_note}" if wl.rollout_note else ""
            current[(service, "workload", f"{wl.kind}/{wl.name}")] = (
                f"{wl.ready}/{wl.desired} ready, {wl.updated} updated{note}"
            )
        for event in workloads.events:  # type: ignore[attr-defined]
            name = f"{event.object_kind}/{event.object_name} {event.reason}"
            current[(service, "event", name)] = f"x{event.count} {event.message}"
        mine = {k: v for k, v in self._workloads.items() if k[0] == service}
        for key, text in current.items():
            if mine.get(key) != text:
                self._workloads[key] = text
                rows.workload_changes.append(
                    (
                        at,
                        service,
                        key[1],
                        self._scrub(key[2]),
                        _opt(mine.get(key), self._scrub),
                        self._scrub(text),
                    )
                )
        for key in mine.keys() - current.keys():
            before = self._workloads.pop(key)
            if key[1] != "event":  # events age out; a pod or workload that goes is news
                rows.workload_changes.append(
                    (at, service, key[1], self._scrub(key[2]), self._scrub(before), None)
                )


def _opt(text: str | None, scrub: Scrubber) -> str | None:
    return None if text is None else scrub(text)
