"""Another process holding the database in SQLite's exclusive locking mode: every command
waits a bounded time, then says who holds it (as far as /proc shows) and that nothing was
logged. "database is locked" never reaches the user (issue 10, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli.helpers import Run, db_rows, run_cockpit
from tests.cli.test_odd_paths import run_wrapped

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
conn.execute("COMMIT")  # in exclusive locking mode the lock outlives the transaction
sys.stdout.write("holding\\n")
sys.stdout.flush()
sys.stdin.read()  # until the test lets go
"""

# The test's own wait: a command would otherwise wait up to 60 s for the lock.
QUICK = "1"


@contextmanager
def exclusive_holder(db: Path) -> Iterator[tuple[int, str]]:
    """A real second process holding the file exclusively; yields its pid and name."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline() == b"holding\n", proc.stderr
        name = Path(f"/proc/{proc.pid}/comm").read_text().strip()
        yield proc.pid, name
    finally:
        proc.stdin.close()
        proc.wait(30)


def quick_env() -> dict[str, str]:
    return dict(os.environ, COCKPIT_LOCK_WAIT=QUICK)


def count(db: Path) -> int:
    return int(db_rows(db, "SELECT count(*) FROM events")[0][0])


def test_a_write_behind_an_exclusive_lock_says_who_holds_it(run: Run, db: Path, ref: str) -> None:
    before = count(db)
    with exclusive_holder(db) as (pid, name):
        for args in (
            ["log", ref, "blocked entry"],
            ["declare", "blocked"],
            ["policy", "use", "p3"],
        ):
            err = run_cockpit(*args, env=quick_env()).error_line(2)
            assert f"{name} (pid {pid}) has it open" in err, err
            assert "nothing was logged" in err and f"waited {QUICK} s" in err, err
            assert "database is locked" not in err
    assert count(db) == before
    run("log", ref, "once it let go").ok()
    assert count(db) == before + 1


def test_a_read_behind_an_exclusive_lock_says_so(run: Run, db: Path, ref: str) -> None:
    with exclusive_holder(db) as (pid, name):
        for args in (["show", ref], ["list"], ["timeline", ref], ["search", "x"]):
            err = run_cockpit(*args, env=quick_env()).error_line(2)
            assert f"{name} (pid {pid}) has it open" in err, err
            assert "could not read it" in err, err
            assert "database is locked" not in err
        # Without COCKPIT_LOCK_WAIT a read waits the 5 s busy timeout, not a write's minute.
        assert "waited 5 s and could not read it" in run_cockpit("show", ref).error_line(2)
    run("show", ref).ok()


def test_without_proc_the_lock_is_still_one_clear_line(db: Path, ref: str) -> None:
    hide_proc = ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs none /proc && exec "$@"', "sh"]
    with exclusive_holder(db):
        err = run_wrapped(hide_proc, "log", ref, "x", env=quick_env()).error_line(2)
    assert "another process holds the database locked" in err
    assert "cannot be told" in err and "nothing was logged" in err


def test_a_lock_wait_that_is_not_a_number_is_a_warning(run: Run, ref: str) -> None:
    env = dict(os.environ, COCKPIT_LOCK_WAIT="soon")
    result = run_cockpit("list", env=env)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "cockpit: warning: COCKPIT_LOCK_WAIT='soon' is not a number of seconds (0 to 86400); "
        "waiting up to 60 s for a lock"
    ]
