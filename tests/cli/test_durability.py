"""Durability and concurrency of the store, with real processes.

- A child logs in a loop and prints each id once `log()` has returned; it is killed with
  SIGKILL at a random moment. Every printed id must be in the file, and the file intact.
- Four processes log 200 entries each into one file at once: 800 entries, no error, no
  "database is locked".
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cli.helpers import COCKPIT, db_rows, declare_in_process, run_cockpit

pytestmark = pytest.mark.slow

LOGGER = """
import sys
from cockpit.clock import SystemClock
from cockpit.service import Cockpit
from cockpit.store import Store

path, incident_id = sys.argv[1], sys.argv[2]
clock = SystemClock()
cockpit = Cockpit(Store(path, clock), clock, author="child")
i = 0
while True:
    (event,) = cockpit.log(incident_id, f"note {i}")
    sys.stdout.write(event.id + "\\n")
    sys.stdout.flush()
    i += 1
"""

WRITER = """
import os, sys, time
from pathlib import Path
from cockpit.clock import SystemClock
from cockpit.service import Cockpit
from cockpit.store import Store

path, incident_id, name, go, count = sys.argv[1:6]
clock = SystemClock()
cockpit = Cockpit(Store(path, clock), clock, author=name)
Path(f"{go}.{name}.ready").touch()
while not os.path.exists(go):
    time.sleep(0.002)
for i in range(int(count)):
    cockpit.log(incident_id, f"{name} entry {i}")  # one transaction each
"""

WRITERS = 4
PER_WRITER = 200


def incident_id_of(ref: str) -> str:
    rows = db_rows(Path(os.environ["COCKPIT_DB"]), "SELECT id FROM incidents WHERE ref = ?", ref)
    assert len(rows) == 1
    return str(rows[0][0])


def integrity(db: Path) -> str:
    return str(db_rows(db, "PRAGMA integrity_check")[0][0])


@pytest.mark.parametrize("attempt", range(3))
def test_sigkill_loses_nothing_that_was_acknowledged(db: Path, attempt: int) -> None:
    ref = declare_in_process("Durability")
    incident_id = incident_id_of(ref)
    child = subprocess.Popen(
        [sys.executable, "-c", LOGGER, str(db), incident_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ,
    )
    printed: list[str] = []
    first = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for raw in child.stdout:
            if raw.endswith(b"\n"):  # a line cut short by the kill was never acknowledged
                printed.append(raw.decode().strip())
                first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert first.wait(60), "the child never logged anything"
        moment = random.uniform(0.3, 1.5)
        time.sleep(moment)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    reader.join(30)
    assert child.returncode == -signal.SIGKILL
    assert child.stderr is not None
    assert child.stderr.read() == b""

    assert len(printed) >= 5, f"too few entries to tell ({len(printed)} in {moment:.2f} s)"
    assert integrity(db) == "ok"
    stored = {row[0] for row in db_rows(db, "SELECT id FROM events")}
    lost = [i for i in printed if i not in stored]
    assert lost == [], f"{len(lost)} acknowledged of {len(printed)} lost (killed at {moment:.2f} s)"
    # at most the one being written when the kill came is there without being printed
    assert len(stored) - 1 - len(printed) in (0, 1)
    # and the cockpit itself opens the file and sees them
    listed = run_cockpit("events", ref).ok().jsonl()
    assert {e["id"] for e in listed} == stored


def wait_until_open(pids: list[int], db: Path, timeout: float = 60.0) -> None:
    """Wait until every process has the database open (then they wait on stdin)."""
    target = str(db.resolve())
    deadline = time.monotonic() + timeout
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            folder = Path(f"/proc/{pid}/fd")
            try:
                links = [os.readlink(fd) for fd in folder.iterdir()]
            except OSError:
                continue
            if target in links:
                pending.discard(pid)
        time.sleep(0.01)


def check_800(db: Path, incident_id: str, names: list[str]) -> None:
    kinds = db_rows(
        db, "SELECT kind, count(*) FROM events WHERE incident_id = ? GROUP BY kind", incident_id
    )
    assert dict(kinds) == {"incident.declared": 1, "entry.note": WRITERS * PER_WRITER}
    texts = {row[0] for row in db_rows(db, "SELECT text FROM events WHERE kind = 'entry.note'")}
    assert texts == {f"{name} entry {i}" for name in names for i in range(PER_WRITER)}
    ids = db_rows(db, "SELECT count(DISTINCT id) FROM events")[0][0]
    assert ids == WRITERS * PER_WRITER + 1
    assert integrity(db) == "ok"


def test_four_cli_processes_log_200_lines_each_at_once(db: Path) -> None:
    ref = declare_in_process("Concurrency through the CLI")
    names = [f"cli{n}" for n in range(WRITERS)]
    procs = [
        subprocess.Popen(
            [COCKPIT, "--as", name, "log", ref, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ,
        )
        for name in names
    ]
    wait_until_open([p.pid for p in procs], db)
    outputs = {}
    threads = []
    for name, proc in zip(names, procs, strict=True):
        lines = "".join(f"{name} entry {i}\n" for i in range(PER_WRITER)).encode()

        def talk(proc: subprocess.Popen[bytes] = proc, lines: bytes = lines, name: str = name):
            outputs[name] = proc.communicate(lines, timeout=120)

        threads.append(threading.Thread(target=talk))
    for thread in threads:  # the four batches are released together
        thread.start()
    for thread in threads:
        thread.join(150)
    for name, proc in zip(names, procs, strict=True):
        out, err = outputs[name]
        assert proc.returncode == 0, err
        assert err == b"", err
        assert out.decode().count("logged note ") == PER_WRITER
    check_800(db, incident_id_of(ref), names)


def test_four_processes_200_separate_transactions_each(db: Path) -> None:
    ref = declare_in_process("Concurrency, one commit per entry")
    incident_id = incident_id_of(ref)
    go = db.parent / "go"
    names = [f"w{n}" for n in range(WRITERS)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), incident_id, name, str(go), str(PER_WRITER)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ,
        )
        for name in names
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(Path(f"{go}.{name}.ready").exists() for name in names):
            break
        assert all(p.poll() is None for p in procs), "a writer died before the start"
        time.sleep(0.01)
    go.touch()  # all four start writing at once
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
        assert err == b"", err.decode()
        assert b"locked" not in out
    check_800(db, incident_id, names)
    # the CLI reads the result back whole
    assert len(run_cockpit("events", ref).ok().jsonl()) == WRITERS * PER_WRITER + 1


BIG_WRITER = """
import sys, time
from pathlib import Path
from cockpit.clock import SystemClock
from cockpit.service import Cockpit
from cockpit.store import Store

path, incident_id, stop = sys.argv[1:4]
clock = SystemClock()
cockpit = Cockpit(Store(path, clock), clock, author="big")
big = "x" * (2 * 1024 * 1024)
i = 0
while not Path(stop).exists():
    cockpit.log(incident_id, f"{i} {big}")
    i += 1
    sys.stdout.write(f"{i}\\n")
    sys.stdout.flush()
    time.sleep(0.1)  # enough to keep checkpoints coming, and the file under 150 MB
"""
OPENS = 2000
CLI_RUNS = 12


def test_opening_beside_a_writer_of_2mb_entries_never_fails(db: Path) -> None:
    # Each 2 MB entry fills the write-ahead log past its checkpoint size, so the writer
    # keeps copying pages into the database file while the opens read it. A check that
    # reads the file without SQLite's locks saw half-copied pages there ("damaged").
    from cockpit.clock import SystemClock
    from cockpit.store import Store, StoreError

    ref = declare_in_process("Big entries")
    incident_id = incident_id_of(ref)
    stop = db.parent / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", BIG_WRITER, str(db), incident_id, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ,
    )
    assert writer.stdout is not None
    failures: list[str] = []
    try:
        assert writer.stdout.readline().strip() == b"1", "the writer never logged"
        clock = SystemClock()
        for _ in range(OPENS):
            try:
                with Store(db, clock) as store:
                    store.count_events()
            except StoreError as exc:
                failures.append(str(exc))
        results = []
        for i in range(CLI_RUNS):
            results.append(run_cockpit("list", "--json"))
            results.append(run_cockpit("log", ref, f"small entry {i}"))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err.decode()
    assert failures == [], f"{len(failures)} of {OPENS} opens failed: {failures[:3]}"
    bad = [(r.args, r.stderr) for r in results if r.returncode != 0 or r.stderr]
    assert bad == [], bad
    # The writer really wrote all along: big entries were committed during the opens.
    written = len(out.split())
    assert written >= 5, f"the writer logged only {written} entries"
    stored = db_rows(db, "SELECT count(*) FROM events WHERE text LIKE 'small entry %'")
    assert stored == [(CLI_RUNS,)]
    assert integrity(db) == "ok"
    for path in db.parent.glob(db.name + "*"):
        path.unlink()  # a hundred megabytes of x: not worth keeping among pytest's last runs
