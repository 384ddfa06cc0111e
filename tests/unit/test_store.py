"""The store: one SQLite file holding the append-only event log."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit import ulid
from cockpit.clock import ManualClock
from cockpit.events import Event
from cockpit.incident import ref_for
from cockpit.policy import load_policy
from cockpit.records import Rec
from cockpit.store import APP_ID, SCHEMA_VERSION, RefError, Store, StoreError
from tests.conftest import T0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cockpit.db"


@pytest.fixture
def store(db_path: Path, clock: ManualClock) -> Any:
    with Store(db_path, clock) as s:
        yield s


def incident_id_at(when: datetime, random_part: str | None = None) -> str:
    """An incident id made at `when`; `random_part` (16 Crockford characters) if given."""
    ms = (when - datetime(1970, 1, 1, tzinfo=when.tzinfo)) // timedelta(milliseconds=1)
    made = ulid.new_ulid(ms)
    if random_part is None:
        return made
    assert len(random_part) == 16
    return made[:10] + random_part


def declare(
    store: Store,
    title: str = "Checkout errors",
    *,
    incident_id: str | None = None,
    severity: str = "SEV-2",
    at: datetime | None = None,
) -> Event:
    policy, _ = load_policy("sev")
    when = at or store.clock.now()
    event = store.new_event(
        incident_id or incident_id_at(when),
        "incident.declared",
        {
            "title": title,
            "severity": severity,
            "policy": policy.copy_for_event(),
            "exercise": False,
            "zone": "Europe/Berlin",
        },
        author="alice",
        occurred_at=when,
    )
    assert store.append([event]) == [event]
    return event


def log(
    store: Store,
    incident_id: str,
    kind: str,
    data: dict[str, Any],
    *,
    at: datetime | None = None,
) -> Event:
    event = store.new_event(incident_id, kind, data, author="bob", occurred_at=at)
    assert store.append([event]) == [event]
    return event


def note(store: Store, incident_id: str, text: str, at: datetime | None = None) -> Event:
    return log(store, incident_id, "entry.note", {"text": text, "mentions": []}, at=at)


# opening a new file -----------------------------------------------------------------------
def test_new_database_is_readable_by_its_owner_only(db_path: Path, clock: ManualClock) -> None:
    assert not db_path.parent.exists()
    with Store(db_path, clock) as store:
        declare(store)
        assert db_path.parent.is_dir()
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
        # The write-ahead log holds the same data: it must be as private as the file.
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_new_database_in_nested_missing_folders(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "a" / "b" / "c" / "cockpit.db"
    with Store(path, clock):
        pass
    assert path.is_file()


def test_wal_synchronous_full_and_busy_timeout(store: Store) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APP_ID
    # WAL is a property of the file: another program opening it sees it too.
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_plain_tables_named_for_people(store: Store) -> None:
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"events", "incidents", "settings", "migrations", "events_fts"} <= names
    assert store.integrity_check() == "ok"


def test_origin_is_stable_per_database(db_path: Path, clock: ManualClock) -> None:
    with Store(db_path, clock) as first:
        origin = first.origin
    with Store(db_path, clock) as second:
        assert second.origin == origin
    assert ulid.is_ulid(origin)


# appending --------------------------------------------------------------------------------
def test_append_returns_events_readable_by_a_second_store(
    store: Store, db_path: Path, clock: ManualClock
) -> None:
    declared = declare(store)
    first = note(store, declared.incident_id, "Error rate at 40%")
    with Store(db_path, clock) as other:
        recs = other.recs(declared.incident_id)
        assert [r.id for r in recs] == [declared.id, first.id]
        assert recs[1].data["text"] == "Error rate at 40%"
        assert recs[1].author == "bob"
        assert recs[1].origin == store.origin
        assert other.count_events() == 2
        assert [row.id for row in other.incidents()] == [declared.incident_id]


def test_append_is_one_transaction_and_returns_what_was_stored(store: Store) -> None:
    declared = declare(store)
    events = [
        store.new_event(declared.incident_id, "entry.note", {"text": f"n{i}"}, author="a")
        for i in range(5)
    ]
    assert store.append(events) == events
    assert store.count_events() == 6
    assert store.append([]) == []


def test_append_same_event_twice_stores_it_once(store: Store) -> None:
    declared = declare(store)
    entry = store.new_event(declared.incident_id, "entry.note", {"text": "once"}, author="a")
    assert store.append([entry]) == [entry]
    assert store.append([entry]) == []
    assert store.append([entry, entry]) == []
    assert store.count_events() == 2
    assert [r.id for r in store.recs(declared.incident_id)].count(entry.id) == 1
    assert store.incidents()[0].event_count == 2


def test_append_same_event_from_another_store_is_idempotent(
    store: Store, db_path: Path, clock: ManualClock
) -> None:
    declared = declare(store)
    with Store(db_path, clock) as other:
        assert other.append([declared]) == []
        assert other.count_events() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET author = 'mallory'",
        "UPDATE events SET data = '{}' WHERE kind = 'entry.note'",
        "DELETE FROM events",
        "DELETE FROM events WHERE kind = 'entry.note'",
    ],
)
def test_events_cannot_be_updated_or_deleted(store: Store, sql: str) -> None:
    declared = declare(store)
    note(store, declared.incident_id, "the original text")
    before = list(store.raw_events(declared.incident_id))
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        store.conn.execute(sql)
    # Not through another program's connection either.
    other = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="immutable"):
            other.execute(sql)
        other.rollback()
    finally:
        other.close()
    assert list(store.raw_events(declared.incident_id)) == before


# the incidents projection -----------------------------------------------------------------
def projection(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()


def test_projection_follows_the_latest_state_by_occurred_time(
    store: Store, clock: ManualClock
) -> None:
    declared = declare(store, "Checkout errors", severity="SEV-3")
    iid = declared.incident_id
    clock.advance(minutes=10)
    log(store, iid, "severity.set", {"level": "SEV-1"})
    # Logged later, but backdated before the SEV-1: it does not win.
    clock.advance(minutes=1)
    log(store, iid, "severity.set", {"level": "SEV-2"}, at=T0 + timedelta(minutes=5))
    log(store, iid, "title.set", {"title": "Payments failing"})
    log(store, iid, "status.set", {"status": "mitigated"})
    [row] = store.incidents()
    assert row.id == iid
    assert row.ref == ref_for(iid)
    assert row.title == "Payments failing"
    assert row.severity == "SEV-1"
    assert row.status == "mitigated"
    assert row.exercise is False
    assert row.declared_at == T0
    assert row.event_count == 5


def test_projection_matches_a_rebuild(store: Store, clock: ManualClock) -> None:
    first = declare(store, "Checkout errors", severity="SEV-1")
    clock.advance(minutes=3)
    second = declare(store, "Slow search", severity="SEV-3")
    clock.advance(minutes=2)
    log(store, first.incident_id, "title.set", {"title": "Checkout down"})
    log(store, second.incident_id, "severity.set", {"level": "SEV-2"})
    note(store, first.incident_id, "rolled back")
    log(store, second.incident_id, "status.set", {"status": "closed", "reason": "resolved"})
    before = projection(store)
    assert len(before) == 2

    assert store.rebuild_projection() == 2
    assert projection(store) == before

    # Even from an emptied table.
    store.conn.execute("DELETE FROM incidents")
    assert store.rebuild_projection() == 2
    assert projection(store) == before


def test_incidents_lists_open_ones_newest_first(store: Store, clock: ManualClock) -> None:
    old = declare(store, "Old")
    clock.advance(minutes=5)
    new = declare(store, "New")
    clock.advance(minutes=5)
    closed = declare(store, "Closed")
    log(store, closed.incident_id, "status.set", {"status": "closed"})
    assert [r.id for r in store.incidents()] == [new.incident_id, old.incident_id]
    assert [r.id for r in store.incidents(include_closed=True)] == [
        closed.incident_id,
        new.incident_id,
        old.incident_id,
    ]
    for row in store.incidents():
        assert row.declared_at is not None and row.declared_at.utcoffset() == timedelta(0)


# resolving refs ---------------------------------------------------------------------------
@pytest.fixture
def two_alike(store: Store) -> tuple[Store, str, str]:
    """Two incidents whose refs share the prefix INC-ABC: INC-ABCDEF and INC-ABCXYZ."""
    a = declare(store, "Checkout errors", incident_id=incident_id_at(T0, "ABCDEF" + "0" * 10))
    b = declare(store, "Slow search", incident_id=incident_id_at(T0, "ABCXYZ" + "0" * 10))
    assert ref_for(a.incident_id) == "INC-ABCDEF"
    assert ref_for(b.incident_id) == "INC-ABCXYZ"
    return store, a.incident_id, b.incident_id


@pytest.mark.parametrize(
    "text",
    ["INC-ABCDEF", "inc-abcdef", "INC-ABCD", "inc-abcde", "ABCDEF", "abcd", "  INC-ABCDEF  "],
)
def test_resolve_full_ref_prefix_and_lowercase(
    two_alike: tuple[Store, str, str], text: str
) -> None:
    store, a, _ = two_alike
    assert store.resolve(text) == a


def test_resolve_full_id_and_id_prefix(two_alike: tuple[Store, str, str]) -> None:
    store, a, b = two_alike
    assert store.resolve(a) == a
    assert store.resolve(b.lower()) == b
    assert store.resolve(a[:14]) == a  # time part plus ABCD
    assert store.resolve(b[:14]) == b


@pytest.mark.parametrize("text", ["INC-ZZZZZZ", "INC-ABCDEFG", "ZZZ", "", "INC-", "INC-!!", "%"])
def test_resolve_unknown_is_a_ref_error(two_alike: tuple[Store, str, str], text: str) -> None:
    store, _, _ = two_alike
    with pytest.raises(RefError):
        store.resolve(text)


@pytest.mark.parametrize("text", ["INC-ABC", "inc-ab", "ABC", "INC-A"])
def test_resolve_ambiguous_lists_the_candidates(
    two_alike: tuple[Store, str, str], text: str
) -> None:
    store, _, _ = two_alike
    with pytest.raises(RefError) as info:
        store.resolve(text)
    message = str(info.value)
    assert "ambiguous" in message
    assert "INC-ABCDEF" in message and "Checkout errors" in message
    assert "INC-ABCXYZ" in message and "Slow search" in message


def test_resolve_ambiguous_id_prefix(two_alike: tuple[Store, str, str]) -> None:
    store, a, _ = two_alike
    with pytest.raises(RefError, match="ambiguous"):
        store.resolve(a[:13])  # the shared time part plus ABC


# files that are not ours ------------------------------------------------------------------
def assert_refused_untouched(path: Path, clock: ManualClock, match: str) -> None:
    before = path.read_bytes()
    folder_before = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(StoreError, match=match) as info:
        Store(path, clock)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before
    # nothing beside it either: no -wal or -shm left by a look at a refused file
    assert sorted(p.name for p in path.parent.iterdir()) == folder_before


@pytest.mark.parametrize(
    "content",
    [
        b"just some notes, not a database\n" * 20,
        b"\x00" * 4096,
        b"SQLite format 2\x00" + b"\x00" * 100,
    ],
    ids=["text", "zeros", "almost-header"],
)
def test_non_sqlite_file_is_refused_untouched(
    tmp_path: Path, clock: ManualClock, content: bytes
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    assert_refused_untouched(path, clock, "not an SQLite database")


def test_damaged_sqlite_file_is_refused_untouched(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "damaged.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x01" * 500)
    assert_refused_untouched(path, clock, "damaged or not a cockpit database")


def make_sqlite(path: Path, *, user_version: int, app_id: int, wal: bool = False) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {app_id}")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO things (name) VALUES ('precious')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_newer_schema_is_refused_untouched(tmp_path: Path, clock: ManualClock, wal: bool) -> None:
    path = tmp_path / "future.db"
    make_sqlite(path, user_version=99, app_id=APP_ID, wal=wal)
    assert_refused_untouched(path, clock, "newer")


def test_newer_schema_of_a_real_store_is_refused_untouched(
    db_path: Path, clock: ManualClock
) -> None:
    with Store(db_path, clock) as store:
        declare(store)
        store.conn.execute("PRAGMA user_version = 99")
    assert_refused_untouched(db_path, clock, "newer")


@pytest.mark.parametrize("user_version", [0, 7])
def test_database_of_another_program_is_refused_untouched(
    tmp_path: Path, clock: ManualClock, user_version: int
) -> None:
    # Many programs keep their own schema number in user_version.
    path = tmp_path / "places.sqlite"
    make_sqlite(path, user_version=user_version, app_id=0)
    assert_refused_untouched(path, clock, "another program")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT name FROM things").fetchall() == [("precious",)]
    finally:
        conn.close()


def test_directory_is_refused(tmp_path: Path, clock: ManualClock) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    with pytest.raises(StoreError, match="directory"):
        Store(folder, clock)
    assert list(folder.iterdir()) == []


def test_folder_that_is_a_file_is_refused(tmp_path: Path, clock: ManualClock) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("in the way")
    with pytest.raises(StoreError):
        Store(blocker / "cockpit.db", clock)
    assert blocker.read_text() == "in the way"


# search -----------------------------------------------------------------------------------
@pytest.fixture
def searchable(store: Store, clock: ManualClock) -> tuple[Store, str, dict[str, Event]]:
    declared = declare(store)
    iid = declared.incident_id
    entries = {}
    clock.advance(minutes=1)
    entries["disk"] = note(store, iid, "Disk full on db-3")
    clock.advance(minutes=1)
    entries["rollback"] = log(
        store, iid, "entry.decision", {"text": "Roll back deploy 4512", "mentions": []}
    )
    clock.advance(minutes=1)
    entries["replica"] = log(
        store, iid, "entry.hypothesis", {"text": "The replica is lagging", "mentions": []}
    )
    return store, iid, entries


def test_search_plain_words(searchable: tuple[Store, str, dict[str, Event]]) -> None:
    store, iid, entries = searchable
    [hit] = store.search("disk")
    assert hit["id"] == entries["disk"].id
    assert hit["incident_id"] == iid
    assert hit["ref"] == ref_for(iid)
    assert hit["kind"] == "entry.note"
    assert hit["text"] == "Disk full on db-3"
    assert hit["author"] == "bob"
    assert [h["id"] for h in store.search("DISK Full")] == [entries["disk"].id]
    assert [h["id"] for h in store.search("roll back")] == [entries["rollback"].id]
    assert [h["kind"] for h in store.search("replica")] == ["entry.hypothesis"]


def test_search_needs_every_word(searchable: tuple[Store, str, dict[str, Event]]) -> None:
    store, _, _ = searchable
    assert store.search("disk replica") == []
    assert store.search("nothing-like-this") == []


def test_search_newest_first(searchable: tuple[Store, str, dict[str, Event]]) -> None:
    store, iid, entries = searchable
    later = note(store, iid, "disk cleaned up", at=T0 + timedelta(minutes=30))
    assert [h["id"] for h in store.search("disk")] == [later.id, entries["disk"].id]


HOSTILE = [
    '"',
    '""',
    '"disk',
    'disk"',
    '"disk full',
    "AND",
    "OR",
    "NOT",
    "disk AND",
    "a OR",
    "OR disk",
    "NOT disk",
    "NEAR(",
    "NEAR(disk full)",
    "NEAR(disk, 5)",
    "*",
    "disk*",
    "^disk",
    "text:disk",
    "{text}: disk",
    "(",
    ")",
    "disk)",
    "-disk",
    "+",
    ":",
    "'",
    "\\",
    "%",
    "_",
    "",
    "   ",
    "\x00",
    "disk\x00full",
    "\udcff",  # what argv holds for a byte that is not UTF-8 (`cockpit search $'\\xff'`)
    "\x1b[31m",
    "🔥",
]


@pytest.mark.parametrize("words", HOSTILE)
def test_search_never_raises_on_hostile_input(
    searchable: tuple[Store, str, dict[str, Event]], words: str
) -> None:
    store, _, _ = searchable
    hits = store.search(words)
    assert isinstance(hits, list)


def test_search_operators_are_plain_words(searchable: tuple[Store, str, dict[str, Event]]) -> None:
    store, iid, _ = searchable
    assert store.search("disk AND") == []  # no entry holds the word "and"
    with_and = note(store, iid, "disk and memory")
    assert [h["id"] for h in store.search("disk AND")] == [with_and.id]
    assert [h["id"] for h in store.search('"disk')] != []


def test_search_never_raises_for_any_text(store: Store) -> None:
    declared = declare(store)
    note(store, declared.incident_id, "Disk full on db-3")

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=40))
    def check(words: str) -> None:
        assert isinstance(store.search(words), list)

    check()


def test_amended_text_is_searchable_and_maps_to_the_original(
    searchable: tuple[Store, str, dict[str, Event]],
) -> None:
    store, iid, entries = searchable
    original = entries["disk"]
    log(store, iid, "entry.amended", {"target": original.id, "text": "Disk full on db-4 (inodes)"})
    [hit] = store.search("inodes")
    assert hit["id"] == original.id
    assert hit["incident_id"] == iid
    assert "inodes" in hit["text"]


def test_state_events_are_not_entries_in_search(store: Store) -> None:
    declared = declare(store, "Quokka outage")
    log(store, declared.incident_id, "title.set", {"title": "Wombat outage"})
    assert store.search("wombat") == []


# reading back -----------------------------------------------------------------------------
def test_recs_are_light_records_in_occurred_order(store: Store, clock: ManualClock) -> None:
    declared = declare(store)
    iid = declared.incident_id
    clock.advance(minutes=10)
    late = note(store, iid, "ten minutes in")
    backdated = note(store, iid, "at two minutes", at=T0 + timedelta(minutes=2, microseconds=7))
    same = T0 + timedelta(minutes=5)
    tie_a = store.new_event(iid, "entry.note", {"text": "tie a"}, author="a", occurred_at=same)
    tie_b = store.new_event(iid, "entry.note", {"text": "tie b"}, author="a", occurred_at=same)
    assert tie_a.id < tie_b.id
    store.append([tie_b, tie_a])  # stored in the other order

    recs = store.recs(iid)
    assert [r.id for r in recs] == [declared.id, backdated.id, tie_a.id, tie_b.id, late.id]
    for rec in recs:
        assert isinstance(rec, Rec)
        assert not isinstance(rec, Event)
        assert isinstance(rec.data, dict)
        assert rec.occurred_at.utcoffset() == timedelta(0)
        assert rec.recorded_at.utcoffset() == timedelta(0)
    by_id = {r.id: r for r in recs}
    assert by_id[backdated.id].occurred_at == T0 + timedelta(minutes=2, microseconds=7)
    assert by_id[backdated.id].recorded_at == T0 + timedelta(minutes=10)
    assert by_id[late.id].data == {"text": "ten minutes in", "mentions": []}
    # A light record turns back into the very event that was stored.
    assert by_id[late.id].to_event() == late


def test_recs_of_one_incident_only(store: Store, clock: ManualClock) -> None:
    a = declare(store, "A")
    clock.advance(seconds=1)
    b = declare(store, "B")
    note(store, b.incident_id, "for b")
    assert [r.id for r in store.recs(a.incident_id)] == [a.id]
    assert store.recs(ulid.new_ulid(0)) == []


def test_raw_events_are_json_ready(store: Store) -> None:
    declared = declare(store)
    entry = note(store, declared.incident_id, "hello")
    raw = list(store.raw_events(declared.incident_id))
    assert raw[1] == entry.to_json()
    assert raw[1]["occurred_at"] == "2026-03-04T14:00:00Z"


def test_another_connection_notices_new_events(
    store: Store, db_path: Path, clock: ManualClock
) -> None:
    declared = declare(store)
    seq = store.newest_seq()
    version = store.data_version()
    assert store.recs_since(seq) == ([], seq)

    with Store(db_path, clock) as writer:
        written = note(writer, declared.incident_id, "from another cockpit")

    assert store.data_version() != version
    recs, newest = store.recs_since(seq)
    assert [r.id for r in recs] == [written.id]
    assert recs[0].incident_id == declared.incident_id
    assert recs[0].data["text"] == "from another cockpit"
    assert newest == store.newest_seq() > seq
    assert store.recs_since(newest) == ([], newest)
    assert store.recs(declared.incident_id)[-1].id == written.id


def test_recs_since_zero_is_everything_in_storage_order(store: Store) -> None:
    declared = declare(store)
    backdated = note(store, declared.incident_id, "earlier", at=T0 - timedelta(hours=1))
    recs, newest = store.recs_since(0)
    assert [r.id for r in recs] == [declared.id, backdated.id]
    assert newest == store.newest_seq()


def test_settings_persist(db_path: Path, clock: ManualClock) -> None:
    with Store(db_path, clock) as store:
        assert store.get_setting("policy") is None
        assert store.get_setting("policy", "sev") == "sev"
        store.set_setting("policy", "p0")
        store.set_setting("policy", "bank")
    with Store(db_path, clock) as store:
        assert store.get_setting("policy") == "bank"
