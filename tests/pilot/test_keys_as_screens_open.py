"""Keys typed while a screen or a form is opening reach the box it opens with.

A screen's widgets exist only once it has been composed and mounted, which takes a while
after it is pushed (around 100 ms for an incident on a real terminal, more with a long
timeline). Textual routes a key to the focused widget as soon as the app takes it from
its queue: until then nothing on the new screen had focus, so a key typed in that time
went to the bare screen and was dropped; just after composing, Textual's default focus
(the first focusable widget: the timeline, the form's time field) took it, and the
timeline's letters are commands.

Each test opens a screen as its key does (what the binding runs) and, before anything of
it has been composed or drawn, queues keys as a terminal delivers them in one read.
"""

from __future__ import annotations

from textual.widgets import Input, OptionList

from cockpit.app import make_app
from cockpit.service import Cockpit
from screens.amend import AmendScreen
from screens.board import BoardScreen
from screens.composer import ComposerScreen
from screens.declare import DeclareScreen
from screens.incident import IncidentScreen
from tests.pilot.helpers import settle
from tests.pilot.test_entry_writes import ENTER, burst, entries, feedback, open_incident
from tests.pilot.test_late_changes import typed
from widgets.quick_entry import EntryInput
from widgets.timeline import Timeline


async def test_keys_typed_as_the_incident_screen_opens_are_logged(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.open_incident(declared.incident_id)  # what Enter on the board does
        # "s" would star, "e" amend, "t" prefill /status, had the timeline taken them
        burst(app, *typed("typed as it opens"), ENTER)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        assert isinstance(screen.focused, EntryInput)
        assert feedback(screen) == "✓ logged: note now (15:00)"
    assert entries(cockpit, declared.incident_id) == [("entry.note", "typed as it opens")]


async def test_keys_typed_as_the_amend_form_opens_go_into_its_text(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "typo")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("escape")  # to the timeline: its newest entry is selected
        await pilot.pause()
        screen.action_amend()  # what e runs
        burst(app, *typed(" fixed"), ENTER)  # not into the time field above it
        await settle(pilot)
        assert app.screen is screen  # saved and closed
        item = screen.query_one(Timeline).items[-1]
        assert item.text == "typo fixed" and item.amended
        assert item.occurred_at.astimezone(cockpit.tz).strftime("%H:%M:%S") == "15:00:00"
    kinds = [r.kind for r in cockpit.store.recs(declared.incident_id)]
    assert kinds.count("entry.amended") == 1


async def test_keys_typed_as_the_declare_form_opens_go_into_its_title(cockpit: Cockpit):
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        board.action_declare()  # what n runs
        burst(app, *typed("checkout down"), ENTER)
        await settle(pilot)
        assert app.screen is board  # declared and closed
    [row] = cockpit.store.incidents()
    assert cockpit.incident(row.id).title == "checkout down"


async def test_a_key_typed_as_the_composer_opens_moves_in_its_template_list(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_incident(pilot, cockpit, declared.incident_id)
        composer = ComposerScreen(cockpit, cockpit.live(declared.incident_id).incident)
        names = list(composer.choices)
        first = names.index(composer.selected)
        assert first + 1 < len(names)
        app.push_screen(composer)  # what u runs
        burst(app, ("down", None))
        await settle(pilot)
        assert app.screen is composer
        assert isinstance(composer.focused, OptionList)
        assert composer.focused.highlighted == first + 1
        assert composer.selected == names[first + 1]


async def test_a_screen_focuses_its_box_as_it_is_composed(cockpit: Cockpit):
    """Where the keys go is settled once the screen's widgets exist, not a turn later."""
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "typo")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = IncidentScreen(cockpit, declared.incident_id)
        await app.push_screen(screen)  # composed and mounted, nothing else run since
        assert isinstance(screen.focused, EntryInput)
        item = screen.query_one(Timeline).items[-1]
        assert item.text == "typo"
        form = AmendScreen(cockpit, screen.incident, item)
        await app.push_screen(form)
        assert isinstance(form.focused, Input) and form.focused.id == "amend-text"
        declare = DeclareScreen(cockpit)
        await app.push_screen(declare)
        assert isinstance(declare.focused, Input) and declare.focused.id == "title"
        await pilot.pause()
