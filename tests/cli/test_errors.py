"""Errors: one line on stderr starting `cockpit: error:`, never a traceback; exit 1 for bad
input and usage, exit 2 for the environment (a database that cannot be used)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tests.cli.helpers import Run, declare_in_process, run_cockpit


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version(run: Run) -> None:
    out = run("--version").ok().stdout
    import cockpit

    assert out == f"cockpit {cockpit.__version__}\n"


def test_help_exits_0(run: Run) -> None:
    out = run("--help").ok().stdout
    for command in ("declare", "log", "list", "show", "timeline", "events", "search", "export"):
        assert command in out
    assert "--db" in run("log", "--help").ok().stdout


@pytest.mark.parametrize(
    "args",
    [
        ["bogus"],
        ["declare"],
        ["log"],
        ["log", "INC-ABCDEF"],
        ["show"],
        ["list", "--bogus"],
        ["--db"],
        ["export", "INC-ABCDEF", "--format", "xml"],
        ["timeline", "INC-ABCDEF", "--json", "--jsonl"],
        ["policy", "frob"],
        ["search"],
        ["declare", "x", "--severity"],
    ],
)
def test_usage_errors_are_one_line_and_exit_1(run: Run, args: list[str], db: Path) -> None:
    err = run(*args).error_line(1)
    assert "usage:" not in err
    assert not db.exists()  # refused before the database was even opened


def test_no_traceback_even_for_odd_input(run: Run, ref: str) -> None:
    nul = run("log", ref, "-", input="nul \x00 byte\n")
    assert nul.returncode in (0, 1), nul.stderr
    for args in (
        ["log", ref, "/amend"],
        ["log", ref, "/timer"],
        ["log", ref, "/timer cancel nope"],
        ["log", ref, "/next 0m"],
        ["log", ref, "/snooze -5m"],
        ["log", ref, "@2026-13-45T99:99Z x"],
        ["log", ref, "@9999-01-01T00:00Z x"],
        ["log", ref, "@-99999999d x"],
        ["show", "\x1b[31mred"],
    ):
        result = run(*args)
        assert result.returncode in (0, 1), (args, result.stderr)
        if result.returncode:
            result.error_line(1)


def test_control_characters_never_reach_the_terminal(run: Run, ref: str) -> None:
    err = run("show", "INC-\x1b]0;pwned\x07").error_line(1)
    assert "\x1b" not in err and "\x07" not in err
    run("log", ref, "red \x1b[31malert\x1b[0m").ok()
    for args in (["timeline", ref], ["show", ref], ["search", "alert"], ["list"]):
        out = run(*args).ok().stdout
        assert "\x1b" not in out, args
    # stored as typed
    items = run("timeline", ref, "--json").ok().json()
    assert "red \x1b[31malert\x1b[0m" in [i["text"] for i in items]


# environment problems: exit 2, and a failed open never changes the file ----------------
def test_not_an_sqlite_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"my precious notes\n" * 100)
    before = digest(path)
    for args in (["--db", str(path), "list"], ["declare", "x", "--db", str(path)]):
        err = run(*args).error_line(2)
        assert "not an SQLite database" in err
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "notes.txt"]


def test_a_newer_schema(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    run("--db", str(path), "declare", "made by us").ok()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(path)
    err = run("--db", str(path), "list").error_line(2)
    assert "newer" in err and "99" in err
    run("--db", str(path), "log", "INC-", "x").error_line(2)
    assert digest(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (99,)
    conn.close()


def test_another_programs_database(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()
    before = digest(path)
    err = run("--db", str(path), "list").error_line(2)
    assert "another program" in err
    run("--db", str(path), "declare", "x").error_line(2)
    assert digest(path) == before
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    conn.close()
    assert tables == ["customers"]


def test_a_database_where_nothing_can_be_written(run: Run, tmp_path: Path) -> None:
    # works as root too: no permission bit can make a file's parent a regular file
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    target = blocker / "cockpit.db"
    err = run("--db", str(target), "declare", "x").error_line(2)
    assert str(blocker) in err
    assert blocker.read_text() == "not a folder"


def test_a_directory_as_database(run: Run, tmp_path: Path) -> None:
    err = run("--db", str(tmp_path), "list").error_line(2)
    assert "directory" in err


def test_env_db_and_default_location(run: Run, tmp_path: Path) -> None:
    # --db beats COCKPIT_DB
    other = tmp_path / "other.db"
    ref = run("--db", str(other), "declare", "elsewhere").ok().stdout.strip()
    assert [i["ref"] for i in run("--db", str(other), "list", "--json").ok().json()] == [ref]
    # A command that only reads creates no database at a path it is given (issue 10).
    named = os.environ["COCKPIT_DB"]
    assert named in run("list", "--json").error_line(2)
    assert not Path(named).exists()
    # without either, the user data folder (here under the test's XDG_DATA_HOME)
    env = dict(os.environ)
    del env["COCKPIT_DB"]
    run_cockpit("declare", "in the default place", env=env)
    default = Path(env["XDG_DATA_HOME"]) / "cockpit" / "cockpit.db"
    assert default.exists()
    listed = run_cockpit("list", "--json", env=env).ok().json()
    assert [i["title"] for i in listed] == ["in the default place"]


def test_debug_shows_nothing_extra_for_known_errors(run: Run, tmp_path: Path) -> None:
    env = dict(os.environ, COCKPIT_DEBUG="1")
    declare_in_process()  # the database exists (`show` creates none at a path it is given)
    result = run_cockpit("show", "INC-ZZZZZZ", env=env)
    result.error_line(1)


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    import subprocess

    from tests.cli.helpers import COCKPIT

    ref = declare_in_process()
    lines = "".join(f"entry {i}\n" for i in range(300))
    run_cockpit("log", ref, "-", input=lines).ok()
    shell = f"'{COCKPIT}' events {ref} | head -n 1; exit ${{PIPESTATUS[0]}}"
    proc = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout.startswith('{"id":')
