"""The writer: commits in a thread and on a connection of its own, in the order given."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store, StoreError
from tests.conftest import T0

HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


@pytest.fixture
def cockpit(tmp_path: Path) -> Cockpit:
    clock = ManualClock(T0)
    return Cockpit(Store(tmp_path / "w.db", clock), clock, author="alice")


def test_jobs_commit_in_the_order_given_and_a_failure_stops_none_after_it(cockpit: Cockpit):
    incident_id = cockpit.declare("x", "1").incident_id
    notes = [cockpit.line_events(incident_id, f"note {n}") for n in range(20)]
    futures = [cockpit.writer.append(events) for events in notes[:10]]
    failing = cockpit.writer.submit(lambda c: c.log(incident_id, "/sev 9"))
    futures += [cockpit.writer.append(events) for events in notes[10:]]
    for future in futures:
        future.result(timeout=30)
    with pytest.raises(ValueError, match="not a level"):
        failing.result(timeout=30)
    texts = [r.text for r in cockpit.store.recs(incident_id) if r.kind == "entry.note"]
    assert texts == [f"note {n}" for n in range(20)]
    assert cockpit.writer.pending == 0


def test_the_caller_is_not_held_while_another_process_holds_the_lock(cockpit: Cockpit):
    incident_id = cockpit.declare("x", "1").incident_id
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(cockpit.store.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        future = cockpit.writer.append(cockpit.line_events(incident_id, "behind the lock"))
        # Submitting returned; the commit waits, and reading on this thread works.
        assert not future.done() and cockpit.writer.pending == 1
        assert cockpit.store.count_events() == 1
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        [stored] = future.result(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
    assert cockpit.store.entry_text(stored.id) == "behind the lock"
    # A second lock is honoured the same way: the writer's connection keeps this
    # process's locks intact (it opens no file handle outside SQLite).
    probe = sqlite3.connect(cockpit.store.path, isolation_level=None, timeout=0.1)
    cockpit.writer.append(cockpit.line_events(incident_id, "again")).result(timeout=30)
    probe.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            cockpit.store.conn.execute("BEGIN IMMEDIATE")
    finally:
        probe.execute("ROLLBACK")


def test_reads_on_the_callers_connection_never_see_a_write_in_progress(cockpit: Cockpit):
    inside, finish = threading.Event(), threading.Event()

    def half_done(writing: Cockpit) -> None:
        conn = writing.store.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO settings (key, value) VALUES ('probe', 'uncommitted')")
        inside.set()
        finish.wait(timeout=30)
        conn.execute("ROLLBACK")

    future = cockpit.writer.submit(half_done)
    assert inside.wait(timeout=30)
    assert cockpit.store.get_setting("probe") is None  # another connection: not seen
    finish.set()
    future.result(timeout=30)


def test_a_store_error_reaches_the_caller_and_the_writer_goes_on(cockpit: Cockpit):
    incident_id = cockpit.declare("x", "1").incident_id
    cockpit.store.conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.text = 'refused' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    failed = cockpit.writer.append(cockpit.line_events(incident_id, "refused"))
    kept = cockpit.writer.append(cockpit.line_events(incident_id, "kept"))
    with pytest.raises(StoreError, match="refused by the test"):
        failed.result(timeout=30)
    kept.result(timeout=30)
    texts = [r.text for r in cockpit.store.recs(incident_id) if r.kind == "entry.note"]
    assert texts == ["kept"]


def test_closing_finishes_what_was_queued_and_a_later_job_starts_afresh(cockpit: Cockpit):
    incident_id = cockpit.declare("x", "1").incident_id
    queued = cockpit.writer.append(cockpit.line_events(incident_id, "queued"))
    cockpit.writer.close()
    queued.result(timeout=30)
    later = cockpit.writer.append(cockpit.line_events(incident_id, "later"))
    later.result(timeout=30)
    texts = [r.text for r in cockpit.store.recs(incident_id) if r.kind == "entry.note"]
    assert texts == ["queued", "later"]


def test_a_database_that_cannot_be_opened_again_is_a_store_error(tmp_path: Path):
    clock = ManualClock(T0)
    store = Store(tmp_path / "gone" / "w.db", clock)
    shutil.rmtree(tmp_path / "gone")  # the file and its folder, under the open store
    with pytest.raises(StoreError):
        store.another_connection()
