"""History from the recording on start: sparklines and `for:` holds without asking again.

When the recording of a config was written up to a moment ago (a running `oncall record`,
or an `oncall` that quit seconds before), a new `oncall` or `oncall status` starts from the
state the recording holds: each check's last value and verdict, its sparkline history over
the datasource's `history:` window, and any `for:` hold under way. Prometheus is then asked
with `query_range` only for what the recording does not hold (the gap since its last row).
A recording that stopped longer ago is not continued: the holds would be wrong, and the
range query loads the history as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.config.model import Config
from oncall_tui.engine.state import DashboardState
from oncall_tui.sources.base import CheckId, CheckKind
from oncall_tui.store.paths import continuous_gap
from oncall_tui.store.reader import Recording, WriterInfo
from oncall_tui.store.schema import RecordingError
from oncall_tui.store.source import RecordingSource, ReplayClock

START_POINTS = 240  # sparkline points per KPI loaded from the recording


@dataclass
class Seeded:
    state: DashboardState
    clock: ReplayClock  # released to the wall clock: the state goes on live
    known: dict[CheckId, tuple[float, float]]  # KPI -> (first, last) recorded in the window
    ended_at: float  # the recording's last row


def seed_from_recording(
    config: Config,
    path: Path | None,
    *,
    now: float | None = None,
    require_writer: bool = False,
) -> Seeded | None:
    """The state the recording at `path` holds now, or None when it cannot be continued
    (no file, nothing recent, a file this oncall cannot read; with `require_writer`, no
    process writing it now)."""
    if path is None or not path.exists():
        return None
    now = time.time() if now is None else now
    try:
        recording = Recording(path)
    except (RecordingError, OSError):
        return None
    try:
        span = recording.span()
        if span is None or now - span[1] > continuous_gap(config) or span[1] > now + 5:
            return None
        if require_writer:
            writer: WriterInfo | None = recording.writer()
            if writer is None or not writer.alive(now):
                return None
        window = max([ds.history for ds in config.datasources.values()] + [900.0])
        clock = ReplayClock()
        source = RecordingSource(config, recording, clock=clock)
        state = source.seek(span[1], history=window, points=START_POINTS)
        known = _known(config, recording, now - window, span[1])
    finally:
        recording.close()
    clock.release()
    return Seeded(state, clock, known, span[1])


def _known(
    config: Config, recording: Recording, start: float, end: float
) -> dict[CheckId, tuple[float, float]]:
    ids = {check: cid for cid, check in recording.checks().items()}
    known: dict[CheckId, tuple[float, float]] = {}
    for svc in config.services.values():
        for kpi in svc.all_kpis:
            check = CheckId(svc.name, CheckKind.KPI, kpi.key)
            cid = ids.get(check)
            if cid is None:
                continue
            first = recording.first_at(cid, start)
            if first is not None:
                known[check] = (first, end)
    return known
