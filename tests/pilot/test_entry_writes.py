"""Writes off the event loop: one line typed is one entry however fast the keys come, the
screen stays alive while another process holds the database's lock, and nothing saving
is lost by quitting or leaving."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.widgets import Input, Static

from cockpit.app import make_app
from cockpit.service import Cockpit
from screens.amend import AmendScreen
from screens.declare import DeclareScreen
from screens.incident import IncidentScreen
from tests.pilot.helpers import refuse_inserts, settle
from widgets.quick_entry import EntryInput, Feedback
from widgets.timeline import Timeline

HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # until the test says so (or gives up: EOF)
conn.execute("COMMIT")
"""


class Lock:
    """Another process holding the database's write lock (BEGIN EXCLUSIVE) until
    released (or until the test ends)."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def hold(cockpit: Cockpit) -> Iterator[Callable[[], Lock]]:
    """Take the database's lock from another process: `lock = hold()`."""
    taken: list[Lock] = []

    def take() -> Lock:
        taken.append(Lock(cockpit.store.path))
        return taken[-1]

    yield take
    for held in taken:
        held.release()


def burst(app: App[object], *keys: tuple[str, str | None]) -> None:
    """Keys as a terminal delivers them in one read: all queued before any is handled
    (Pilot's press waits for the app to go idle after each key)."""
    for key, character in keys:
        event = events.Key(key, character)
        event.set_sender(app)
        app.post_message(event)


ENTER = ("enter", "\r")


async def open_incident(pilot, cockpit: Cockpit, incident_id: str) -> IncidentScreen:
    screen = IncidentScreen(cockpit, incident_id)
    pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def feedback(screen: IncidentScreen) -> str:
    return screen.query_one(Feedback).plain


def entries(cockpit: Cockpit, incident_id: str) -> list[tuple[str, str | None]]:
    """What the database holds (read on a connection of the test's own)."""
    return [
        (r.kind, r.data.get("text"))
        for r in cockpit.store.recs(incident_id)
        if r.kind.startswith("entry.") or r.kind.startswith("hypothesis.")
    ]


@pytest.mark.parametrize("line", ["restarted api-3", "x" * 4000], ids=["short", "4000 chars"])
async def test_a_double_enter_logs_the_line_once(cockpit: Cockpit, line: str):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        entry.value = line
        await pilot.pause()
        burst(app, ENTER, ENTER)
        await settle(pilot)
        assert entry.value == ""
        assert feedback(screen) == "✓ logged: note now (15:00)"  # not "✓ logged: ✓ logged:"
        assert [i.text for i in screen.query_one(Timeline).items].count(line) == 1
    assert entries(cockpit, declared.incident_id) == [("entry.note", line)]


async def test_keys_typed_after_enter_start_the_next_line(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        burst(app, *[(c, c) for c in "ab"], ENTER, *[(c, c) for c in "cd"], ENTER, ENTER)
        await settle(pilot)
        assert screen.query_one(EntryInput).value == ""
    assert entries(cockpit, declared.incident_id) == [("entry.note", "ab"), ("entry.note", "cd")]


async def test_a_write_behind_a_lock_keeps_the_screen_alive_and_commits_once_in_order(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        lock = hold()
        await pilot.press(*"? pool exhausted")
        await pilot.press("enter")
        # The line left the box at once and waits for the database, shown as saving.
        assert entry.value == ""
        assert feedback(screen) == "saving… hypothesis now (15:00)"
        # Nothing is shown as logged: not committed, not in the timeline.
        assert entries(cockpit, declared.incident_id) == []
        assert "pool exhausted" not in [i.text for i in screen.query_one(Timeline).items]
        # A second Enter does nothing; the next line can be typed at once, and waits.
        await pilot.press("enter")
        await pilot.press(*"/confirm last", "enter")
        assert feedback(screen) == "saving… hypothesis now (15:00) (+1 waiting)"
        await pilot.press(*"typing on")
        assert entry.value == "typing on"
        shown = feedback(screen)
        assert shown.startswith("note now (15:00)") and shown.endswith("(+1 waiting)")
        # The 1 s tick still runs: the header clock follows the clock.
        cockpit.clock.advance(seconds=1)  # type: ignore[attr-defined]
        await pilot.pause(1.3)
        assert "15:00:01 local" in str(screen.query_one("#header", Static).render())
        lock.release()
        await settle(pilot)
        assert entry.value == "typing on"  # the line being typed is left alone
        entry.value = ""
        await pilot.pause()
        assert feedback(screen) == "✓ logged: hypothesis outcome now (15:00)"
    # Committed once each, in order: `/confirm last` found the hypothesis before it.
    inc = cockpit.incident(declared.incident_id)
    [hypothesis] = inc.hypotheses()
    assert hypothesis.text == "pool exhausted" and hypothesis.state == "confirmed"
    kinds = [r.kind for r in cockpit.store.recs(declared.incident_id)]
    assert kinds.count("entry.hypothesis") == 1 and kinds.count("hypothesis.resolved") == 1


async def test_a_line_that_fails_when_its_turn_comes_goes_back_or_into_the_history(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        lock = hold()
        await pilot.press(*"first", "enter")
        await pilot.press(*"/sev 9", "enter")  # refused once its turn comes
        lock.release()
        await settle(pilot)
        # The box was empty: the refused line is back in it, with the reason.
        assert entry.value == "/sev 9"
        assert "not a level" in feedback(screen)
    assert entries(cockpit, declared.incident_id) == [("entry.note", "first")]


async def test_a_store_error_gives_every_waiting_line_back(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    refuse_inserts(cockpit, "entry.decision", "disk full")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        lock = hold()
        await pilot.press(*"! roll back", "enter")
        await pilot.press(*"after it", "enter")
        await pilot.press(*"half typed")
        lock.release()
        await settle(pilot)
        # The box held text: both lines are in the history, newest first, and said so.
        assert entry.value == "half typed"
        shown = feedback(screen)
        assert "disk full" in shown and "Up recalls it" in shown
        assert entry.history[-2:] == ["! roll back", "after it"]
        await pilot.press("up")
        assert entry.value == "after it"
        await pilot.press("up")
        assert entry.value == "! roll back"
    assert entries(cockpit, declared.incident_id) == []


async def test_quitting_while_saving_waits_for_the_commit(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        lock = hold()
        await pilot.press(*"last words", "enter")
        await pilot.press("ctrl+q")
        assert app.is_running and app.screen is screen
        assert any("still saving" in n.message for n in app._notifications)
        lock.release()
        await settle(pilot)
        for _ in range(50):  # the quit follows the commit
            if not app.is_running:
                break
            await pilot.pause(0.1)
        assert not app.is_running
    assert app.return_code == 0
    assert entries(cockpit, declared.incident_id) == [("entry.note", "last words")]


async def test_quitting_twice_while_saving_quits_and_names_what_was_not_confirmed(
    cockpit: Cockpit, hold: Callable[[], Lock], capsys: pytest.CaptureFixture[str]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_incident(pilot, cockpit, declared.incident_id)
        hold()
        await pilot.press(*"[bold]last words", "enter")
        await pilot.press("ctrl+q")
        await pilot.press("ctrl+q")
    assert app.return_code == 2
    printed = capsys.readouterr()
    said = printed.err + printed.out
    assert "not confirmed as logged" in said and "[bold]last words" in said


async def test_leaving_the_screen_while_saving_waits_for_the_commit(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        lock = hold()
        await pilot.press(*"note", "enter", "escape", "escape")
        assert app.screen is screen  # still here while it saves
        lock.release()
        await settle(pilot)
        assert app.screen is not screen
    assert entries(cockpit, declared.incident_id) == [("entry.note", "note")]


async def test_a_multi_line_paste_waits_its_turn_behind_a_typed_line(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        lock = hold()
        await pilot.press(*"? replica lag", "enter")
        screen.query_one(EntryInput).post_message(EntryInput.MultiLinePaste(["a", "/ruleout last"]))
        await pilot.pause()
        await pilot.press("y")
        assert feedback(screen) == "saving… hypothesis now (15:00) (+1 waiting)"
        lock.release()
        await settle(pilot)
        assert feedback(screen) == "✓ logged: 2 pasted lines"
    [hypothesis] = cockpit.incident(declared.incident_id).hypotheses()
    assert hypothesis.state == "ruled_out"


async def test_amend_and_declare_forms_say_saving_and_close_once_committed(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "typo'd")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("escape", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AmendScreen)
        form.query_one("#amend-text", Input).value = "fixed"
        lock = hold()
        await pilot.press("enter", "enter", "escape")  # Enter again, Esc: both wait
        assert app.screen is form
        assert "saving…" in str(form.query_one("#amend-error").render())
        lock.release()
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(Timeline).items[-1].text == "fixed"
        await pilot.press("escape")  # to the timeline... and to the board
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        app.screen.query_one("#title", Input).value = "Second incident"
        lock = hold()
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, DeclareScreen)
        assert "Saving" in str(app.screen.query_one("#declare").render())
        lock.release()
        await settle(pilot)
        assert not isinstance(app.screen, DeclareScreen)
    kinds = [r.kind for r in cockpit.store.recs(declared.incident_id)]
    assert kinds.count("entry.amended") == 1
    assert [row.title for row in cockpit.store.incidents()].count("Second incident") == 1


async def test_a_line_refused_at_once_stays_in_the_box_as_it_was(cockpit: Cockpit):
    declared = cockpit.declare("x", "3")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        await pilot.press(*"/sev 9", "left", "left", "enter")
        await settle(pilot)
        assert entry.value == "/sev 9" and entry.cursor_position == 4  # where it was
        assert "not a level" in feedback(screen)
        assert entry.history == []  # nothing was taken
        await pilot.press("end", "backspace", "1", "enter")
        await settle(pilot)
        assert entry.value == ""
        assert feedback(screen) == "✓ logged: severity change now (15:00)"
    assert cockpit.incident(declared.incident_id).severity == "SEV-1"


async def test_the_composer_says_saving_sends_once_and_closes_once_committed(
    cockpit: Cockpit, hold: Callable[[], Lock]
):
    from screens.composer import ComposerScreen

    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("escape", "u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        lock = hold()
        await pilot.press("ctrl+s", "ctrl+s", "escape")  # again, and Esc: both wait
        assert app.screen is composer
        assert "Saving" in str(composer.query_one("#note", Static).render())
        lock.release()
        await settle(pilot)
        assert app.screen is screen
    kinds = [r.kind for r in cockpit.store.recs(declared.incident_id)]
    assert kinds.count("update.sent") == 1
