"""Odd database paths through the real console script (issue 10, item 10).

A FIFO, a socket or a device is refused at once; `--db ""` is a usage error; an empty
file or an empty SQLite database is taken over with a warning; a database that cannot be
written (0444, a read-only folder, a read-only mount, an immutable file) stays readable by
every command that only reads, and a command that only reads creates no database at a
path it is given.

Where the test runs as root (as CI does), permission bits do not stop it: those cases run
the cockpit in a user namespace as an ordinary user owning the files (`unshare -U`), and
the read-only mount in a mount namespace of its own (`unshare -rm`).
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli import helpers
from tests.cli.helpers import COCKPIT, Result, Run, declare_in_process, log_lines


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_wrapped(prefix: list[str], *args: str, env: dict[str, str] | None = None) -> Result:
    """The console script behind `prefix` (a namespace), as run_cockpit runs it."""
    environment = dict(os.environ if env is None else env)
    if helpers.PYCACHE is not None and environment.pop("PYTHONDONTWRITEBYTECODE", None):
        environment.setdefault("PYTHONPYCACHEPREFIX", str(helpers.PYCACHE))
    proc = subprocess.run(
        [*prefix, COCKPIT, *args], capture_output=True, env=environment, timeout=120, check=False
    )
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in stderr, stderr
    return Result(tuple(args), proc.returncode, stdout, stderr)


# not a regular file ----------------------------------------------------------------------
def test_a_fifo_is_refused_at_once(run: Run, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for args in (["--db", str(fifo), "list"], ["--db", str(fifo), "declare", "x"]):
        err = run(*args).error_line(2)  # (it used to wait forever for a writer)
        assert str(fifo) in err and "FIFO" in err
    env = dict(os.environ, COCKPIT_DB=str(fifo))
    assert "FIFO" in helpers.run_cockpit("log", "INC-AAAAAA", "x", env=env).error_line(2)


def test_a_socket_or_a_device_is_refused(run: Run, tmp_path: Path) -> None:
    sock_path = tmp_path / "s.db"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        assert "a socket" in run("--db", str(sock_path), "show", "INC-AAAAAA").error_line(2)
    finally:
        server.close()
    assert "a character device" in run("--db", os.devnull, "declare", "x").error_line(2)
    assert Path(os.devnull).is_char_device()


@pytest.mark.parametrize(
    "args",
    [["--db", "", "list"], ["--db=", "list"], ["list", "--db", ""], ["declare", "x", "--db="]],
)
def test_an_empty_db_option_is_a_usage_error(run: Run, db: Path, args: list[str]) -> None:
    err = run(*args).error_line(1)
    assert "--db" in err and "empty" in err
    assert not db.exists()  # and the database COCKPIT_DB names was not used instead
    default = Path(os.environ["XDG_DATA_HOME"]) / "cockpit" / "cockpit.db"
    assert not default.exists()


# empty files -----------------------------------------------------------------------------
def test_a_zero_length_file_is_taken_over_with_a_warning(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = run("--db", str(path), "declare", "first")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"cockpit: warning: {path} was an empty file (0 bytes); it is now a cockpit database"
    ]
    ref = result.stdout.strip()
    assert [i["ref"] for i in run("--db", str(path), "list", "--json").ok().json()] == [ref]


def test_an_empty_sqlite_database_is_taken_over_with_a_warning(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")
    conn.close()
    assert path.stat().st_size > 0
    result = run("--db", str(path), "list")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"cockpit: warning: {path} was an empty SQLite database (no tables); "
        "it is now a cockpit database"
    ]
    run("--db", str(path), "declare", "second").ok()  # and said only once


def test_a_new_database_is_made_without_a_word(run: Run, db: Path) -> None:
    assert not db.exists()
    run("declare", "the very first").ok()
    assert db.exists()


# a command that only reads creates nothing -------------------------------------------------
READING = [
    ["list"],
    ["show", "INC-AAAAAA"],
    ["timeline", "INC-AAAAAA"],
    ["events", "INC-AAAAAA"],
    ["search", "anything"],
    ["export", "INC-AAAAAA"],
    ["brief", "INC-AAAAAA"],
]


@pytest.mark.parametrize("args", READING, ids=[a[0] for a in READING])
def test_reading_a_missing_path_creates_nothing(run: Run, tmp_path: Path, args: list[str]) -> None:
    given = tmp_path / "typo" / "cockpit.db"
    err = run("--db", str(given), *args).error_line(2)
    assert str(given) in err and "no such database" in err
    named = tmp_path / "named.db"  # COCKPIT_DB is as explicit as --db
    env = dict(os.environ, COCKPIT_DB=str(named))
    assert str(named) in helpers.run_cockpit(*args, env=env).error_line(2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_the_default_database_may_still_be_made_by_a_read(tmp_path: Path) -> None:
    env = dict(os.environ)
    del env["COCKPIT_DB"]
    out = helpers.run_cockpit("list", env=env).ok().stdout
    assert out.startswith("No open incidents.")
    assert (Path(env["XDG_DATA_HOME"]) / "cockpit" / "cockpit.db").is_file()


# read-only databases ---------------------------------------------------------------------
AS_OWNER = ["unshare", "-U", "--map-user=1000", "--map-group=1000"]  # no capabilities


def as_owner() -> list[str]:
    """Run as an ordinary user who owns the files: root ignores permission bits."""
    return AS_OWNER if os.geteuid() == 0 else []


@contextmanager
def read_only(how: str, db: Path) -> Iterator[list[str]]:
    """Make the database unwritable in one way; yield the prefix to run the cockpit with."""
    folder = db.parent
    if how == "0444":
        db.chmod(0o444)
        yield as_owner()
        db.chmod(0o600)
    elif how == "folder":
        db.chmod(0o444)
        folder.chmod(0o555)
        try:
            yield as_owner()
        finally:
            folder.chmod(0o755)
            db.chmod(0o600)
    elif how == "mount":
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        yield ["unshare", "-rm", "sh", "-c", script, "sh", str(folder)]
    elif how == "immutable":
        done = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"chattr +i needs root (CAP_LINUX_IMMUTABLE): {done.stderr.strip()}")
        try:
            yield []
        finally:
            subprocess.run(["chattr", "-i", str(db)], check=True)


WHY = {
    "0444": "permission denied",
    "folder": "permission denied",
    "mount": "read-only file system",
    "immutable": "immutable",
}


@pytest.mark.parametrize("how", WHY)
def test_a_read_only_database_stays_readable(run: Run, db: Path, how: str) -> None:
    ref = declare_in_process("Archived incident")
    log_lines(ref, "! roll back deploy 2291", "? connection pool exhausted", "/sev 1")
    expected = {
        "events": run("events", ref).ok().stdout,
        "timeline": run("timeline", ref, "--json").ok().stdout,
        "search": run("search", "pool", "--json").ok().stdout,
    }
    before = digest(db)
    folder_before = sorted(p.name for p in db.parent.iterdir())
    with read_only(how, db) as prefix:
        for name, output in expected.items():
            args = {"events": ["events", ref], "timeline": ["timeline", ref, "--json"]}.get(
                name, ["search", "pool", "--json"]
            )
            assert run_wrapped(prefix, *args).ok().stdout == output, name
        listed = run_wrapped(prefix, "list", "--json").ok().json()
        assert [(i["ref"], i["severity"]) for i in listed] == [(ref, "SEV-1")]
        assert run_wrapped(prefix, "show", ref, "--json").ok().json()["title"] == (
            "Archived incident"
        )
        assert "Archived incident" in run_wrapped(prefix, "brief", ref).ok().stdout
        assert "roll back deploy 2291" in run_wrapped(prefix, "export", ref).ok().stdout
        checks = run_wrapped(prefix, "doctor", "--json").ok().json()["checks"]
        assert {c["check"]: c["state"] for c in checks} == {
            "pages": "ok",
            "projection": "ok",
            "search index": "unchecked",  # FTS5 checks only through a connection that writes
            "append-only guard": "ok",
        }
        # writing says why it cannot, in one line, and changes nothing
        for args in (["log", ref, "one more"], ["declare", "another"]):
            err = run_wrapped(prefix, *args).error_line(2)
            assert "cannot be written" in err and WHY[how] in err, err
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == folder_before
    # and once writable again, nothing is in the way of the next entry
    run("log", ref, "writable again").ok()
