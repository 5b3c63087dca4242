"""The recording's SQLite schema, its version, and the forward migrations.

`PRAGMA user_version` holds the schema version: the number of migrations applied. Opening a
file runs the missing ones in order, each in its own transaction; a file written by a newer
`oncall` (a version above `SCHEMA_VERSION`) is refused with `RecordingTooNew`, never read
half-understood. A later feature (incidents, notes, milestones) adds its tables by appending
one migration to `MIGRATIONS`; the existing tables are never rewritten.

Times are seconds since the epoch (REAL). Check ids are interned in `checks`; an
observation's labels and detail record are written only when they changed since the check's
row before (NULL means "as before"), and in full at least every `KEYFRAME` seconds, so that
a row stays a few dozen bytes and a reader never looks back further than that.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

APPLICATION_ID = 0x6F6E6361  # "onca": marks the file as an oncall recording
KEYFRAME = 600.0  # seconds: labels and details are written in full at least this often

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    UNIQUE (service, kind, key)
);
-- every observation as it arrived, with the verdict the recording oncall gave it
CREATE TABLE observations (
    check_id INTEGER NOT NULL,
    at REAL NOT NULL,
    value REAL,
    empty INTEGER NOT NULL DEFAULT 0,
    judged TEXT,             -- a status the source judged itself (probes, pods, alerts)
    labels TEXT,             -- the worst series' labels (JSON); NULL: as in the row before
    series_count INTEGER NOT NULL DEFAULT 0,
    error_kind TEXT,
    error_message TEXT,
    http_status INTEGER,
    detail TEXT,             -- the source's record (codec JSON); NULL: as in the row before
    baseline REAL,
    verdict TEXT NOT NULL,   -- the check's status right after this observation
    level TEXT,
    pending TEXT,            -- a breach held back by for:, if any
    PRIMARY KEY (check_id, at)
) WITHOUT ROWID;
CREATE INDEX observations_at ON observations (at);
-- status changes of checks (check_id set) and of services (check_id NULL)
CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    service TEXT NOT NULL,
    check_id INTEGER,
    before TEXT,
    after TEXT NOT NULL,
    level TEXT,
    value REAL
);
CREATE INDEX status_changes_at ON status_changes (at);
CREATE TABLE source_changes (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    source TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error_kind TEXT,
    error_message TEXT
);
CREATE INDEX source_changes_at ON source_changes (at);
CREATE TABLE alert_changes (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    service TEXT,
    severity TEXT NOT NULL DEFAULT '',
    before TEXT,
    after TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '{}',
    summary TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_changes_at ON alert_changes (at);
-- pods, workloads and Kubernetes events as they changed
CREATE TABLE workload_changes (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    service TEXT NOT NULL,
    kind TEXT NOT NULL,      -- pod, workload, event
    name TEXT NOT NULL,
    before TEXT,
    after TEXT               -- NULL: gone
);
CREATE INDEX workload_changes_at ON workload_changes (at);
-- everything done in the app, and events later features add (incidents, notes, milestones)
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,      -- runbook.opened, command.copied, silence.created, silence.expired
    service TEXT,
    subject TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX actions_at ON actions (at);
CREATE INDEX actions_kind ON actions (kind, at);
-- who writes now: one row, its heartbeat renewed on every flush
CREATE TABLE writer (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    refresh REAL NOT NULL
);
"""

# version 2: incidents, and their notes, milestones and updates (`store/incidents.py`); never
# pruned by retention, since a postmortem may be written weeks later
_V2 = """
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    services TEXT NOT NULL DEFAULT '[]',
    commander TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    root_cause TEXT NOT NULL DEFAULT '',
    resolution TEXT NOT NULL DEFAULT ''
);
-- notes, milestones (name = the milestone; the latest row of a name wins, so a time can be
-- corrected), status updates and edits; `at` is the time it speaks of, `recorded_at` when
-- it was entered
CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    incident INTEGER NOT NULL REFERENCES incidents (id),
    at REAL NOT NULL,
    recorded_at REAL NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_incident ON incident_events (incident, at);
"""

#: Each entry moves a file from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)

#: tables with an `at` column that retention prunes (oldest rows first)
TIMED_TABLES: tuple[str, ...] = (
    "observations",
    "status_changes",
    "source_changes",
    "alert_changes",
    "workload_changes",
    "actions",
)


class RecordingError(Exception):
    """A recording that cannot be opened, with the file named and the reason."""


class RecordingTooNew(RecordingError):
    pass


class RecordingBusy(RecordingError):
    """Another live process writes the recording's observations (one writer per file)."""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the recording's pragmas, migrated to `SCHEMA_VERSION`.

    The connection is in autocommit mode (`isolation_level=None`): callers open their own
    transactions, one per batch. `readonly` connections never write (they still migrate a
    file from an older oncall, which only happens while nobody else writes it).
    """
    if readonly and not path.exists():
        raise RecordingError(f"{path}: no such recording")
    if not readonly:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
    except sqlite3.Error as exc:
        raise RecordingError(f"{path}: cannot open the recording: {exc}") from exc
    try:
        _prepare(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise RecordingError(f"{path}: not an oncall recording, or damaged: {exc}") from exc
    except RecordingError:
        conn.close()
        raise
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RecordingTooNew(
            f"{path}: this recording has schema version {version}, newer than the "
            f"{SCHEMA_VERSION} this oncall reads; upgrade oncall, or record to another file"
        )
    if version == 0 and app_id not in (0, APPLICATION_ID):
        raise RecordingError(f"{path}: this SQLite file is not an oncall recording")
    if version > 0 and app_id != APPLICATION_ID:
        raise RecordingError(f"{path}: this SQLite file is not an oncall recording")
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise RecordingError(f"{path}: this SQLite file is not an oncall recording")
        # before the first table: free pages can be handed back to the file system later
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise RecordingError(f"{path}: cannot switch the recording to WAL mode ({mode})")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a crash loses no commit
    conn.execute("PRAGMA busy_timeout = 10000")
    # each check's newest leaf page stays cached while the writer appends to all of them at
    # once, and a reader's seek (a few thousand point lookups) reads pages through mmap
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA mmap_size = 268435456")
    for index in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-read inside the lock: another process may have migrated meanwhile
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > index:
                conn.execute("COMMIT")
                continue
            for statement in _statements(MIGRATIONS[index]):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {index + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """The statements of a migration, so they run inside one explicit transaction
    (`executescript` would commit first)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    text = "\n".join(line.split(" -- ")[0] for line in lines)
    return [part.strip() for part in text.split(";") if part.strip()]
