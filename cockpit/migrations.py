"""The schema, as numbered migrations: each runs once, in order, inside one write.

Version 1 made the tables; version 2 closes a hole in the append-only guard: `INSERT OR
REPLACE` deletes the row it replaces without firing the delete trigger (while SQLite's
`recursive_triggers` is off), so an event could be rewritten and the search index left
stale. An insert whose id or seq is already stored is now refused by the schema itself,
whoever writes the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 2
# The oldest schema this cockpit can read without upgrading it first (a read-only file
# cannot be upgraded): version 2 only added a trigger.
READABLE_FROM = 1
APP_ID = 0x436F636B  # "Cock": marks the file as a cockpit database

# The append-only guard: the log is never edited, corrections are new events.
GUARDS: dict[str, str] = {
    "events_no_update": (
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable; log a correction instead'); END"
    ),
    "events_no_delete": (
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable; log a retraction instead'); END"
    ),
    # seq is NEW.seq when given, and -1 when SQLite is to choose it.
    "events_no_replace": (
        "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
        "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) "
        "OR EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq) "
        "BEGIN SELECT RAISE(ABORT, "
        "'events are immutable; an event with this id or seq is already stored'); END"
    ),
}


def _m1(conn: sqlite3.Connection) -> None:
    import sqlite_utils

    from cockpit.ulid import new_ulid

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
    conn.execute(GUARDS["events_no_update"])
    conn.execute(GUARDS["events_no_delete"])
    conn.execute("INSERT INTO settings (key, value) VALUES ('origin', ?)", (new_ulid(),))


def _m2(conn: sqlite3.Connection) -> None:
    conn.execute(GUARDS["events_no_replace"])


MIGRATIONS: list[tuple[int, str, Callable[[sqlite3.Connection], None]]] = [
    (1, "events, incidents, settings and the full-text index", _m1),
    (2, "refuse an insert whose id or seq is already stored", _m2),
]
