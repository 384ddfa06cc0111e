"""`cockpit doctor`, and damage reaching the user as one specific line (issue 10, item 7).

The damage is real: bytes overwritten in one page of a real database file, found by its
page size, sqlite_master's root pages and the b-tree's own child pointers."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.helpers import Run, declare_in_process, log_lines
from tests.damage import child_pages, damage, root_page, settle

ENTRIES = 300


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def scene(run: Run, db: Path) -> tuple[str, list[str]]:
    """An incident with 300 entries, settled into the file; its ref and events (JSONL)."""
    ref = declare_in_process("Checkout errors")
    log_lines(ref, *(f"entry {i} about the connection pool of db-{i % 7}" for i in range(ENTRIES)))
    settle(db)
    return ref, run("events", ref).ok().stdout.splitlines()


def report(run: Run, *args: str) -> dict[str, dict[str, str]]:
    result = run("doctor", "--json", *args)
    data = json.loads(result.stdout)
    assert result.returncode == (0 if data["healthy"] else 2), result
    return {check["check"]: check for check in data["checks"]}


def test_a_healthy_database(run: Run, scene: tuple[str, list[str]]) -> None:
    out = run("doctor").ok().stdout.splitlines()
    assert out[0].endswith(f"healthy ({ENTRIES + 1} events, 1 incident)")
    assert [line.split(":")[0].strip() for line in out[1:]] == [
        "pages",
        "projection",
        "search index",
        "append-only guard",
    ]
    assert all(": ok: " in line for line in out[1:])
    assert {c["state"] for c in report(run).values()} == {"ok"}


def test_a_damaged_index_page_no_view_reads(
    run: Run, db: Path, scene: tuple[str, list[str]], tmp_path: Path
) -> None:
    ref, events = scene
    damage(db, root_page(db, "idx_events_id"))
    # Reading goes on as if nothing were wrong: no view reads that index...
    assert run("events", ref).ok().stdout.splitlines() == events
    run("show", ref).ok()
    # ...but logging does, and says so in one line (it was "unexpected DatabaseError").
    for args in (["log", ref, "one more"], ["declare", "another"]):
        err = run(*args).error_line(2)
        assert "the database is damaged" in err and "nothing was logged" in err, err
        assert "unexpected" not in err and "cockpit doctor" in err
    # The doctor finds it, says every event still reads, and how to save them.
    result = run("doctor")
    assert result.returncode == 2
    assert "damaged pages in the event log" in result.stdout
    assert f"all {ENTRIES + 1} events still read whole" in result.stdout
    assert "--salvage" in result.stdout and "cockpit events REF --jsonl" in result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("cockpit: error: ") and "pages" in line
    # --repair does not write into a damaged file.
    before = digest(db)
    assert run("doctor", "--repair").returncode == 2
    assert digest(db) == before
    # --salvage copies every event into a new, whole file.
    new = tmp_path / "saved.db"
    saved = run("doctor", "--salvage", str(new)).ok().stdout
    assert saved.startswith(f"copied {ENTRIES + 1} events of 1 incident into {new}")
    run("--db", str(new), "doctor").ok()
    assert run("--db", str(new), "events", ref).ok().stdout.splitlines() == events
    assert len(run("--db", str(new), "search", "pool", "--json").ok().json()) == 50  # the limit
    run("--db", str(new), "log", ref, "logged in the saved copy").ok()
    assert digest(db) == before


def test_a_damaged_page_of_the_log_loses_only_its_own_events(
    run: Run, db: Path, scene: tuple[str, list[str]], tmp_path: Path
) -> None:
    ref, events = scene
    leaves = child_pages(db, root_page(db, "events"))
    assert len(leaves) > 4
    damage(db, leaves[2])
    err = run("timeline", ref).error_line(2)
    assert "the database is damaged" in err and "unexpected" not in err
    checks = report(run)
    assert checks["pages"]["state"] == "problem"
    assert "damaged pages in the event log" in checks["pages"]["detail"]
    assert "some events cannot be read" in checks["pages"]["detail"]
    assert not checks["pages"]["repairable"]
    new = tmp_path / "saved.db"
    result = run("doctor", "--salvage", str(new), "--json")
    assert result.returncode == 2
    saved = json.loads(result.stdout)
    lost = sum(last - first + 1 for first, last in saved["lost"])
    assert 0 < lost < 40 and saved["copied"] == ENTRIES + 1 - lost
    kept = run("--db", str(new), "events", ref).ok().stdout.splitlines()
    assert len(kept) == saved["copied"]
    assert set(kept) <= set(events)  # byte for byte what was logged
    run("--db", str(new), "doctor").ok()


def test_damage_where_a_command_never_looks_is_found(
    run: Run, db: Path, scene: tuple[str, list[str]]
) -> None:
    ref, _ = scene
    damage(db, root_page(db, "events_fts_data"))  # only search reads it
    run("show", ref).ok()
    run("timeline", ref).ok()
    checks = report(run)
    assert checks["pages"]["state"] == "problem"
    assert "damaged pages in the search index" in checks["pages"]["detail"]
    assert "every event still reads whole" in checks["pages"]["detail"]


def test_derived_data_out_of_step_is_repaired(
    run: Run, db: Path, scene: tuple[str, list[str]]
) -> None:
    ref, events = scene
    conn = sqlite3.connect(db)
    conn.execute("UPDATE incidents SET status = 'closed', event_count = 2")
    seq, text = conn.execute("SELECT seq, text FROM events WHERE text LIKE 'entry 7 %'").fetchone()
    conn.execute(
        "INSERT INTO events_fts (events_fts, rowid, text) VALUES ('delete', ?, ?)", (seq, text)
    )
    conn.execute("DROP TRIGGER events_no_delete")
    conn.commit()
    conn.close()
    assert run("list", "--json").ok().json() == []  # the projection says closed
    checks = report(run)
    assert checks["pages"]["state"] == "ok"
    for name in ("projection", "search index", "append-only guard"):
        assert checks[name]["state"] == "problem", name
        assert checks[name]["repairable"] and "--repair" in checks[name]["fix"]
    assert "status" in checks["projection"]["detail"]
    assert "events_no_delete missing" in checks["append-only guard"]["detail"]

    out = run("doctor", "--repair").ok().stdout.splitlines()
    assert out[:3] == [
        "repaired: the incidents table rebuilt from the events",
        "repaired: the search index rebuilt from the entries",
        "repaired: the append-only guard restored",
    ]
    assert "healthy" in out[3]
    run("doctor").ok()
    assert [i["ref"] for i in run("list", "--json").ok().json()] == [ref]
    assert [h["text"] for h in run("search", "entry", "7", "--json").ok().json()] == [text]
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        conn.execute("DELETE FROM events WHERE seq = ?", (seq,))
    conn.close()
    assert run("events", ref).ok().stdout.splitlines() == events


def test_salvage_never_overwrites(run: Run, scene: tuple[str, list[str]], tmp_path: Path) -> None:
    there = tmp_path / "there.db"
    there.write_text("keep me")
    err = run("doctor", "--salvage", str(there)).error_line(2)
    assert "already exists" in err
    assert there.read_text() == "keep me"
    assert "--salvage" in run("doctor", "--salvage", "").error_line(1)
    assert "not allowed with" in run("doctor", "--repair", "--salvage", "x.db").error_line(1)
