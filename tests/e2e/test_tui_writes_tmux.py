"""The real `cockpit` in tmux: the screen stays alive while another process holds the
database's lock, a double Enter logs one entry, and invisible characters typed are stored
as typed."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from tests.e2e.test_tui_tmux import (
    COCKPIT,
    keys,
    screen,
    start_cockpit,
    tmux,
    wait_for,
    wait_gone,
)

pytestmark = pytest.mark.slow

HOLD_FOR = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@pytest.fixture
def tmux_socket():
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end tests (.ci/run installs it)")
    name = f"cockpit-test-{uuid.uuid4().hex[:8]}"
    yield name
    tmux(name, "kill-server")


def declare_and_open(socket: str, env: dict[str, str]) -> str:
    declared = subprocess.run(
        [COCKPIT, "declare", "Checkout errors", "--severity", "1"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    ref = declared.stdout.strip()
    start_cockpit(socket, env)
    wait_for(socket, ref)
    keys(socket, "Enter")
    wait_for(socket, "Roles")
    return ref


def events_of(ref: str, env: dict[str, str]) -> list[dict]:
    out = subprocess.run(
        [COCKPIT, "events", ref, "--jsonl"], capture_output=True, text=True, env=env, check=True
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def texts_of(ref: str, env: dict[str, str]) -> list[str]:
    return [e["data"]["text"] for e in events_of(ref, env) if e["kind"].startswith("entry.")]


def header_clock(shown: str) -> str:
    found = re.search(r"(\d\d:\d\d:\d\d) local", shown)
    assert found, f"no header clock on the screen:\n{shown}"
    return found.group(1)


def wait_for_all(socket: str, *texts: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(socket)
        if all(text in shown for text in texts):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{texts!r} never all appeared; the screen was:\n{shown}")


def quit_cockpit(socket: str) -> None:
    keys(socket, "C-q")
    wait_gone(socket)


def test_a_write_behind_another_process_lock_keeps_the_screen_alive(tmux_socket):
    socket, env = tmux_socket, dict(os.environ)
    ref = declare_and_open(socket, env)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FOR, env["COCKPIT_DB"], "8"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        keys(socket, "! roll back deploy 2291", "Enter")
        first = wait_for(socket, "saving… decision")
        time.sleep(1.5)
        second = screen(socket)
        assert holder.poll() is None, "the lock ended before the screen was checked"
        # The header clock keeps ticking and the entry still says it is saving.
        assert header_clock(first) != header_clock(second)
        assert "saving… decision" in second
        # Keys still echo while it saves.
        keys(socket, "xyz")
        wait_for(socket, "xyz")
        tmux(socket, "send-keys", "-t", "cockpit", "BSpace", "BSpace", "BSpace")
        assert "roll back deploy 2291" not in texts_of(ref, env)  # not committed yet
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
    # Committed once the lock ended, and only then shown as logged.
    shown = wait_for(socket, "✓ logged: decision", timeout=30)
    assert "roll back deploy 2291" in shown
    quit_cockpit(socket)
    assert texts_of(ref, env).count("roll back deploy 2291") == 1


def test_a_double_enter_logs_the_line_once(tmux_socket):
    socket, env = tmux_socket, dict(os.environ)
    ref = declare_and_open(socket, env)
    long_line = "y" * 4000
    for attempt in range(3):
        tmux(socket, "send-keys", "-t", "cockpit", "-l", f"double enter {attempt}")
        tmux(socket, "send-keys", "-t", "cockpit", "Enter", "Enter")
    wait_for(socket, "double enter 2")
    tmux(socket, "send-keys", "-t", "cockpit", "-l", long_line)
    tmux(socket, "send-keys", "-t", "cockpit", "Enter", "Enter")
    # Logged: the row is in the timeline and the box is empty again (its placeholder).
    shown = wait_for_all(socket, "yyyyyyyyyy", "! decision · ? hypothesis")
    assert "✓ logged: note" in shown and "✓ logged: ✓ logged" not in shown
    quit_cockpit(socket)  # quitting waits for anything still saving
    texts = texts_of(ref, env)
    assert texts == ["double enter 0", "double enter 1", "double enter 2", long_line]


def test_invisible_characters_typed_are_stored_as_typed(tmux_socket):
    socket, env = tmux_socket, dict(os.environ)
    ref = declare_and_open(socket, env)
    typed = "family 👨\u200d👩\u200d👧 zw\u200bsp nb\u00a0sp \u202eevil bom\ufeff pua\ue000 end"
    keys(socket, typed, "Enter")
    shown = wait_for(socket, "⟨U+202E⟩evil")  # the override shown as a visible symbol
    assert "\u202e" not in shown
    quit_cockpit(socket)
    [stored] = texts_of(ref, env)
    assert stored.encode() == typed.encode()
    with sqlite3.connect(env["COCKPIT_DB"]) as conn:  # and in the file itself
        [(raw,)] = conn.execute("SELECT text FROM events WHERE kind = 'entry.note'").fetchall()
    assert raw.encode() == typed.encode()
