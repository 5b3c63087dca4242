"""Incidents in the recording: declared, noted, stamped, updated and resolved.

They live in the same SQLite file as the observations, so a second terminal, `oncall
incident ...` from a shell, a crash or a restart all see the same incident. What people type
(titles, notes, root causes) is outside text: made inert when written and again when read, so
a control sequence never reaches a terminal, a copy or a postmortem. Retention never
prunes these tables: a postmortem may be written weeks later. Every call is one short
transaction, safe beside the recorder's writer thread and other processes (WAL).
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall_tui.engine.incident import Incident, Milestone
from oncall_tui.inert import inert_block, inert_line
from oncall_tui.store.schema import connect

NOTE = "note"
MILESTONE = "milestone"
UPDATE = "update"


def commander_default() -> str:
    """Who runs an incident unless told: `$USER`, else the login name."""
    return os.environ.get("USER") or os.environ.get("LOGNAME") or _login() or "unknown"


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


class IncidentError(Exception):
    """An incident command that cannot be carried out, in words for the user."""


class IncidentAlreadyOpen(IncidentError):
    def __init__(self, incident: Incident) -> None:
        super().__init__(
            f"{incident.ref} ({incident.severity}: {incident.title}) is still open; resolve it "
            "first, or declare another with --new"
        )
        self.incident = incident


@dataclass(frozen=True)
class IncidentEvent:
    incident: int
    at: float
    kind: str  # note, milestone, update
    name: str  # the milestone's name; empty for the rest
    text: str
    author: str
    recorded_at: float


class IncidentStore:
    """The incidents of one recording file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._conn: sqlite3.Connection = connect(path)

    @property
    def connection(self) -> sqlite3.Connection:
        """The recording's connection, for the read-only queries of `incident_facts`."""
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> IncidentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading

    def _incident(self, row: tuple[Any, ...]) -> Incident:
        ident, title, severity, services, commander, started, root_cause, resolution = row
        events = self.events(ident)
        milestones: dict[Milestone, float] = {}
        last_update = None
        for event in events:
            if event.kind == MILESTONE:
                try:
                    milestones[Milestone(event.name)] = event.at
                except ValueError:
                    continue
            elif event.kind == UPDATE:
                last_update = event.at if last_update is None else max(last_update, event.at)
        return Incident(
            id=ident,
            title=inert_line(title),
            severity=inert_line(severity),
            services=tuple(inert_line(str(s)) for s in json.loads(services)),
            commander=inert_line(commander),
            started_at=started,
            milestones=milestones,
            last_update_at=last_update,
            root_cause=inert_block(root_cause),
            resolution=inert_block(resolution),
        )

    _COLUMNS = "id, title, severity, services, commander, started_at, root_cause, resolution"

    def all(self) -> list[Incident]:
        """Every incident, newest first."""
        rows = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM incidents ORDER BY started_at DESC, id DESC"
        ).fetchall()
        return [self._incident(row) for row in rows]

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.all() if i.is_open]

    def get(self, ident: int) -> Incident:
        row = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM incidents WHERE id = ?", (ident,)
        ).fetchone()
        if row is None:
            raise IncidentError(f"no incident INC-{ident} in {self.path}")
        return self._incident(row)

    def pick(self, ident: int | None = None) -> Incident:
        """`ident`'s incident; without one, the only open incident (or the newest)."""
        if ident is not None:
            return self.get(ident)
        opened = self.open_incidents()
        if len(opened) > 1:
            refs = ", ".join(i.ref for i in opened)
            raise IncidentError(f"several incidents are open ({refs}); name one with --id")
        if opened:
            return opened[0]
        every = self.all()
        if not every:
            raise IncidentError(f"no incident has been declared in {self.path}")
        return every[0]

    def events(self, ident: int) -> list[IncidentEvent]:
        rows = self._conn.execute(
            "SELECT incident, at, kind, name, text, author, recorded_at FROM incident_events "
            "WHERE incident = ? ORDER BY at, id",
            (ident,),
        ).fetchall()
        return [
            IncidentEvent(ident, at, kind, inert_line(name), inert_block(text), inert_line(by), rec)
            for ident, at, kind, name, text, by, rec in rows
        ]

    def version(self) -> tuple[int, int]:
        """Changes when anything about any incident changed: cheap to poll from a refresh."""
        row = self._conn.execute(
            "SELECT (SELECT count(*) FROM incidents), "
            "(SELECT coalesce(max(id), 0) FROM incident_events)"
        ).fetchone()
        return int(row[0]), int(row[1])

    # writing

    def _add_event(
        self,
        ident: int,
        kind: str,
        at: float | None,
        name: str = "",
        text: str = "",
        author: str = "",
    ) -> IncidentEvent:
        now = self._clock()
        stamp = now if at is None else at
        self._conn.execute(
            "INSERT INTO incident_events (incident, at, recorded_at, kind, name, text, author) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ident, stamp, now, kind, name, inert_block(text), inert_line(author)),
        )
        return IncidentEvent(ident, stamp, kind, name, text, author, now)

    def start(
        self,
        *,
        title: str,
        severity: str,
        services: Sequence[str],
        commander: str,
        at: float | None = None,
        new: bool = False,
    ) -> Incident:
        """Declare an incident. One open incident at a time unless `new` insists."""
        title = inert_line(title.strip())
        if not title:
            raise IncidentError("an incident needs a title")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            if not new:
                for row in self._conn.execute(
                    f"SELECT {self._COLUMNS} FROM incidents ORDER BY id DESC"
                ).fetchall():
                    existing = self._incident(row)
                    if existing.is_open:
                        raise IncidentAlreadyOpen(existing)
            started = self._clock() if at is None else at
            cursor = self._conn.execute(
                "INSERT INTO incidents (title, severity, services, commander, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (title, severity, json.dumps(list(services)), inert_line(commander), started),
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        ident = cursor.lastrowid
        assert ident is not None
        return self.get(ident)

    def note(self, ident: int, text: str, *, author: str = "", at: float | None = None) -> None:
        if not text.strip():
            raise IncidentError("a note needs some text")
        self.get(ident)
        self._add_event(ident, NOTE, at, text=text.strip(), author=author)

    def milestone(
        self, ident: int, milestone: Milestone, *, at: float | None = None, author: str = ""
    ) -> Incident:
        """Stamp `milestone` (now, or at `at` to correct its time)."""
        incident = self.get(ident)
        if milestone is Milestone.RESOLVED:
            return self.resolve(ident, at=at, author=author)
        if not incident.is_open and at is None:
            raise IncidentError(f"{incident.ref} is resolved; give --at to correct a time")
        self._add_event(ident, MILESTONE, at, name=milestone.value, author=author)
        return self.get(ident)

    def record_update(
        self, ident: int, text: str, *, at: float | None = None, author: str = ""
    ) -> None:
        """A status update was sent (copied): it goes on the timeline and resets the clock."""
        self.get(ident)
        self._add_event(ident, UPDATE, at, text=text, author=author)

    def resolve(
        self,
        ident: int,
        *,
        at: float | None = None,
        root_cause: str | None = None,
        resolution: str | None = None,
        author: str = "",
    ) -> Incident:
        incident = self.get(ident)
        if not incident.is_open and at is None:
            raise IncidentError(f"{incident.ref} is already resolved")
        stamp = self._clock() if at is None else at
        if stamp < incident.started_at:
            raise IncidentError(f"{incident.ref} cannot be resolved before it started")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            if root_cause is not None or resolution is not None:
                self._conn.execute(
                    "UPDATE incidents SET root_cause = coalesce(?, root_cause), "
                    "resolution = coalesce(?, resolution) WHERE id = ?",
                    (
                        None if root_cause is None else inert_block(root_cause),
                        None if resolution is None else inert_block(resolution),
                        ident,
                    ),
                )
            if Milestone.MITIGATED not in incident.milestones:
                # resolved implies mitigated: the postmortem's columns stay filled
                self._add_event(ident, MILESTONE, stamp, name=Milestone.MITIGATED.value)
            self._add_event(ident, MILESTONE, stamp, name=Milestone.RESOLVED.value, author=author)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return self.get(ident)
