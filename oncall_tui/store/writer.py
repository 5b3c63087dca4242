"""The writer thread: batches what the recorder queued into one transaction every half second.

Nothing here runs on the UI's loop. A kill -9 loses what was queued since the last commit
(at most about a second); WAL mode and one transaction per batch mean the file is never
left half-written. Retention and the size cap are applied by the same thread between
batches, a slice at a time, so a prune never holds the file for long.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.sources.base import CheckId, DashboardRecord
from oncall_tui.store.retention import Pruner
from oncall_tui.store.rows import RowBuilder, Rows, Scrubber
from oncall_tui.store.schema import RecordingBusy, connect

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.5  # seconds between commits
PRUNE_EVERY = 60.0  # seconds between retention passes
HEARTBEAT_EVERY = 2.0  # seconds: an idle writer still says it is alive this often
_STOP = object()
DASHBOARD_KIND = "dashboard"  # the kind of a DashboardRecord's row in `checks`

_INSERTS = {
    "observations": "INSERT OR REPLACE INTO observations (check_id, at, value, empty, judged, "
    "labels, series_count, error_kind, error_message, http_status, detail, baseline, verdict, "
    "level, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "status_changes": "INSERT INTO status_changes (at, service, check_id, before, after, level, "
    "value) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "source_changes": "INSERT INTO source_changes (at, source, ok, error_kind, error_message) "
    "VALUES (?, ?, ?, ?, ?)",
    "alert_changes": "INSERT INTO alert_changes (at, fingerprint, name, service, severity, "
    "before, after, labels, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "workload_changes": "INSERT INTO workload_changes (at, service, kind, name, before, after) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "actions": "INSERT INTO actions (at, kind, service, subject, data) VALUES (?, ?, ?, ?, ?)",
}


@dataclass
class WriterStats:
    rows: int = 0  # rows written since start
    batches: int = 0
    failures: int = 0  # batches that could not be written
    last_error: str | None = None
    busy_seconds: float = 0.0  # thread CPU spent building and writing batches
    pruned: int = 0


class RecordingWriter(threading.Thread):
    """Owns the one writing connection. `submit()` is safe from any thread."""

    def __init__(
        self,
        path: Path,
        *,
        secrets: tuple[str, ...] = (),
        retention: float,
        max_size: int,
        refresh: float = 5.0,
        titles: dict[CheckId, tuple[str, str]] | None = None,
        clock: Callable[[], float] = time.time,
        flush_every: float = FLUSH_EVERY,
        prune_every: float = PRUNE_EVERY,
        claim: bool = True,
    ) -> None:
        super().__init__(name="oncall-recorder", daemon=True)
        # claim=False: another process writes this file; this one adds rows (actions) only,
        # never says it is the writer and leaves pruning to the one that is
        self._claims = claim
        self.path = path
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._scrub = Scrubber(secrets)
        self._titles = dict(titles or {})
        self._clock = clock
        self._refresh = refresh
        self._flush_every = flush_every
        self._prune_every = prune_every
        self._retention = retention
        self._max_size = max_size
        self._ids: dict[CheckId | DashboardRecord, int] = {}
        self._conn: sqlite3.Connection | None = None
        self._opened = threading.Event()
        self._open_error: Exception | None = None
        self._flushed = threading.Condition()
        self._submitted = 0
        self._written = 0
        self._last_beat = 0.0
        self._wake = threading.Event()

    # -- any thread --------------------------------------------------------------------

    def start_and_wait(self, timeout: float = 10.0) -> None:
        """Start, and raise the opening error (too new, not a recording) if there is one."""
        self.start()
        self._opened.wait(timeout)
        if self._open_error is not None:
            raise self._open_error

    def submit(self, item: object) -> None:
        self._submitted += 1
        self._queue.put(item)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far is committed (tests, shutdown)."""
        target = self._submitted
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._flushed:
            while self._written < target and self.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._flushed.wait(min(left, 0.1))
        return self._written >= target

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then close the file."""
        if self.is_alive():
            self._queue.put(_STOP)
            self._wake.set()
            self.join(timeout)

    # -- the thread ----------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._conn = connect(self.path)
            if self._claims:
                self._claim()
        except Exception as exc:  # handed to start_and_wait's caller
            if self._conn is not None:
                self._conn.close()
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        conn = self._conn
        builder = RowBuilder(self._scrub, self._check_id)
        pruner = Pruner(conn, self._retention, self._max_size, self._clock)
        next_prune = time.monotonic()  # a first pass at start: an old file may be over its cap
        stopping = False
        try:
            while not stopping:
                items, stopping = self._collect()
                started = time.thread_time()
                if items:
                    self._write(builder.build(items), len(items))
                elif not stopping and time.monotonic() - self._last_beat > HEARTBEAT_EVERY:
                    self._heartbeat()
                if self._claims and time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + self._prune_every
                    pruned = self._prune(pruner)
                    if pruned:
                        builder.forget()
                self.stats.busy_seconds += time.thread_time() - started
        finally:
            self._release()
            conn.close()

    def _collect(self) -> tuple[list[object], bool]:
        """What arrived during one flush period. The thread sleeps the period through (a
        flush() or stop() wakes it early) and then takes the queue at once: it never wakes
        per item, so the UI's loop is not made to hand over the GIL on every submit."""
        self._wake.wait(self._flush_every)
        self._wake.clear()
        items: list[object] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items, False
            if item is _STOP:
                return items, True
            items.append(item)

    def _write(self, rows: Rows, items: int) -> None:
        assert self._conn is not None
        conn = self._conn
        for attempt in range(3):
            try:
                conn.execute("BEGIN IMMEDIATE")
                for table, sql in _INSERTS.items():
                    batch = getattr(rows, table)
                    if batch:
                        conn.executemany(sql, batch)
                self._beat(conn)
                conn.execute("COMMIT")
                self.stats.rows += len(rows)
                self.stats.batches += 1
                break
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self.stats.last_error = f"{self.path}: {exc}"
                if attempt == 2:
                    self.stats.failures += 1
                    log.error("recording: batch of %d rows lost: %s", len(rows), exc)
                else:
                    time.sleep(0.2)
        with self._flushed:
            self._written += items
            self._flushed.notify_all()

    def _check_id(self, check: CheckId | DashboardRecord) -> int:
        found = self._ids.get(check)
        if found is not None:
            return found
        assert self._conn is not None
        if isinstance(check, DashboardRecord):
            # a dashboard-wide record (the alert list): no service, kind "dashboard"
            service, kind, key = "", DASHBOARD_KIND, check.value
            title, unit = check.value, ""
        else:
            service, kind, key = check.service, check.kind.value, check.key
            title, unit = self._titles.get(check, (check.key, ""))
        self._conn.execute(
            "INSERT INTO checks (service, kind, key, title, unit) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (service, kind, key) DO UPDATE SET title = excluded.title, "
            "unit = excluded.unit",
            (service, kind, key, self._scrub(title), unit),
        )
        row = self._conn.execute(
            "SELECT id FROM checks WHERE service = ? AND kind = ? AND key = ?",
            (service, kind, key),
        ).fetchone()
        self._ids[check] = int(row[0])
        return self._ids[check]

    def _prune(self, pruner: Pruner) -> int:
        try:
            pruned = pruner.run()
        except sqlite3.Error as exc:
            log.error("recording: pruning failed: %s", exc)
            return 0
        self.stats.pruned += pruned
        return pruned

    # -- who writes ----------------------------------------------------------------------

    def _claim(self) -> None:
        """Say this process writes the file; RecordingBusy when another live one does (the
        check and the claim in one transaction, so two starting at once cannot both win)."""
        from oncall_tui.store.reader import WriterInfo

        conn = self._conn
        assert conn is not None
        now = self._clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT pid, host, started_at, heartbeat_at, refresh FROM writer WHERE id = 1"
            ).fetchone()
            other = None if row is None else WriterInfo(*row)
            if other is not None and other.pid != os.getpid() and other.alive(now):
                raise RecordingBusy(
                    f"{self.path}: oncall (pid {other.pid} on {other.host}) writes this "
                    "recording; one process writes a recording"
                )
            conn.execute(
                "INSERT OR REPLACE INTO writer (id, pid, host, started_at, heartbeat_at, "
                "refresh) VALUES (1, ?, ?, ?, ?, ?)",
                (os.getpid(), socket.gethostname(), now, now, self._refresh),
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)", (repr(now),)
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _beat(self, conn: sqlite3.Connection) -> None:
        self._last_beat = time.monotonic()
        conn.execute(
            "UPDATE writer SET heartbeat_at = ? WHERE pid = ?", (self._clock(), os.getpid())
        )

    def _heartbeat(self) -> None:
        assert self._conn is not None
        try:
            self._beat(self._conn)
        except sqlite3.Error as exc:
            self.stats.last_error = f"{self.path}: {exc}"

    def _release(self) -> None:
        assert self._conn is not None
        try:
            if self._claims:
                self._conn.execute("DELETE FROM writer WHERE pid = ?", (os.getpid(),))
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.error("recording: closing: %s", exc)
