"""The flight recorder: follows a DashboardState and writes everything it sees, off its loop.

    recorder = Recorder.start(config, path)
    state.add_listener(recorder)
    ...
    recorder.action("runbook.opened", service="cqar", subject="cqar.md#high-latency")
    recorder.close()

`observed()` and `source_reported()` run on the state's loop and only queue frozen objects
with the verdicts read at that moment; the writer thread turns them into rows.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from oncall_tui.config.model import Config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind, FetchError, Observation
from oncall_tui.store.rows import Action, ObservedBatch, SourceReport
from oncall_tui.store.writer import RecordingWriter, WriterStats

log = logging.getLogger(__name__)

_SECRET_HEADER = re.compile(r"auth|token|key|secret|pass|cookie|session", re.IGNORECASE)


def recording_secrets(config: Config) -> tuple[str, ...]:
    """Every value that must never reach the file: tokens, passwords, and the values of
    headers whose name says they carry a credential (Authorization, X-Api-Key, ...)."""
    found = list(config.secrets())
    options = [ds.http for ds in config.datasources.values()]
    if config.alertmanager is not None:
        options.append(config.alertmanager.http)
    options.extend(p.http for s in config.services.values() for p in s.health)
    for http in options:
        for name, value in http.headers.items():
            if _SECRET_HEADER.search(name) and value:
                found.append(value)
                # "Bearer abc": the credential alone must go too
                found.extend(part for part in value.split() if len(part) >= 6)
    return tuple(dict.fromkeys(found))


def _titles(config: Config) -> dict[CheckId, tuple[str, str]]:
    titles: dict[CheckId, tuple[str, str]] = {}
    for svc in config.services.values():
        for kpi in svc.polled_kpis:
            titles[CheckId(svc.name, CheckKind.KPI, kpi.key)] = (kpi.label, kpi.unit.text)
        for probe in svc.health:
            titles[CheckId(svc.name, CheckKind.HEALTH, probe.name)] = (probe.name, "s")
        if svc.kubernetes is not None:
            titles[CheckId(svc.name, CheckKind.KUBERNETES, "workloads")] = ("pods", "")
    return titles


class Recorder:
    """A StateListener that records; `action()` records what the engineer did."""

    def __init__(
        self, writer: RecordingWriter, state: DashboardState | None = None, clock=time.time
    ) -> None:
        self.writer = writer
        self.observes = True
        self._state = state
        self._clock: Callable[[], float] = clock

    @classmethod
    def start(
        cls,
        config: Config,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        flush_every: float | None = None,
        prune_every: float | None = None,
        observe: bool = True,
    ) -> Recorder:
        """Open (creating or migrating) the file and start the writer thread.

        Raises `RecordingError` (a newer schema, not a recording) before anything runs.
        `observe=False`: another process records the observations to this file; this one
        adds its actions only (`follow()` then does nothing).
        """
        options: dict[str, float] = {}
        if flush_every is not None:
            options["flush_every"] = flush_every
        if prune_every is not None:
            options["prune_every"] = prune_every
        writer = RecordingWriter(
            path,
            secrets=recording_secrets(config),
            retention=config.record.retention,
            max_size=config.record.max_size,
            refresh=config.refresh,
            titles=_titles(config),
            clock=clock,
            claim=observe,
            **options,  # type: ignore[arg-type]
        )
        writer.start_and_wait()
        recorder = cls(writer, clock=clock)
        recorder.observes = observe
        return recorder

    def follow(self, state: DashboardState) -> None:
        """Record everything `state` applies from now on."""
        if not self.observes:
            return
        self._state = state
        state.add_listener(self)

    @property
    def path(self) -> Path:
        return self.writer.path

    @property
    def stats(self) -> WriterStats:
        return self.writer.stats

    # -- StateListener -------------------------------------------------------------------

    def observed(self, observations: Sequence[Observation], now: float) -> None:
        try:
            self._observed(observations, now)
        except Exception:  # recording must never stop the dashboard's polling
            log.exception("recording: could not queue %d observations", len(observations))

    def _observed(self, observations: Sequence[Observation], now: float) -> None:
        state = self._state
        if state is None or not observations:
            return
        verdicts = tuple(
            state.verdict(o.check) if isinstance(o.check, CheckId) else None for o in observations
        )
        services = {o.check.service for o in observations if isinstance(o.check, CheckId)}
        rollups = {name: state.service_status(name) for name in services}
        self.writer.submit(ObservedBatch(now, tuple(observations), verdicts, rollups))

    def source_reported(self, name: str, ok: bool, error: FetchError | None, now: float) -> None:
        self.writer.submit(SourceReport(now, name, ok, error))

    # -- actions -------------------------------------------------------------------------

    def action(
        self,
        kind: str,
        *,
        service: str | None = None,
        subject: str = "",
        data: Mapping[str, object] | None = None,
        at: float | None = None,
    ) -> None:
        """Record something done in the app: `runbook.opened`, `command.copied`,
        `silence.created`, `silence.expired`, or a later feature's own kind."""
        when = self._clock() if at is None else at
        self.writer.submit(Action(when, kind, service, subject, dict(data or {})))

    def flush(self, timeout: float = 5.0) -> bool:
        return self.writer.flush(timeout)

    def close(self) -> None:
        """Write what is queued and close the file."""
        self.writer.stop()
