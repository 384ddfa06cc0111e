"""What the line under the quick entry says does not depend on when Textual delivers the
box's Changed messages.

Each key typed makes the input post a Changed message (with the value it had then), which
reaches the quick entry and the screen through the queues of the input and of every
container in between. Enter empties the box in its own turn, so with a burst of keys those
messages can arrive after the line has left the box, after it has committed and after the
line said "✓ logged: …". The real `cockpit` on a terminal showed it about once in ten runs
(tests/cli/test_tui_start.py: the line was in the timeline and in the database, and the
confirmation was gone: the messages of the keys typed had replaced it with a preview of a
line no longer in the box, then with nothing).

Here the messages are delivered late on purpose: the same messages the input posts, posted
to it once the line has been handled.
"""

from __future__ import annotations

from cockpit.app import make_app
from cockpit.service import Cockpit
from tests.pilot.helpers import refuse_inserts, settle
from tests.pilot.test_entry_writes import ENTER, burst, entries, feedback, open_incident
from widgets.quick_entry import EntryInput, QuickEntry


def typed(text: str) -> list[tuple[str, str | None]]:
    """The keys of `text` (letters and spaces) as a terminal sends them."""
    return [("space", " ") if c == " " else (c, c) for c in text]


def late_changes(entry: EntryInput, line: str) -> None:
    """The Changed messages of typing `line` and of Enter emptying the box, delivered now."""
    for n in range(1, len(line) + 1):
        entry.post_message(EntryInput.Changed(entry, line[:n]))
    entry.post_message(EntryInput.Changed(entry, ""))


async def test_a_line_logged_stays_confirmed_when_the_messages_of_its_keys_come_late(
    cockpit: Cockpit,
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        line = "typed in the session"
        burst(app, *typed(line), ENTER)
        await settle(pilot)
        assert feedback(screen) == "✓ logged: note now (15:00)"
        late_changes(entry, line)
        await settle(pilot)
        assert entry.value == ""
        assert feedback(screen) == "✓ logged: note now (15:00)"
    assert entries(cockpit, declared.incident_id) == [("entry.note", line)]


async def test_a_line_given_back_keeps_its_reason_when_the_messages_of_its_keys_come_late(
    cockpit: Cockpit,
):
    declared = cockpit.declare("x", "1")
    refuse_inserts(cockpit, "entry.note", "disk full")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        line = "typed in the session"
        burst(app, *typed(line), ENTER)
        await settle(pilot)
        assert entry.value == line  # not logged: back in the box, with the reason
        assert "disk full" in feedback(screen)
        late_changes(entry, line)
        await settle(pilot)
        assert entry.value == line
        assert "disk full" in feedback(screen)
        assert screen.query_one(QuickEntry).has_class("-error")
    assert entries(cockpit, declared.incident_id) == []
