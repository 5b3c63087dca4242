"""Reading a recording back: its time span, its checks, observations as the state takes them.

Any number of readers may follow a file while one process writes it (WAL). A reader never
writes; `Recording.rows_between` turns rows back into `Observation`s, carrying each check's
labels and detail forward over the rows that say "as before" (NULL).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    DashboardRecord,
    ErrorKind,
    FetchError,
    Observation,
    Reading,
)
from oncall_tui.status import Status
from oncall_tui.store import codec
from oncall_tui.store.schema import KEYFRAME, RecordingError, connect
from oncall_tui.store.writer import DASHBOARD_KIND

_COLUMNS = (
    "check_id, at, value, empty, judged, labels, series_count, error_kind, error_message, "
    "http_status, detail, baseline, verdict, level, pending"
)


@dataclass(frozen=True)
class Row:
    """One observation row, with the verdict the recording oncall gave it."""

    at: float
    check: CheckId | DashboardRecord
    observation: Observation
    verdict: Status
    level: str | None
    pending: Status | None


@dataclass(frozen=True)
class WriterInfo:
    pid: int
    host: str
    started_at: float
    heartbeat_at: float
    refresh: float

    def alive(self, now: float | None = None) -> bool:
        """Writing now: a heartbeat within a few seconds, from a live process on this host."""
        now = time.time() if now is None else now
        if now - self.heartbeat_at > max(10.0, 3 * self.refresh):
            return False
        import socket

        if self.host != socket.gethostname():
            return True  # another host's process: trust the heartbeat
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


_STATUSES = {status.value: status for status in Status}


def _status(text: str | None) -> Status | None:
    if text is None:
        return None
    # a status this oncall does not know: the louder state
    return _STATUSES.get(text, Status.ERROR)


class Recording:
    """A read-only view of one recording file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path, readonly=True)
        self._checks: dict[int, CheckId | DashboardRecord] = {}
        self._labels: dict[int, dict[str, str]] = {}
        self._details: dict[int, object] = {}

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is in it --------------------------------------------------------------------

    def checks(self) -> dict[int, CheckId | DashboardRecord]:
        """Every check the file knows, by its id (re-read: a writer may add some)."""
        for cid, service, kind, key in self._conn.execute(
            "SELECT id, service, kind, key FROM checks"
        ):
            if cid in self._checks:
                continue
            if kind == DASHBOARD_KIND:
                try:
                    self._checks[cid] = DashboardRecord(key)
                except ValueError:
                    continue
            else:
                try:
                    self._checks[cid] = CheckId(service, CheckKind(kind), key)
                except ValueError:
                    continue
        return self._checks

    def span(self) -> tuple[float, float] | None:
        """The first and last observation times; None when nothing is recorded yet."""
        row = self._conn.execute("SELECT min(at), max(at) FROM observations").fetchone()
        if row is None or row[0] is None:
            return None
        return float(row[0]), float(row[1])

    def writer(self) -> WriterInfo | None:
        row = self._conn.execute(
            "SELECT pid, host, started_at, heartbeat_at, refresh FROM writer WHERE id = 1"
        ).fetchone()
        return None if row is None else WriterInfo(*row)

    def change_times(self, after: float | None = None, before: float | None = None) -> list[float]:
        """Times of status changes of anything (checks, services, alerts, sources)."""
        low = float("-inf") if after is None else after
        high = float("inf") if before is None else before
        found: set[float] = set()
        for table in ("status_changes", "alert_changes", "source_changes"):
            found.update(
                at
                for (at,) in self._conn.execute(
                    f"SELECT DISTINCT at FROM {table} WHERE at > ? AND at < ?", (low, high)
                )
            )
        return sorted(found)

    def next_change(self, after: float) -> float | None:
        times = [
            self._conn.execute(f"SELECT min(at) FROM {t} WHERE at > ?", (after,)).fetchone()[0]
            for t in ("status_changes", "alert_changes", "source_changes")
        ]
        found = [t for t in times if t is not None]
        return min(found) if found else None

    def previous_change(self, before: float) -> float | None:
        times = [
            self._conn.execute(f"SELECT max(at) FROM {t} WHERE at < ?", (before,)).fetchone()[0]
            for t in ("status_changes", "alert_changes", "source_changes")
        ]
        found = [t for t in times if t is not None]
        return max(found) if found else None

    def source_changes(
        self, start: float, end: float
    ) -> list[tuple[float, str, bool, FetchError | None]]:
        """How sources went (down, back) with start < at <= end, oldest first."""
        out = []
        for at, source, ok, kind, message in self._conn.execute(
            "SELECT at, source, ok, error_kind, error_message FROM source_changes "
            "WHERE at > ? AND at <= ? ORDER BY at, id",
            (start, end),
        ):
            error = None
            if kind is not None:
                try:
                    error = FetchError(ErrorKind(kind), message or "")
                except ValueError:
                    error = FetchError(ErrorKind.MALFORMED, message or "")
            out.append((float(at), str(source), bool(ok), error))
        return out

    def actions(self, start: float, end: float, kind: str | None = None) -> list[dict[str, object]]:
        sql = "SELECT at, kind, service, subject, data FROM actions WHERE at >= ? AND at <= ?"
        args: list[object] = [start, end]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        out = []
        for at, kind_, service, subject, data in self._conn.execute(sql + " ORDER BY at", args):
            out.append(
                {
                    "at": at,
                    "kind": kind_,
                    "service": service,
                    "subject": subject,
                    "data": json.loads(data),
                }
            )
        return out

    # -- observations ---------------------------------------------------------------------

    def prime(self, at: float) -> None:
        """Load each check's labels and detail as they stood at `at`, for rows that follow
        (one statement: SQLite does the per-check lookups)."""
        self._labels.clear()
        self._details.clear()
        self.checks()
        low = at - KEYFRAME - 60
        rows = self._conn.execute(
            "SELECT c.id, "
            "(SELECT labels FROM observations WHERE check_id = c.id AND at <= ?1 AND at >= ?2 "
            " AND labels IS NOT NULL ORDER BY at DESC LIMIT 1), "
            "(SELECT detail FROM observations WHERE check_id = c.id AND at <= ?1 AND at >= ?2 "
            " AND detail IS NOT NULL ORDER BY at DESC LIMIT 1) "
            "FROM checks c",
            (at, low),
        ).fetchall()
        for cid, labels, detail in rows:
            if labels is not None:
                self._labels[cid] = json.loads(labels)
            if detail is not None:
                self._details[cid] = codec.decode(detail, at)

    def _latest_rows(self, edges: Mapping[int, float], default: float) -> list[tuple]:
        """Each check's last row at or before its edge (`default` for the rest), in one
        statement."""
        table = json.dumps({str(cid): edges.get(cid, default) for cid in self._checks})
        return self._conn.execute(
            f"SELECT {', '.join('o.' + c.strip() for c in _COLUMNS.split(','))} "
            "FROM (SELECT CAST(key AS INTEGER) AS id, value AS edge FROM json_each(?)) e "
            "JOIN observations o ON o.check_id = e.id AND o.at = "
            "(SELECT max(at) FROM observations WHERE check_id = e.id AND at <= e.edge)",
            (table,),
        ).fetchall()

    def seek_rows(self, at: float, windows: Mapping[int, float], default: float) -> list[Row]:
        """What a seek to `at` replays, oldest first: per check, the row of its last recorded
        status change (so `since` reads right), its last row before its window, every row
        of its window (`windows[check id]` seconds before `at`, else `default`), and its last
        row that was judged rather than stale (so a stale check keeps its value's verdict)."""
        checks = self.checks()
        raw: list[tuple] = self._latest_rows(
            {cid: at - window for cid, window in windows.items()}, at - default
        )
        for cid, changed in self._conn.execute(
            "SELECT check_id, max(at) FROM status_changes WHERE check_id IS NOT NULL "
            "AND at <= ? AND at >= ? GROUP BY check_id",
            (at, at - 86400.0),
        ):
            if cid not in checks or changed > at - windows.get(cid, default):
                continue
            found = self._conn.execute(
                f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at <= ? "
                "ORDER BY at DESC LIMIT 1",
                (cid, changed),
            ).fetchone()
            if found is not None:
                raw.append(found)
        for cid, window in windows.items():
            if cid in checks and window > default:
                raw.extend(
                    self._conn.execute(
                        f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at > ? "
                        "AND at <= ?",
                        (cid, at - window, at),
                    )
                )
        if default > 0:
            for found in self._conn.execute(
                f"SELECT {_COLUMNS} FROM observations WHERE at > ? AND at <= ?",
                (at - default, at),
            ):
                if found[0] not in windows:
                    raw.append(found)
        raw.extend(self._last_judged(at, raw))
        unique = {(r[0], r[1]): r for r in raw}
        ordered = sorted(unique.values(), key=lambda r: r[1])
        return [row for row in (self._row(r) for r in ordered) if row is not None]

    def _last_judged(self, at: float, latest: list[tuple]) -> list[tuple]:
        """For each KPI whose latest row in `latest` failed (its verdict stale or error) or
        came back without a value, its last row at or before `at` (within a day) that was
        judged with a value: the value a stale check keeps, and so its verdict."""
        failed = (Status.STALE.value, Status.ERROR.value)
        checks = self.checks()
        newest: dict[int, tuple] = {}
        for row in latest:
            if row[0] not in newest or row[1] > newest[row[0]][1]:
                newest[row[0]] = row
        raw = []
        for cid, row in newest.items():
            check = checks.get(cid)
            if not isinstance(check, CheckId) or check.kind is not CheckKind.KPI:
                continue
            if row[12] not in failed and row[2] is not None:
                continue
            found = self._conn.execute(
                f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at <= ? "
                "AND at >= ? AND value IS NOT NULL AND verdict NOT IN (?, ?) "
                "ORDER BY at DESC LIMIT 1",
                (cid, at, at - 86400.0, *failed),
            ).fetchone()
            if found is not None:
                raw.append(found)
        return raw

    def thinned_values(
        self, check_id: int, start: float, end: float, step: float
    ) -> tuple[tuple[float, float], ...]:
        """(time, value) with start < at <= end, one point per `step` seconds (the last of
        each), for the sparkline history a seek loads."""
        return tuple(
            self._conn.execute(
                "SELECT max(at), value FROM observations WHERE check_id = ? AND at > ? "
                "AND at <= ? AND value IS NOT NULL GROUP BY CAST(at / ? AS INTEGER) ORDER BY 1",
                (check_id, start, end, step),
            ).fetchall()
        )

    def latest_before(self, at: float) -> list[Row]:
        """Each check's last row at or before `at` (in time order)."""
        rows = []
        for cid in self.checks():
            found = self._conn.execute(
                f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at <= ? "
                "ORDER BY at DESC LIMIT 1",
                (cid, at),
            ).fetchone()
            if found is not None:
                rows.append(found)
        rows.sort(key=lambda r: r[1])
        return [row for row in (self._row(r) for r in rows) if row is not None]

    def rows_between(self, start: float, end: float) -> Iterator[Row]:
        """Rows with start < at <= end, oldest first; labels and details carried forward."""
        self.checks()
        cursor = self._conn.execute(
            f"SELECT {_COLUMNS} FROM observations WHERE at > ? AND at <= ? ORDER BY at",
            (start, end),
        )
        for raw in cursor:
            row = self._row(raw)
            if row is not None:
                yield row

    def values(self, check_id: int, start: float, end: float) -> tuple[tuple[float, float], ...]:
        """(time, value) of one check with start < at <= end, for sparkline history."""
        return tuple(
            self._conn.execute(
                "SELECT at, value FROM observations WHERE check_id = ? AND at > ? AND at <= ? "
                "AND value IS NOT NULL ORDER BY at",
                (check_id, start, end),
            ).fetchall()
        )

    def check_rows(self, check_id: int, start: float, end: float) -> list[Row]:
        """One check's rows with start <= at < end, oldest first."""
        self.checks()
        return [
            row
            for row in (
                self._row(r)
                for r in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at >= ? "
                    "AND at < ? ORDER BY at",
                    (check_id, start, end),
                )
            )
            if row is not None
        ]

    def rows_at_changes(self, check_id: int, start: float, end: float) -> list[Row]:
        """One check's row as it stood at `start` and the row of each of its status changes
        with start < at <= end, oldest first: how it went, without every row between."""
        self.checks()
        times = [start] + [
            at
            for (at,) in self._conn.execute(
                "SELECT at FROM status_changes WHERE check_id = ? AND at > ? AND at <= ? "
                "ORDER BY at",
                (check_id, start, end),
            )
        ]
        raw = {}
        for when in times:
            found = self._conn.execute(
                f"SELECT {_COLUMNS} FROM observations WHERE check_id = ? AND at <= ? "
                "ORDER BY at DESC LIMIT 1",
                (check_id, when),
            ).fetchone()
            if found is not None:
                raw[found[1]] = found
        return [row for row in (self._row(raw[t]) for t in sorted(raw)) if row is not None]

    def first_at(self, check_id: int, after: float) -> float | None:
        """The time of a check's first row after `after`, if any."""
        row = self._conn.execute(
            "SELECT min(at) FROM observations WHERE check_id = ? AND at > ?", (check_id, after)
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def check_id(self, check: CheckId | DashboardRecord) -> int | None:
        return next((cid for cid, c in self.checks().items() if c == check), None)

    def _row(self, raw: tuple) -> Row | None:
        (cid, at, value, empty, judged, labels, series_count, error_kind, error_message,
         http_status, detail, baseline, verdict, level, pending) = raw  # fmt: skip
        check = self._checks.get(cid)
        if check is None:
            return None
        if labels is not None:
            self._labels[cid] = json.loads(labels)
        if detail is not None:
            self._details[cid] = codec.decode(detail, at)
        outcome: Reading | FetchError
        if error_kind is not None:
            try:
                kind = ErrorKind(error_kind)
            except ValueError:
                kind = ErrorKind.MALFORMED
            outcome = FetchError(kind, error_message or "", http_status)
        else:
            recorded_detail: Any = self._details.get(cid)
            if hasattr(recorded_detail, "fetched_at"):  # carried forward: fetched now
                recorded_detail = dataclasses.replace(recorded_detail, fetched_at=at)
            outcome = Reading(
                at=at,
                value=value,
                empty=bool(empty),
                labels=dict(self._labels.get(cid, {})),
                series_count=series_count,
                status=_status(judged),
                detail=recorded_detail,  # type: ignore[arg-type]
                baseline=baseline,
            )
        return Row(
            at,
            check,
            Observation(check, outcome),
            _status(verdict) or Status.ERROR,
            level,
            _status(pending),
        )


def open_recording(path: Path) -> Recording:
    """A reader on `path`; RecordingError names the file when it cannot be read."""
    if not path.exists():
        raise RecordingError(f"{path}: no such recording")
    try:
        return Recording(path)
    except sqlite3.Error as exc:
        raise RecordingError(f"{path}: cannot read the recording: {exc}") from exc
