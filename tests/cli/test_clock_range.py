"""A machine clock the cockpit cannot record times from (issue 10, item 15): before 1970 a
ULID cannot be made, and past 2262-04-11 Python's own clock reading overflows. Every
command then says so in one line (what the clock reads, the range that works) and exits 2,
having logged nothing and created nothing; a clock inside the range works.

The real console script runs under libfaketime (`faketime`, a Debian package .ci/run
installs), which changes the time the process reads from the C library: the real clock,
faked from outside, not a patched function."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import COCKPIT, Result, db_rows

RANGE = "(1970-01-01T00:00:00Z to 2262-04-11T23:47:16Z)"


@pytest.fixture(autouse=True)
def faketime() -> str:
    found = shutil.which("faketime")
    if found is None:
        pytest.fail("faketime (Debian package faketime) is needed here; .ci/run installs it")
    return found


def at(when: str, *args: str, stdin: str = "") -> Result:
    """The real console script with the machine's clock reading `when` (UTC)."""
    proc = subprocess.run(
        ["faketime", f"{when} UTC", COCKPIT, *args],
        input=stdin.encode(),
        capture_output=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr, stderr
    return Result(tuple(args), proc.returncode, proc.stdout.decode(), stderr)


def count(db: Path) -> int:
    return int(db_rows(db, "SELECT count(*) FROM events")[0][0])


COMMANDS = [
    ("declare", "Checkout errors"),
    ("declare", "Backdated", "--at", "-5m", "--json"),
    ("log", "{ref}", "a note"),
    ("log", "{ref}", "/sev 1"),
    ("log", "{ref}", "-"),
    ("list",),
    ("show", "{ref}"),
    ("show", "{ref}", "--json"),
    ("timeline", "{ref}"),
    ("events", "{ref}", "--jsonl"),
    ("search", "note"),
    ("export", "{ref}", "-f", "json"),
    ("policy", "list"),
    ("update", "{ref}", "-t", "internal"),
    ("brief", "{ref}"),
    (),  # the full-screen cockpit: refused before any screen is drawn
]
# The faked clock runs from the time given: the reading is checked to the minute.
CLOCKS = {
    "1969-06-01 12:00:00": "1969-06-01T12:00:",
    "1969-12-31 23:58:00": "1969-12-31T23:58:",  # a minute and more before 1970
    "2300-01-01 12:00:00": "2262-04-11T23:47:16Z or later",  # Python's reading stops there
    "1000-01-01 00:00:00": "1677-09-21T",  # past Python's reach the other way
}


@pytest.mark.parametrize("clock", list(CLOCKS))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "(screen)")
def test_every_command_refuses_a_clock_out_of_range(
    clock: str, command: tuple[str, ...], db: Path, ref: str
) -> None:
    before = count(db)
    args = [part.format(ref=ref) for part in command]
    result = at(clock, *args, stdin="a note\n")
    line = result.error_line(2)
    assert line.startswith(f"cockpit: error: the machine's clock reads {CLOCKS[clock]}"), line
    assert RANGE in line and "set the clock right" in line
    assert count(db) == before  # nothing logged


@pytest.mark.parametrize("clock", ["1969-06-01 12:00:00", "2300-01-01 12:00:00"])
def test_nothing_is_created_either(clock: str, db: Path) -> None:
    result = at(clock, "declare", "Checkout errors")
    assert "the machine's clock reads" in result.error_line(2)
    assert not db.exists()


@pytest.mark.parametrize("clock", ["1970-01-01 00:05:00", "2200-01-01 12:00:00"])
def test_a_clock_inside_the_range_works(clock: str, db: Path) -> None:
    declared = at(clock, "declare", "Far-off incident", "--json").ok().json()
    logged = at(clock, "log", declared["ref"], "a note", "--json").ok().json()
    assert logged["recorded_at"].startswith(clock[:4])
    shown = at(clock, "show", declared["ref"], "--json").ok().json()
    assert shown["entry_count"] == 1
    assert count(db) == 2
