"""Helpers for the CLI tests: run the real console script, read its output and the database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

COCKPIT = str(Path(sys.executable).parent / "cockpit")
BERLIN = ZoneInfo("Europe/Berlin")
REF_RE = re.compile(r"^INC-[0-9A-HJKMNP-TV-Z]{6}$")
ULID_RE = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def jsonl(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines()]

    def ok(self) -> Result:
        """Assert a clean success: exit 0 and nothing on stderr."""
        assert self.returncode == 0, (self.args, self.returncode, self.stderr)
        assert self.stderr == "", (self.args, self.stderr)
        return self

    def error_line(self, code: int = 1) -> str:
        """Assert a failure: the exit code, nothing on stdout, ONE `cockpit: error:` line."""
        assert self.returncode == code, (self.args, self.returncode, self.stdout, self.stderr)
        assert self.stdout == "", (self.args, self.stdout)
        lines = self.stderr.splitlines()
        assert len(lines) == 1, (self.args, self.stderr)
        assert lines[0].startswith("cockpit: error: "), (self.args, self.stderr)
        return lines[0]


Run = Callable[..., Result]


# Each call starts a fresh interpreter. With PYTHONDONTWRITEBYTECODE set (as in some
# sandboxes) it would compile the cockpit's sources every time; let the children cache
# bytecode in pytest's temp folder (never in the repo; conftest sets the place). Nothing
# the cockpit does depends on it.
PYCACHE: Path | None = None


def run_cockpit(
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """Run the real console script with the test's environment; never a traceback."""
    environment = dict(os.environ if env is None else env)
    if PYCACHE is not None and environment.pop("PYTHONDONTWRITEBYTECODE", None):
        environment.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    proc = subprocess.run(
        [COCKPIT, *args],
        input=input.encode() if isinstance(input, str) else input,
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    stdout = proc.stdout.decode("utf-8")
    stderr = proc.stderr.decode("utf-8")
    # Whatever happens, a user never sees a traceback.
    assert "Traceback" not in stderr, stderr
    return Result(tuple(args), proc.returncode, stdout, stderr)


def now_utc() -> datetime:
    return datetime.now(UTC)


def ts(text: str) -> datetime:
    """An RFC 3339 time as the CLI writes it (always UTC, with Z)."""
    assert TS_RE.match(text), text
    return datetime.fromisoformat(text)


def near(value: datetime, expected: datetime, slack: float = 15.0) -> bool:
    return abs((value - expected).total_seconds()) <= slack


def clock_ago(minutes: int) -> tuple[str, datetime]:
    """`HH:MM` for a local (Berlin) time `minutes` ago, and the UTC instant it names."""
    local = (now_utc() - timedelta(minutes=minutes)).astimezone(BERLIN)
    local = local.replace(second=0, microsecond=0)
    return local.strftime("%H:%M"), local.astimezone(UTC)


def show(ref: str) -> dict[str, Any]:
    data: dict[str, Any] = run_cockpit("show", ref, "--json").ok().json()
    return data


def timeline(ref: str, *options: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = run_cockpit("timeline", ref, "--json", *options).ok().json()
    return items


def events(ref: str) -> list[dict[str, Any]]:
    return run_cockpit("events", ref, "--jsonl").ok().jsonl()


def log_json(ref: str, *line: str) -> dict[str, Any]:
    event: dict[str, Any] = run_cockpit("log", ref, *line, "--json").ok().json()
    return event


def log_lines(ref: str, *lines: str) -> list[dict[str, Any]]:
    """Log several lines in one `cockpit log REF -` call (for setting a scene); the events."""
    text = "".join(line + "\n" for line in lines)
    logged: list[dict[str, Any]] = run_cockpit("log", ref, "-", "--json", input=text).ok().json()
    return logged


def db_rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the database directly (an independent reader, not the cockpit's store)."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def stored_kinds(path: Path) -> list[str]:
    """The kinds of every event in the file, in the order they were stored."""
    return [row[0] for row in db_rows(path, "SELECT kind FROM events ORDER BY seq")]


def declare_in_process(title: str = "Checkout errors", severity: str | None = None) -> str:
    """A quick declaration through the core (for tests about something else); its ref.

    Declaring through the CLI is tested in test_declare.py; this only saves a process.
    """
    from cockpit.clock import SystemClock
    from cockpit.incident import ref_for
    from cockpit.service import Cockpit
    from cockpit.store import Store, default_path

    clock = SystemClock()
    with Store(default_path(), clock) as store:
        event = Cockpit(store, clock).declare(title, severity)
    return ref_for(event.incident_id)
