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
    start_cockpit(socket, env)
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


def start_cockpit(
    socket: str, env: dict[str, str], extra: dict[str, str] | None = None, then: str = ""
) -> None:
    """The real `cockpit` in a 160x45 tmux session, with the test's environment (and
    `extra` variables); `then` runs in the session's shell after it exits."""
    settings = [f"{name}={value}" for name, value in (extra or {}).items()]
    command = " ".join(
        [
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            *settings,
            f"COCKPIT_DB={env['COCKPIT_DB']}",
            f"COCKPIT_CONFIG_DIR={env['COCKPIT_CONFIG_DIR']}",
            f"COCKPIT_USER={env['COCKPIT_USER']}",
            f"HOME={env['HOME']}",
            "TZ=Europe/Berlin",
            "TERM=xterm-256color",
            COCKPIT,
            then,
        ]
    ).rstrip()
    tmux(socket, "new-session", "-d", "-s", "cockpit", "-x", "160", "-y", "45", command)
    tmux(socket, "resize-window", "-t", "cockpit", "-x", "160", "-y", "45")


def keys(socket: str, *words: str) -> None:
    for word in words:
        if word in ("Enter", "Escape", "C-q"):
            tmux(socket, "send-keys", "-t", "cockpit", word)
        else:
            tmux(socket, "send-keys", "-t", "cockpit", "-l", word)
        time.sleep(0.15)


def wait_gone(socket: str) -> None:
    deadline = time.monotonic() + 10
    while session_alive(socket) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not session_alive(socket), "cockpit did not quit"


def test_declare_log_quit_and_find_it_all_again(socket):
    env = dict(os.environ)
    start_cockpit(socket, env)
    wait_for(socket, "Press n to declare")
    keys(socket, "n")
    wait_for(socket, "Title")
    keys(socket, "Payments API returning 502s", "Enter")
    wait_for(socket, "Payments API returning 502s")
    keys(socket, "Enter")  # open the incident
    wait_for(socket, "Roles")
    keys(socket, "! roll back deploy 2291", "Enter")
    wait_for(socket, "roll back deploy 2291")
    keys(socket, "? connection pool exhausted", "Enter")
    wait_for(socket, "connection pool exhausted")
    keys(socket, "C-q")
    wait_gone(socket)

    start_cockpit(socket, env)
    wait_for(socket, "Payments API returning 502s")
    keys(socket, "Enter")
    shown = wait_for(socket, "connection pool exhausted")
    assert "roll back deploy 2291" in shown
    keys(socket, "C-q")
    wait_gone(socket)
    listed = subprocess.run(
        [COCKPIT, "list", "--json"], capture_output=True, text=True, env=env, check=True
    )
    assert '"entry_count": 2' in listed.stdout


def test_markup_typed_in_the_filter_is_shown_as_typed_in_a_real_terminal(socket):
    env = dict(os.environ)
    subprocess.run([COCKPIT, "declare", "Checkout errors"], env=env, check=True)
    start_cockpit(socket, env)
    wait_for(socket, "Checkout errors")
    keys(socket, "/", "[/ [@click=x] [reverse]zzz")
    shown = wait_for(socket, "No incident matches '[/ [@click=x] [reverse]zzz'")
    assert session_alive(socket)  # `[/` used to end the app here
    assert "Esc clears the filter" in shown
    keys(socket, "Escape", "q")
    wait_gone(socket)


CRASH_HOOK = """
import screens.board

def _boom(self, *args):
    raise RuntimeError("boom [/] \\x1b[31m")

screens.board.BoardScreen.action_toggle_closed = _boom
"""


def test_a_crash_in_a_real_terminal_leaves_one_line_and_exit_status_2(socket, tmp_path):
    # The crash comes from outside the program: a sitecustomize on PYTHONPATH makes the
    # board's `c` raise, as a bug would.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_HOOK)
    env = dict(os.environ)
    start_cockpit(
        socket,
        env,
        {"PYTHONPATH": str(hook), "XDG_DATA_HOME": env["XDG_DATA_HOME"]},
        then="; echo exit status $?; sleep 600",
    )
    wait_for(socket, "Press n to declare")
    keys(socket, "c")
    wait_for(socket, "exit status")
    shown = tmux(socket, "capture-pane", "-p", "-J", "-t", "cockpit").stdout  # -J: unwrapped
    lines = [line for line in shown.splitlines() if line.strip()]
    assert lines[-1] == "exit status 2"
    assert lines[-2].startswith(
        "cockpit: error: the cockpit stopped on an unexpected error "
        "(RuntimeError: boom [/] ␛[31m); the details are in "
    ), shown
    assert len(lines) == 2, shown  # the screen is gone: no traceback, nothing else
    [report] = (Path(env["XDG_DATA_HOME"]) / "cockpit").glob("crash-*.txt")
    assert "RuntimeError: boom [/] \x1b[31m" in report.read_text()
