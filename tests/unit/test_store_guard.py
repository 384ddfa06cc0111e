"""The append-only guard holds against any writer of the file, INSERT OR REPLACE included,
and files made by the first schema are upgraded to it when opened for writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cockpit.clock import ManualClock
from cockpit.dbfile import Access
from cockpit.migrations import APP_ID, MIGRATIONS
from cockpit.store import SCHEMA_VERSION, Store
from tests.conftest import T0
from tests.unit.test_store import declare, note

COLUMNS = (
    "seq, id, incident_id, kind, occurred_at, recorded_at, occurred_us, recorded_us, "
    "author, origin, data, text"
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def stored_row(path: Path, event_id: str) -> tuple[Any, ...]:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(f"SELECT {COLUMNS} FROM events WHERE id = ?", (event_id,)).fetchone()
    finally:
        conn.close()
    assert row is not None
    return tuple(row)


def search_index_agrees(path: Path) -> bool:
    """FTS5's own check of the index against the events it indexes."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def rewrite(path: Path, sql: str, row: tuple[Any, ...]) -> None:
    """Another program's connection trying to rewrite an event."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql, row)
        conn.commit()
    finally:
        conn.close()


def forged(row: tuple[Any, ...], *, same_seq: bool, same_id: bool) -> tuple[Any, ...]:
    seq, event_id, *rest = row
    rest[-1] = "forged text that was never logged"
    return (
        seq if same_seq else None,
        event_id if same_id else "01ZZZZZZZZZZZZZZZZZZZZZZZZ",
        *rest,
    )


VALUES = f"({COLUMNS}) VALUES ({', '.join('?' * 12)})"
REPLACES = {
    "insert-or-replace": f"INSERT OR REPLACE INTO events {VALUES}",
    "replace": f"REPLACE INTO events {VALUES}",
    "insert-or-ignore": f"INSERT OR IGNORE INTO events {VALUES}",
}


@pytest.mark.parametrize("sql", REPLACES.values(), ids=REPLACES.keys())
@pytest.mark.parametrize(
    ("same_seq", "same_id"), [(True, True), (True, False), (False, True)], ids=["both", "seq", "id"]
)
def test_an_existing_id_or_seq_cannot_be_inserted_again(
    tmp_path: Path, clock: ManualClock, sql: str, same_seq: bool, same_id: bool
) -> None:
    path = tmp_path / "cockpit.db"
    with Store(path, clock) as store:
        declared = declare(store)
        entry = note(store, declared.incident_id, "the original words")
        before = list(store.raw_events(declared.incident_id))
    original = stored_row(path, entry.id)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        rewrite(path, sql, forged(original, same_seq=same_seq, same_id=same_id))
    assert stored_row(path, entry.id) == original
    assert search_index_agrees(path)
    with Store(path, clock) as store:
        assert list(store.raw_events(declared.incident_id)) == before
        assert [hit["id"] for hit in store.search("original words")] == [entry.id]
        assert store.search("forged") == []
        assert store.count_events() == 2


def test_a_new_event_from_another_program_is_still_appended(
    tmp_path: Path, clock: ManualClock
) -> None:
    # The guard refuses only what is already stored: the log stays open to appends.
    path = tmp_path / "cockpit.db"
    with Store(path, clock) as store:
        declared = declare(store)
        entry = note(store, declared.incident_id, "first")
    row = forged(stored_row(path, entry.id), same_seq=False, same_id=False)
    rewrite(path, REPLACES["insert-or-replace"], row)
    with Store(path, clock) as store:
        assert store.count_events() == 3
        assert [hit["text"] for hit in store.search("forged")] == [row[-1]]


def test_append_stays_idempotent_under_the_guard(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "cockpit.db"
    with Store(path, clock) as store, Store(path, clock) as other:
        declared = declare(store)
        entry = store.new_event(declared.incident_id, "entry.note", {"text": "once"}, author="a")
        fresh = store.new_event(declared.incident_id, "entry.note", {"text": "new"}, author="a")
        assert store.append([entry]) == [entry]
        assert other.append([entry, fresh, entry]) == [fresh]
        assert store.append([entry]) == []
        assert store.count_events() == 3
        assert store.incidents()[0].event_count == 3


def make_version_1(path: Path, clock: ManualClock) -> None:
    """A file exactly as the first schema made it (WAL, migration 1 only)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    number, name, step = MIGRATIONS[0]
    assert number == 1
    step(conn)
    conn.execute(
        "INSERT INTO migrations (number, name, applied_at) VALUES (1, ?, '2026-01-01T00:00:00Z')",
        (name,),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("access", ["write", "read"])
def test_a_version_1_file_is_upgraded_when_it_can_be_written(
    tmp_path: Path, clock: ManualClock, access: Access
) -> None:
    # A command that only reads upgrades it too where the file can be written (a file that
    # cannot be is read as it is: see test_store_open.py).
    path = tmp_path / "old.db"
    make_version_1(path, clock)
    with Store(path, clock, access=access):
        pass
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("PRAGMA application_id").fetchone() == (APP_ID,)
        numbers = [r[0] for r in conn.execute("SELECT number FROM migrations ORDER BY number")]
        assert numbers == [1, 2]
    finally:
        conn.close()
    with Store(path, clock) as store:
        declared = declare(store)
        entry = note(store, declared.incident_id, "kept as typed")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        rewrite(
            path,
            REPLACES["insert-or-replace"],
            forged(stored_row(path, entry.id), same_seq=True, same_id=True),
        )
    assert stored_row(path, entry.id)[-1] == "kept as typed"
    assert search_index_agrees(path)
