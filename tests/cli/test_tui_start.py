"""`cockpit` with no command: the full-screen cockpit needs a terminal, and when it stops
on an unexpected error it exits 2, saves the traceback in the data folder and says where
in one line.

Everything runs the real console script. A terminal is a pseudo-terminal made here (stdin,
stdout and stderr all on it, as in a shell); the crash is put into the real program from
outside it: a `sitecustomize` module on PYTHONPATH (loaded by Python at start) makes one
key's action raise. Nothing in the cockpit knows about it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import stat
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import COCKPIT, db_rows, log_lines, run_cockpit

pytestmark = pytest.mark.slow

NEEDS = "cockpit: error: the full-screen cockpit needs a terminal (standard {} is not one); "
NEEDS_END = "use a command (cockpit --help)\n"

CRASH_HOOK = '''
"""Test hook: the timeline's `z` and the board's `c` raise, as a bug would."""
import screens.board, screens.incident

def _boom(self, *args):
    raise RuntimeError("boom [/] \\x1b[31m in the screen\\nsecond line")

screens.board.BoardScreen.action_toggle_closed = _boom
screens.incident.IncidentScreen.action_toggle_utc = _boom
'''


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", **extra)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


def terminal() -> tuple[int, int]:
    """A pseudo-terminal of 100x30: (the side the test reads and types on, the program's)."""
    ours, theirs = pty.openpty()
    fcntl.ioctl(theirs, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return ours, theirs


def read_some(fd: int, wait: float = 0.2) -> bytes:
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # the program closed its side
        return b""


class Session:
    """The real `cockpit` on a terminal: wait for text, type keys, collect what it wrote."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.fd, theirs = terminal()
        self.proc = subprocess.Popen(
            [COCKPIT, *args], stdin=theirs, stdout=theirs, stderr=theirs, env=env
        )
        os.close(theirs)
        self.output = b""

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            assert time.monotonic() < deadline, f"{text!r} never shown:\n{self.output[-2000:]!r}"
            assert self.proc.poll() is None, f"exited {self.proc.returncode}: {self.output!r}"
            self.output += read_some(self.fd)

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def settle(self, seconds: float) -> None:
        """Keep reading for `seconds` (a lone Esc is a key only once nothing follows it)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.output += read_some(self.fd, 0.05)

    def stop(self) -> None:
        """End the program if it still runs (a failed test must leave nothing behind)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def finish(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"still running:\n{self.output[-2000:]!r}")
            self.output += read_some(self.fd)
        while chunk := read_some(self.fd, 0.05):
            self.output += chunk
        self.stop()
        return self.proc.returncode

    def after_the_screen(self) -> list[str]:
        """The lines written once the full screen was left (its last `ESC [?1049l`), with
        the terminal resets Textual sends around them taken out."""
        tail = self.output.rsplit(b"\x1b[?1049l", 1)[-1]
        tail = re.sub(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[=>]", b"", tail)
        return [line for line in tail.decode("utf-8").split("\r\n") if line]


@pytest.fixture
def start() -> Iterator[Callable[..., Session]]:
    """`start(env)` runs the real `cockpit` on a terminal; whatever happens in the test,
    it is ended afterwards."""
    sessions: list[Session] = []

    def _start(env: dict[str, str], *args: str) -> Session:
        sessions.append(Session(env, *args))
        return sessions[-1]

    yield _start
    for session in sessions:
        session.stop()


# no terminal -----------------------------------------------------------------------------
def test_without_a_terminal_it_refuses_at_once_and_writes_nothing(tmp_path: Path):
    written = tmp_path / "out.txt"
    with open(os.devnull) as nothing, written.open("wb") as file:
        proc = subprocess.run(
            [COCKPIT],
            stdin=nothing,
            stdout=file,
            stderr=subprocess.PIPE,
            env=environment(),
            timeout=60,  # it used to wait forever
            check=False,
        )
    assert proc.returncode == 2
    assert proc.stderr.decode() == NEEDS.format("input") + NEEDS_END
    assert written.read_bytes() == b""  # no escape codes in the file
    assert not Path(os.environ["COCKPIT_DB"]).exists()  # refused before opening it


@pytest.mark.parametrize("redirected", ["output", "error"])
def test_a_terminal_for_the_keys_but_not_for_the_screen_is_refused(redirected: str):
    ours, theirs = terminal()
    try:
        proc = subprocess.run(
            [COCKPIT],
            stdin=theirs,
            stdout=subprocess.PIPE if redirected == "output" else theirs,
            stderr=subprocess.PIPE if redirected == "error" else theirs,
            env=environment(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(theirs)
        written = read_some(ours, 0.5)
        os.close(ours)
    assert proc.returncode == 2
    message = NEEDS.format(redirected) + NEEDS_END
    if redirected == "output":
        assert proc.stdout == b""
        assert written.decode().replace("\r\n", "\n") == message
    else:
        assert proc.stderr.decode() == message
        assert written == b""


def test_on_a_terminal_the_screen_starts_and_quits(start):
    session = start(environment())
    session.wait_for("Press n to declare")
    session.type("q")
    assert session.finish() == 0
    assert session.after_the_screen() == []  # nothing said after a plain quit


# a crash ---------------------------------------------------------------------------------
def crash_environment(tmp_path: Path) -> dict[str, str]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_HOOK)
    return environment(PYTHONPATH=str(hook))


def test_a_crash_exits_2_with_one_line_naming_the_saved_traceback(isolated: Path, start):
    ref = run_cockpit("declare", "Checkout errors", "--severity", "1").ok().stdout.strip()
    log_lines(ref, "before the session")
    session = start(crash_environment(isolated))
    session.wait_for(ref)  # the board
    session.type("\r")  # open the incident: the cursor is in the quick entry
    session.wait_for("backdates")  # the quick entry's hint
    session.type("typed in the session\r")
    session.wait_for("logged")
    session.type("\x1b")  # Esc to the timeline
    session.settle(1.0)
    session.type("z")  # z (UTC times) raises
    assert session.finish() == 2

    [line] = session.after_the_screen()  # one line, and no traceback
    match = re.fullmatch(
        r"cockpit: error: the cockpit stopped on an unexpected error "
        r"\(RuntimeError: boom \[/\] ␛\[31m in the screen …\); the details are in (\S+)",
        line,
    )
    assert match, line
    report = Path(match.group(1))
    data = Path(os.environ["XDG_DATA_HOME"]) / "cockpit"  # platformdirs' user data folder
    assert report.parent == data
    assert re.fullmatch(r"crash-\d{8}T\d{6}Z\.txt", report.name)
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    text = report.read_text()
    assert "stopped on an unexpected error" in text
    assert "Traceback (most recent call last):" in text
    assert 'sitecustomize.py", line' in text and "in _boom" in text
    assert text.rstrip().endswith("RuntimeError: boom [/] \x1b[31m in the screen\nsecond line")

    # everything logged before the crash is still there
    texts = [row[0] for row in db_rows(Path(os.environ["COCKPIT_DB"]), "SELECT text FROM events")]
    assert "before the session" in texts and "typed in the session" in texts


def test_a_crash_report_that_cannot_be_saved_still_gives_one_line(isolated: Path, start):
    data = Path(os.environ["XDG_DATA_HOME"]) / "cockpit"
    data.parent.mkdir(parents=True)
    data.write_text("not a folder")  # where the data folder should be: no report can go there
    env = crash_environment(isolated)
    env["COCKPIT_DB"] = str(isolated / "elsewhere.db")
    session = start(env)
    session.wait_for("Press n to declare")
    session.type("c")  # the board's c raises
    assert session.finish() == 2
    [line] = session.after_the_screen()
    assert line == (
        "cockpit: error: the cockpit stopped on an unexpected error (RuntimeError: boom [/] "
        f"␛[31m in the screen …); its details could not be saved ({data}: File exists)"
    )
    assert data.read_text() == "not a folder"
