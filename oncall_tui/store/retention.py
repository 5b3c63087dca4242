"""Retention and the size cap: the oldest rows go, a slice per transaction.

Runs on the writer thread between batches. Each DELETE covers at most `SLICE` seconds of
recording, so the write lock is held briefly and a kill -9 during a prune loses nothing but
the slice's delete. Freed pages go back to the file system with `incremental_vacuum`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from oncall_tui.store.schema import TIMED_TABLES

SLICE = 600.0  # seconds of recording deleted per transaction
MAX_SLICES = 200  # per pass, so a pass ends; the next pass goes on
CAP_SHARE = 0.05  # past the size cap, drop this share of the recorded span per step


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes the tables use (the file minus its free pages), plus the WAL not yet merged."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * page_size)


class Pruner:
    def __init__(
        self,
        conn: sqlite3.Connection,
        retention: float,
        max_size: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conn = conn
        self.retention = retention
        self.max_size = max_size
        self._clock = clock

    def run(self) -> int:
        """One pass: past the retention, then past the size cap. Returns rows deleted."""
        deleted = self._delete_before(self._clock() - self.retention)
        for _ in range(40):
            if used_bytes(self._conn) <= self.max_size:
                break
            span = self._span()
            if span is None:
                break
            oldest, newest = span
            cut = oldest + max((newest - oldest) * CAP_SHARE, 1.0)
            gone = self._delete_before(cut)
            deleted += gone
            if not gone:
                break
        if deleted:
            self._conn.execute("PRAGMA incremental_vacuum")
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return deleted

    def _span(self) -> tuple[float, float] | None:
        row = self._conn.execute("SELECT min(at), max(at) FROM observations").fetchone()
        if row is None or row[0] is None:
            return None
        return float(row[0]), float(row[1])

    def _oldest(self) -> float | None:
        found = [
            self._conn.execute(f"SELECT min(at) FROM {table}").fetchone()[0]
            for table in TIMED_TABLES
        ]
        times = [float(t) for t in found if t is not None]
        return min(times) if times else None

    def _delete_before(self, cutoff: float) -> int:
        deleted = 0
        oldest = self._oldest()
        if oldest is None or oldest >= cutoff:
            return 0
        edge = oldest
        for _ in range(MAX_SLICES):
            edge = min(edge + SLICE, cutoff)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for table in TIMED_TABLES:
                    deleted += self._conn.execute(
                        f"DELETE FROM {table} WHERE at < ?", (edge,)
                    ).rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            if edge >= cutoff:
                break
        return deleted
