"""What a person types is stored as typed: the characters Textual's Input drops as not
printable (zero-width joiner, no-break space, bidirectional override ...) are taken, with
real key events; controls stay keys."""

from __future__ import annotations

import unicodedata

from textual import events

from cockpit.app import make_app
from cockpit.service import Cockpit
from screens.incident import IncidentScreen
from tests.pilot.helpers import settle
from widgets.plain_input import PlainInput, typed_text
from widgets.quick_entry import EntryInput


async def open_incident(pilot, cockpit: Cockpit, incident_id: str) -> IncidentScreen:
    screen = IncidentScreen(cockpit, incident_id)
    pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def post_keys(app, *characters: str) -> None:
    for character in characters:
        event = key_for(character)
        event.set_sender(app)
        app.post_message(event)


INVISIBLE = [
    "\u200d",  # zero-width joiner
    "\u200b",  # zero-width space
    "\u00a0",  # no-break space
    "\u202e",  # right-to-left override
    "\ufeff",  # byte-order mark / zero-width no-break space
    "\u2028",  # line separator
    "\ue000",  # private use
    "\U0001fae8",  # shaking face: newer than Python 3.11's Unicode tables
]


def key_for(character: str) -> events.Key:
    """The key event a terminal's character becomes (named as Textual names it)."""
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        name = character
    return events.Key(name, character)


async def test_invisible_characters_typed_are_stored_as_typed(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    family = "👨\u200d👩\u200d👧"
    typed = f"family {family} " + "".join(INVISIBLE) + " end"
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        post_keys(app, *typed)
        await pilot.pause()
        assert entry.value == typed
        assert "⍰" in app.export_screenshot()  # the override is drawn as a symbol
        await pilot.press("enter")
        await settle(pilot)
    [note] = [r for r in cockpit.store.recs(declared.incident_id) if r.kind == "entry.note"]
    assert note.text is not None and note.text.encode() == typed.encode()


async def test_control_characters_typed_are_not_inserted(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        await pilot.press(*"ab")
        post_keys(app, "\x85", "\x9b", "\x02", "\x7f")
        await pilot.pause()
        assert entry.value == "ab"  # C0 and C1 controls are keys, not text


def test_which_characters_are_taken():
    assert all(typed_text(c) for c in INVISIBLE)
    for control in ["\x00", "\x02", "\x1b", "\x7f", "\x85", "\x9b"]:
        assert not typed_text(control)  # keys (Enter, Esc, Backspace ...), not text
    assert not typed_text("\ud800")  # a lone surrogate is not text
    assert not typed_text("a") and not typed_text(None)  # Input takes these itself


async def test_every_input_takes_them_the_declare_title_too(cockpit: Cockpit):
    from screens.declare import DeclareScreen

    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        post_keys(app, *"Pay\u00a0API \u202e")
        await pilot.pause()
        assert app.screen.query_one("#title", PlainInput).value == "Pay\u00a0API \u202e"


async def test_a_pasted_line_keeps_what_follows_a_line_separator(cockpit: Cockpit):
    """Textual's Input keeps `splitlines()[0]` of a paste: U+2028, NEL and the file
    separators ended the line there and the rest was dropped."""
    declared = cockpit.declare("x", "1")
    pasted = "before\u2028middle\x85after\x1cend"
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        entry.post_message(events.Paste(pasted))
        await pilot.pause()
        assert entry.value == pasted
        await pilot.press("enter")
        await settle(pilot)
    texts = [r.text for r in cockpit.store.recs(declared.incident_id) if r.kind == "entry.note"]
    assert texts == [pasted]


async def test_a_paste_into_any_input_keeps_its_first_line_whole(cockpit: Cockpit):
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        title = app.screen.query_one("#title", PlainInput)
        title.post_message(events.Paste("db\u2028primary down\nsecond line"))
        await pilot.pause()
        assert title.value == "db\u2028primary down"
