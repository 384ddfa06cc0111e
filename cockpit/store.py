"""The store: one SQLite file, the event log as the source of truth.

Tables are plain and named for people, so the file opens in the sqlite-utils CLI or
Datasette: `events` (the log), `incidents` (a projection rebuilt from `events` on demand),
`events_fts` (full-text index over entry text), `settings` and `migrations`.

`append` returns only after its transaction has committed (WAL, synchronous=FULL). Several
processes may write one file at once: writers queue on SQLite's lock and retry, and
"database is locked" never reaches the user: every SQLite error leaves the store as one
`StoreError` line (see `cockpit.dbfile.explain`).

A store opens for writing (the default: the file is created if missing, and must be
writable) or for reading (`access="read"`): then a missing file is an error unless
`create` says otherwise, and a file that cannot be written (a read-only mount, an immutable
or 0444 file, a full disk) is opened read-only, so an archived incident stays readable.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from cockpit import projection
from cockpit.clock import Clock
from cockpit.dbfile import (
    BUSY_TIMEOUT_MS,
    SQLITE_HEADER,
    WRITE_PATIENCE_S,
    Access,
    PathState,
    StoreError,
    connect,
    explain,
    inspect_path,
    lock_patience,
    may_read_instead,
    open_readonly,
    open_writable,
    retry,
)
from cockpit.migrations import APP_ID, MIGRATIONS, SCHEMA_VERSION
from cockpit.records import ENTRY_KINDS, Rec, dumps
from cockpit.timefmt import EPOCH, format_ts, from_us, to_us
from cockpit.ulid import ALPHABET, new_ulid

if TYPE_CHECKING:
    from cockpit.events import Event

__all__ = [
    "APP_ID",
    "BUSY_TIMEOUT_MS",
    "SCHEMA_VERSION",
    "SQLITE_HEADER",
    "WRITE_PATIENCE_S",
    "IncidentRow",
    "RefError",
    "Store",
    "StoreError",
    "default_path",
]

# An entry's payload is its text (which has a column of its own) and the mentions in it:
# loading skips the JSON for entries and Rec rebuilds it from the text when asked.
_ENTRY_KINDS_SQL = ", ".join(f"'{kind}'" for kind in sorted(ENTRY_KINDS))

P = ParamSpec("P")
R = TypeVar("R")


class RefError(Exception):
    """A REF that matches no incident, or several (exit 1)."""


@dataclass(frozen=True)
class IncidentRow:
    id: str
    ref: str
    title: str
    severity: str
    status: str
    exercise: bool
    declared_at: datetime | None
    event_count: int


def default_path() -> Path:
    env = os.environ.get("COCKPIT_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("cockpit")) / "cockpit.db"


def _reads(method: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """A read: any SQLite error becomes the store's one-line explanation."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._explain(exc, writing=False) from None

    return wrapper


class Store:
    """The event log in one SQLite file."""

    def __init__(
        self,
        path: Path | str,
        clock: Clock,
        *,
        access: Access = "write",
        create: bool = True,
        patience: float | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        self.clock = clock
        self.access: Access = access
        self.warnings: list[str] = []
        if patience is None:
            patience, warning = lock_patience()
            if warning:
                self.warnings.append(warning)
        # How long a write (or opening for writing) waits for another process's lock; a
        # read waits at most the busy timeout.
        self.patience = patience
        self.read_wait = min(BUSY_TIMEOUT_MS / 1000, patience)
        self.readonly = False
        self._readonly_reason = ""
        self.conn = self._open(inspect_path(self.path, access, create))
        try:
            self.origin = self._origin()
        except sqlite3.Error as exc:
            self.conn.close()
            raise self._explain(exc, writing=False) from None

    @cached_property
    def db(self) -> Any:
        """The file through sqlite-utils (imported only when asked for)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _explain(self, exc: sqlite3.Error, *, writing: bool) -> StoreError:
        waited = self.patience if writing else self.read_wait
        return explain(exc, self.path, writing=writing, waited=waited)

    # opening ---------------------------------------------------------------------------
    def _open(self, state: PathState) -> sqlite3.Connection:
        """For writing: the file as ours (WAL, the newest schema) or a StoreError. For
        reading: the same where the file can be written, else read-only."""
        writing = self.access == "write"
        if state.writable:
            try:
                wait = self.patience if writing else self.read_wait
                conn, warnings = open_writable(self.path, state, wait)
                try:
                    self._migrate(conn, wait)
                except BaseException:
                    conn.close()
                    raise
                self.warnings.extend(warnings)
                return conn
            except sqlite3.Error as exc:
                if writing or not may_read_instead(exc):
                    raise self._explain(exc, writing=writing) from None
                self._readonly_reason = f"{exc}"
        else:
            self._readonly_reason = "the file or its folder cannot be written"
        conn = open_readonly(self.path, state, self.read_wait, self._readonly_reason)
        self.readonly = True
        return conn

    def _migrate(self, conn: sqlite3.Connection, wait: float) -> None:
        """Bring the schema up to date in one write (SQLite errors are left to `_open`)."""
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        retry(lambda: conn.execute("BEGIN IMMEDIATE"), wait)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, name, step in MIGRATIONS:
                if number > version:
                    step(conn)
                    conn.execute(
                        "INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
                        (number, name, format_ts(self.clock.now())),
                    )
                    conn.execute(f"PRAGMA user_version = {number}")
            retry(lambda: conn.execute("COMMIT"), wait)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _origin(self) -> str:
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'origin'").fetchone()
        if row is None:
            self.conn.close()
            raise StoreError(f"{self.path}: not a complete cockpit database (no origin setting)")
        return str(row[0])

    def another_connection(self) -> Store:
        """This database on a connection of its own (the TUI's writer thread), opened
        the way SQLite opens it and nothing else: no checks or migrations again, and no
        file handle outside SQLite, since closing any handle on the file would drop the
        locks this process's other connections hold on it (POSIX locks are per process)."""
        other = copy.copy(self)
        other.__dict__.pop("db", None)  # a cached sqlite-utils view of this connection
        try:
            if self.readonly:  # it writes nothing (`_write` refuses); it may read
                other.conn = connect(self.path, "ro", self.read_wait, immutable=True)
            else:
                other.conn = connect(self.path, "rw", self.patience)
                other.conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise self._explain(exc, writing=not self.readonly) from None
        return other

    @contextmanager
    def impatient(self) -> Iterator[None]:
        """Reads that give up at once, rather than wait, while another process holds the
        file locked: for a screen's once-a-second look, which must never stall its event
        loop (the next look tries again)."""
        if self.readonly:  # nothing to wait for: no lock is taken
            yield
            return
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.read_wait * 1000)}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing ---------------------------------------------------------------------------
    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the failure being reported says more than this one would

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on exit. Any SQLite error in
        it, from the BEGIN to the COMMIT, rolls it back and becomes one StoreError."""
        if self.readonly:
            raise StoreError(
                f"{self.path}: cannot be written ({self._readonly_reason}); nothing was logged"
            )
        conn = self.conn
        try:
            retry(lambda: conn.execute("BEGIN IMMEDIATE"), self.patience)
        except sqlite3.Error as exc:
            raise self._explain(exc, writing=True) from None
        try:
            yield conn
            retry(lambda: conn.execute("COMMIT"), self.patience)
        except sqlite3.Error as exc:
            self._rollback()
            raise self._explain(exc, writing=True) from None
        except BaseException:
            self._rollback()
            raise

    # settings --------------------------------------------------------------------------
    @_reads
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction for maintenance (`cockpit doctor --repair`), committed on
        exit; any SQLite error in it becomes one StoreError."""
        return self._write()

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # writing ---------------------------------------------------------------------------
    def new_event(
        self,
        incident_id: str,
        kind: str,
        data: dict[str, Any],
        *,
        author: str,
        occurred_at: datetime | None = None,
        recorded_at: datetime | None = None,
    ) -> Event:
        """Build and validate an event (not yet stored)."""
        from cockpit.events import validate_event  # pydantic: for the first write, not to read

        recorded = recorded_at or self.clock.now()
        return validate_event(
            {
                "id": new_ulid(int((recorded - EPOCH).total_seconds() * 1000)),
                "incident_id": incident_id,
                "kind": kind,
                "occurred_at": occurred_at or recorded,
                "recorded_at": recorded,
                "author": author,
                "origin": self.origin,
                "data": data,
            }
        )

    def append(self, events: Sequence[Event]) -> list[Event]:
        """Store events in one transaction; return only once it has committed.

        Events already present (same id) are skipped, so appending is idempotent.
        """
        if not events:
            return []
        with self._write() as conn:
            stored = [event for event in events if self._insert(conn, event)]
            touched: dict[str, list[Event]] = {}
            for event in stored:
                touched.setdefault(event.incident_id, []).append(event)
            for incident_id, added in touched.items():
                projection.project_added(conn, incident_id, added)
        return stored

    def _insert(self, conn: sqlite3.Connection, event: Event) -> bool:
        # Looked up first: the schema refuses (rather than ignores) an id already stored,
        # so that no INSERT OR REPLACE can rewrite the log.
        if conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)).fetchone():
            return False
        data = event.data.model_dump(mode="json")
        text = None
        if event.kind in ENTRY_KINDS or event.kind == "entry.amended":
            text = data.get("text")
        conn.execute(
            "INSERT INTO events (id, incident_id, kind, occurred_at, recorded_at, "
            "occurred_us, recorded_us, author, origin, data, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.id,
                event.incident_id,
                event.kind,
                format_ts(event.occurred_at),
                format_ts(event.recorded_at),
                to_us(event.occurred_at),
                to_us(event.recorded_at),
                event.author,
                event.origin,
                dumps(data),
                text,
            ),
        )
        return True

    def rebuild_projection(self) -> int:
        """Rebuild `incidents` from `events`; returns how many incidents there are."""
        with self._write() as conn:
            return projection.rebuild(conn)

    @_reads
    def stored_projection(self) -> dict[str, tuple[Any, ...]]:
        """The `incidents` table as stored, by id (in `projection.COLUMNS` order)."""
        return projection.stored(self.conn)

    @_reads
    def recomputed_projection(self) -> dict[str, tuple[Any, ...]]:
        """The `incidents` table as the events make it, by id (nothing is written)."""
        return projection.recomputed(self.conn)

    # reading ---------------------------------------------------------------------------
    @_reads
    def incidents(self, include_closed: bool = False) -> list[IncidentRow]:
        sql = (
            "SELECT id, ref, title, severity, status, exercise, declared_us, event_count "
            "FROM incidents"
        )
        if not include_closed:
            sql += " WHERE status != 'closed'"
        sql += " ORDER BY declared_us DESC, id DESC"
        return [
            IncidentRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                bool(r[5]),
                from_us(r[6]) if r[6] is not None else None,
                r[7],
            )
            for r in self.conn.execute(sql)
        ]

    @_reads
    def resolve(self, text: str) -> str:
        """The incident id for a REF, an unambiguous prefix of one, or of an id."""
        wanted = text.strip().upper()
        bare = wanted[4:] if wanted.startswith("INC-") else wanted
        if not bare or any(ch not in ALPHABET for ch in bare):
            raise RefError(f"{text!r} is not an incident ref (like INC-7KQ2M9)")
        rows = self.conn.execute(
            "SELECT id, ref, title FROM incidents WHERE ref LIKE ? OR id LIKE ? ORDER BY ref",
            ("INC-" + bare + "%", bare + "%"),
        ).fetchall()
        if not rows:
            raise RefError(f"no incident matches {text!r}")
        exact = [r for r in rows if r[1] == "INC-" + bare or r[0] == bare]
        if len(exact) == 1:
            return str(exact[0][0])
        if len(rows) > 1:
            listed = "; ".join(f"{r[1]} {r[2]}" for r in rows[:8])
            raise RefError(f"{text!r} is ambiguous: {listed}")
        return str(rows[0][0])

    @_reads
    def recs(self, incident_id: str) -> list[Rec]:
        """Every event of an incident as light records, in (occurred_at, id) order.

        No validation per row (the store validated each event on the way in), no JSON
        decoding until a payload is read, and times stay integers until asked for.
        """
        rows = self.conn.execute(
            "SELECT id, kind, occurred_us, recorded_us, author, origin, "
            f"CASE WHEN kind IN ({_ENTRY_KINDS_SQL}) THEN NULL ELSE data END, text "
            "FROM events WHERE incident_id = ? ORDER BY occurred_us, id",
            (incident_id,),
        ).fetchall()
        return [
            Rec(r[0], incident_id, r[1], r[2], r[3], r[4], r[5], None, r[6], r[7]) for r in rows
        ]

    @_reads
    def recs_since(self, seq: int) -> tuple[list[Rec], int]:
        """Events stored after `seq` (in storage order) and the newest seq: for live views."""
        rows = self.conn.execute(
            "SELECT seq, id, incident_id, kind, occurred_us, recorded_us, author, origin, data, "
            "text FROM events WHERE seq > ? ORDER BY seq",
            (seq,),
        ).fetchall()
        newest = rows[-1][0] if rows else seq
        return [
            Rec(r[1], r[2], r[3], r[4], r[5], r[6], r[7], None, r[8], r[9]) for r in rows
        ], newest

    @_reads
    def entry_text(self, event_id: str) -> str | None:
        """The text an event was logged with (an entry's; None for state changes)."""
        row = self.conn.execute("SELECT text FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else row[0]

    @_reads
    def newest_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    @_reads
    def data_version(self) -> int:
        """Changes when another connection commits: a cheap way to notice new events."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def raw_events(self, incident_id: str) -> Iterable[dict[str, Any]]:
        """Events as stored, in (occurred_at, id) order, as JSON-ready dicts."""
        try:
            rows = self.conn.execute(
                "SELECT id, incident_id, kind, occurred_at, recorded_at, author, origin, "
                "data FROM events WHERE incident_id = ? ORDER BY occurred_us, id",
                (incident_id,),
            )
        except sqlite3.Error as exc:
            raise self._explain(exc, writing=False) from None
        while True:
            try:
                row = next(rows, None)
            except sqlite3.Error as exc:
                raise self._explain(exc, writing=False) from None
            if row is None:
                return
            yield {
                "id": row[0],
                "incident_id": row[1],
                "kind": row[2],
                "occurred_at": row[3],
                "recorded_at": row[4],
                "author": row[5],
                "origin": row[6],
                "data": json.loads(row[7]),
            }

    @_reads
    def count_events(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    @_reads
    def search(self, words: str, limit: int = 50) -> list[dict[str, Any]]:
        """Entries whose current text holds every word (plain words; never an FTS syntax
        error). Retracted entries are left out, and an amended entry is found by its
        amended text only, once."""
        clean = "".join(ch for ch in words if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)
        terms = [t for t in (w.replace('"', "") for w in clean.split()) if t]
        if not terms:
            return []
        query = " ".join('"' + t + '"' for t in terms)
        conn = self.conn
        rows = conn.execute(
            "SELECT e.id, e.incident_id, e.kind, e.data FROM events_fts f "
            "JOIN events e ON e.seq = f.rowid WHERE events_fts MATCH ? "
            "ORDER BY e.occurred_us DESC",
            (query,),
        ).fetchall()
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for event_id, incident_id, kind, data in rows:
            entry_id = (
                json.loads(data).get("target", event_id) if kind == "entry.amended" else event_id
            )
            if entry_id in seen:
                continue
            seen.add(entry_id)
            found = self._current_entry(incident_id, entry_id)
            if found is None or not self._matches(found["seq"], query):
                continue
            del found["seq"]
            out.append(found)
            if len(out) >= limit:
                break
        return out

    def _current_entry(self, incident_id: str, entry_id: str) -> dict[str, Any] | None:
        """An entry as it stands now (amendments applied), or None if it was retracted."""
        conn = self.conn
        corrections = conn.execute(
            "SELECT seq, kind, data, text FROM events WHERE incident_id = ? "
            "AND kind IN ('entry.amended', 'entry.retracted') "
            "AND json_extract(data, '$.target') = ? ORDER BY occurred_us, id",
            (incident_id, entry_id),
        ).fetchall()
        if any(kind == "entry.retracted" for _, kind, _, _ in corrections):
            return None
        row = conn.execute(
            "SELECT e.seq, e.kind, e.occurred_at, e.author, e.text, i.ref FROM events e "
            "JOIN incidents i ON i.id = e.incident_id WHERE e.id = ?",
            (entry_id,),
        ).fetchone()
        if row is None or row[1] not in ENTRY_KINDS:
            return None
        seq, occurred_at, text = row[0], row[2], row[4]
        for amend_seq, _, data, amended_text in corrections:
            payload = json.loads(data)
            if amended_text is not None:
                seq, text = amend_seq, amended_text
            if payload.get("occurred_at"):
                occurred_at = payload["occurred_at"]
        return {
            "ref": row[5],
            "incident_id": incident_id,
            "id": entry_id,
            "kind": row[1],
            "occurred_at": occurred_at,
            "author": row[3],
            "text": text,
            "seq": seq,
        }

    def _matches(self, seq: int, query: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM events_fts WHERE rowid = ? AND events_fts MATCH ?", (seq, query)
        ).fetchone()
        return row is not None

    @_reads
    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    @_reads
    def ref_taken(self, ref: str) -> bool:
        """Is the ref already an incident's? (A new incident's id is drawn until not.)"""
        row = self.conn.execute("SELECT 1 FROM incidents WHERE ref = ?", (ref,)).fetchone()
        return row is not None
