"""The real `cockpit` in a real terminal (tmux): it draws the board and quits on q."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

COCKPIT = str(Path(sys.executable).parent / "cockpit")
pytestmark = pytest.mark.slow


def tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20)


def screen(socket: str) -> str:
    return tmux(socket, "capture-pane", "-p", "-t", "cockpit").stdout


def wait_for(socket: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(socket)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def session_alive(socket: str) -> bool:
    return tmux(socket, "has-session", "-t", "cockpit").returncode == 0


@pytest.fixture
def socket():
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the end-to-end tests (.ci/run installs it)")
    name = f"cockpit-test-{uuid.uuid4().hex[:8]}"
    yield name
    tmux(name, "kill-server")


def test_board_in_a_real_terminal_shows_incidents_and_quits_on_q(socket, tmp_path):
    env = dict(os.environ)
    declared = subprocess.run(
        [COCKPIT, "declare", "Checkout [red]errors[/]", "--severity", "1"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    ref = declared.stdout.strip()
    command = " ".join(
        [
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            f"COCKPIT_DB={env['COCKPIT_DB']}",
            f"COCKPIT_CONFIG_DIR={env['COCKPIT_CONFIG_DIR']}",
            f"HOME={env['HOME']}",
            "TZ=Europe/Berlin",
            "TERM=xterm-256color",
            COCKPIT,
        ]
    )
    tmux(socket, "new-session", "-d", "-s", "cockpit", "-x", "120", "-y", "30", command)
    tmux(socket, "resize-window", "-t", "cockpit", "-x", "120", "-y", "30")
    shown = wait_for(socket, "Checkout [red]errors[/]")  # user text is shown literally
    assert ref in shown
    assert "SEV-1" in shown
    assert "no IC" in shown
    # a note logged from a shell while the board is open changes nothing it shows, but an
    # IC assignment does, within a couple of seconds
    subprocess.run([COCKPIT, "log", ref, "/role ic @alice"], env=env, check=True)
    wait_for(socket, "@alice", timeout=10)
    tmux(socket, "send-keys", "-t", "cockpit", "q")
    deadline = time.monotonic() + 10
    while session_alive(socket) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not session_alive(socket), "cockpit did not quit on q"
