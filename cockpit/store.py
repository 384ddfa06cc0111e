"""The store: one SQLite file, the event log as the source of truth.

Tables are plain and named for people, so the file opens in the sqlite-utils CLI or
Datasette: `events` (the log), `incidents` (a projection rebuilt from `events` on demand),
`events_fts` (full-text index over entry text), `settings` and `migrations`.

`append` returns only after its transaction has committed (WAL, synchronous=FULL). Several
processes may write one file at once: writers queue on SQLite's lock and retry, and
"database is locked" never reaches the user.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cockpit.clock import Clock
from cockpit.records import ENTRY_KINDS, Rec, dumps
from cockpit.timefmt import EPOCH, format_ts, from_us, to_us
from cockpit.ulid import ALPHABET, new_ulid

if TYPE_CHECKING:
    from cockpit.events import Event

SCHEMA_VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5_000
WRITE_PATIENCE_S = 60.0
APP_ID = 0x436F636B  # "Cock": marks the file as a cockpit database


PROJECTED_KINDS = frozenset({"incident.declared", "title.set", "severity.set", "status.set"})


# An entry's payload is its text (which has a column of its own) and the mentions in it:
# loading skips the JSON for entries and Rec rebuilds it from the text when asked.
_ENTRY_KINDS_SQL = ", ".join(f"'{kind}'" for kind in sorted(ENTRY_KINDS))


class StoreError(Exception):
    """The database cannot be used (exit 2): one clear line for the user."""


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


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(
            f"{path}: the disk is full; nothing was logged, and every entry logged before is safe"
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path}: cannot write to the database (it is read-only)")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path}: the file is damaged or not a cockpit database ({exc})")
    return StoreError(f"{path}: database error: {exc}")


class Store:
    """The event log in one SQLite file."""

    def __init__(self, path: Path | str, clock: Clock) -> None:
        self.path = Path(path).expanduser()
        self.clock = clock
        self._check_before_open()
        try:
            self.conn = self._connect()
            self._migrate()
            self.origin = self._origin()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None

    @cached_property
    def db(self) -> Any:
        """The file through sqlite-utils (imported only when asked for)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    # opening ---------------------------------------------------------------------------
    def _check_before_open(self) -> None:
        """Refuse, without touching it, a file we must not or cannot use."""
        path = self.path
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a database file")
        if path.exists():
            try:
                with path.open("rb") as handle:
                    header = handle.read(16)
            except OSError as exc:
                raise StoreError(f"{path}: cannot be read ({exc.strerror})") from None
            if header and header != SQLITE_HEADER:
                raise StoreError(f"{path}: not an SQLite database; refusing to use it")
            if not os.access(path, os.W_OK):
                raise StoreError(f"{path}: cannot be written (permission denied)")
            if not os.access(path.parent, os.W_OK | os.X_OK):
                raise StoreError(
                    f"{path.parent}: cannot be written (permission denied); "
                    "the database needs its folder writable for its journal"
                )
            if header:
                self._check_schema()
        else:
            parent = path.parent
            try:
                parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except (FileExistsError, NotADirectoryError):
                raise StoreError(
                    f"{parent}: cannot create the folder (a file is in the way)"
                ) from None
            except OSError as exc:
                raise StoreError(f"{parent}: cannot create the folder ({exc.strerror})") from None
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from None

    def _check_schema(self) -> None:
        # immutable=1: read the file as it is, without creating -wal or -shm beside it.
        uri = "file:" + quote(str(self.path.resolve())) + "?mode=ro&immutable=1"
        try:
            ro = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        try:
            version = ro.execute("PRAGMA user_version").fetchone()[0]
            app_id = ro.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master")}
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        finally:
            ro.close()
        if tables and app_id != APP_ID:
            raise StoreError(
                f"{self.path}: an SQLite database of another program, not a cockpit database"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer cockpit (schema {version}; this one knows up "
                f"to {SCHEMA_VERSION}); upgrade cockpit to open it"
            )

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _retry(self, action: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WRITE_PATIENCE_S
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on exit."""
        conn = self.conn
        try:
            self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise StoreError(
                    f"{self.path}: the database stayed busy for {WRITE_PATIENCE_S:.0f} s; "
                    "nothing was logged"
                ) from None
            raise _explain(exc, self.path) from None
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            self._retry(lambda: conn.execute("COMMIT"))
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _explain(exc, self.path) from None

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer cockpit (schema {version})")
            return
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, name, step in MIGRATIONS:
                if number > version:
                    step(conn)
                    conn.execute(
                        "INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
                        (number, name, format_ts(self.clock.now())),
                    )
                    conn.execute(f"PRAGMA user_version = {number}")

    def _origin(self) -> str:
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'origin'").fetchone()
        return str(row[0])

    def another_connection(self) -> Store:
        """This database on a connection of its own (the TUI's writer thread), opened
        the way SQLite opens it and nothing else: no checks or migrations again, and no
        file handle outside SQLite, since closing any handle on the file would drop the
        locks this process's other connections hold on it (POSIX locks are per process)."""
        other = copy.copy(self)
        other.__dict__.pop("db", None)  # a cached sqlite-utils view of this connection
        try:
            other.conn = other._connect()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        return other

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # settings --------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

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
                self._project_added(conn, incident_id, added)
        return stored

    def _insert(self, conn: sqlite3.Connection, event: Event) -> bool:
        data = event.data.model_dump(mode="json")
        text = None
        if event.kind in ENTRY_KINDS or event.kind == "entry.amended":
            text = data.get("text")
        cursor = conn.execute(
            "INSERT OR IGNORE INTO events (id, incident_id, kind, occurred_at, recorded_at, "
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
        return cursor.rowcount == 1

    def _latest(self, conn: sqlite3.Connection, incident_id: str, kind: str) -> Any:
        row = conn.execute(
            "SELECT data FROM events WHERE incident_id = ? AND kind = ? "
            "ORDER BY occurred_us DESC, id DESC LIMIT 1",
            (incident_id, kind),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def _project_added(
        self, conn: sqlite3.Connection, incident_id: str, added: list[Event]
    ) -> None:
        """Bring one incident's `incidents` row up to date after `added` were stored.

        Cheap in the common case (an entry): bump the count and the time. Only the kinds
        the row shows (declared, title, severity, status) cost a look at the log, and then
        only along an index.
        """
        exists = conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if exists is None or any(e.kind in PROJECTED_KINDS for e in added):
            self._project(conn, incident_id)
            return
        conn.execute(
            "UPDATE incidents SET event_count = event_count + ?, "
            "updated_us = max(coalesce(updated_us, 0), ?) WHERE id = ?",
            (len(added), max(to_us(e.recorded_at) for e in added), incident_id),
        )

    def _project(self, conn: sqlite3.Connection, incident_id: str) -> None:
        """Recompute one incident's row in `incidents` from its events."""
        declared_row = conn.execute(
            "SELECT data, occurred_us FROM events WHERE incident_id = ? "
            "AND kind = 'incident.declared' ORDER BY occurred_us, id LIMIT 1",
            (incident_id,),
        ).fetchone()
        declared = json.loads(declared_row[0]) if declared_row else {}
        title = self._latest(conn, incident_id, "title.set")
        severity = self._latest(conn, incident_id, "severity.set")
        status = self._latest(conn, incident_id, "status.set")
        count, updated = conn.execute(
            "SELECT count(*), max(recorded_us) FROM events WHERE incident_id = ?", (incident_id,)
        ).fetchone()
        from cockpit.incident import ref_for

        conn.execute(
            "INSERT INTO incidents (id, ref, title, severity, status, exercise, declared_at, "
            "declared_us, updated_us, event_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
            "severity = excluded.severity, status = excluded.status, "
            "exercise = excluded.exercise, declared_at = excluded.declared_at, "
            "declared_us = excluded.declared_us, updated_us = excluded.updated_us, "
            "event_count = excluded.event_count",
            (
                incident_id,
                ref_for(incident_id),
                (title or {}).get("title") or declared.get("title") or "(undeclared)",
                (severity or {}).get("level") or declared.get("severity") or "",
                (status or {}).get("status") or "investigating",
                1 if declared.get("exercise") else 0,
                format_ts(from_us(declared_row[1])) if declared_row else None,
                declared_row[1] if declared_row else None,
                updated,
                count,
            ),
        )

    def rebuild_projection(self) -> int:
        """Rebuild `incidents` from `events`; returns how many incidents there are."""
        with self._write() as conn:
            conn.execute("DELETE FROM incidents")
            ids = [r[0] for r in conn.execute("SELECT DISTINCT incident_id FROM events")]
            for incident_id in ids:
                self._project(conn, incident_id)
        return len(ids)

    # reading ---------------------------------------------------------------------------
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

    def entry_text(self, event_id: str) -> str | None:
        """The text an event was logged with (an entry's; None for state changes)."""
        row = self.conn.execute("SELECT text FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else row[0]

    def newest_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def data_version(self) -> int:
        """Changes when another connection commits: a cheap way to notice new events."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def raw_events(self, incident_id: str) -> Iterable[dict[str, Any]]:
        """Events as stored, in (occurred_at, id) order, as JSON-ready dicts."""
        for row in self.conn.execute(
            "SELECT id, incident_id, kind, occurred_at, recorded_at, author, origin, data "
            "FROM events WHERE incident_id = ? ORDER BY occurred_us, id",
            (incident_id,),
        ):
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

    def count_events(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

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

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])


# migrations ------------------------------------------------------------------------------
def _m1(conn: sqlite3.Connection) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    conn.execute(f"PRAGMA application_id = {APP_ID}")
    db.table("migrations").create({"number": int, "name": str, "applied_at": str}, pk="number")
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("events").create(
        {
            "seq": int,
            "id": str,
            "incident_id": str,
            "kind": str,
            "occurred_at": str,
            "recorded_at": str,
            "occurred_us": int,
            "recorded_us": int,
            "author": str,
            "origin": str,
            "data": str,
            "text": str,
        },
        pk="seq",
        not_null={
            "id",
            "incident_id",
            "kind",
            "occurred_at",
            "recorded_at",
            "occurred_us",
            "recorded_us",
            "author",
            "origin",
            "data",
        },
    )
    db.table("events").create_index(["id"], unique=True)
    db.table("events").create_index(["incident_id", "occurred_us", "id"])
    db.table("events").create_index(["incident_id", "kind", "occurred_us", "id"])
    db.table("incidents").create(
        {
            "id": str,
            "ref": str,
            "title": str,
            "severity": str,
            "status": str,
            "exercise": int,
            "declared_at": str,
            "declared_us": int,
            "updated_us": int,
            "event_count": int,
        },
        pk="id",
    )
    db.table("incidents").create_index(["ref"])
    db.table("events").enable_fts(["text"], fts_version="FTS5", create_triggers=True)
    # The log is append-only: corrections are new events, never edits.
    conn.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable; log a correction instead'); END"
    )
    conn.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable; log a retraction instead'); END"
    )
    conn.execute("INSERT INTO settings (key, value) VALUES ('origin', ?)", (new_ulid(),))


MIGRATIONS: list[tuple[int, str, Callable[[sqlite3.Connection], None]]] = [
    (1, "events, incidents, settings and the full-text index", _m1),
]
