"""Hostile text through every input of every screen, and through every name a config file
gives the screen: the app stays alive and shows the text as written.

Each piece of hostile text goes in as a person would put it there: markup is typed key by
key; control characters (which no key types) arrive as a one-line paste does. Every check
reads what the screen renders (the strips Textual sends to the terminal), at 80x24 and at
160x48: no control character, bidirectional override or line separator reaches the
terminal, markup is shown as typed (never styled or run), and each piece is there as
`cockpit.text.visible` shows it (ESC as ␛, U+009B as ⟨9B⟩ ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.events import Paste
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, Static, TextArea

from cockpit.app import make_app
from cockpit.service import Cockpit
from cockpit.text import visible
from screens.amend import AmendScreen
from screens.brief import BriefScreen
from screens.composer import ComposerScreen
from screens.declare import DeclareScreen
from screens.help import HelpScreen
from screens.incident import ConfirmScreen, IncidentScreen
from tests.pilot.helpers import (
    make,
    raw_controls,
    screen_lines,
    toml_string,
    user_config,
    user_policy,
)
from widgets.incident_table import IncidentTable
from widgets.panels import Checklist, Roster, Updates
from widgets.quick_entry import EntryInput, Feedback
from widgets.timeline import Timeline

MARKUP = ["[/", "[@click=x]", "[reverse]zzz"]
# Three lines of hostile words, each with one piece of markup; words have no spaces, so a
# word the screen wraps stays whole.
GROUPS = {
    "close-tag, ANSI, OSC title, bidi": "[/ \x1b[31mred \x1b]0;x\x07 \u202eevil",
    "click, OSC 52, C0 and DEL": "[@click=x] \x1b]52;c;aGk=\x07 nul\x00bs\x08del\x7f",
    "reverse, C1, ZWJ, U+2028": "[reverse]zzz csi\x9b2Jnel\x85 👨\u200d👩\u200d👧 a\u2028b",
}
SIZES = [(80, 24), (160, 48)]


@pytest.fixture(params=list(GROUPS), ids=list(GROUPS))
def hostile(request: pytest.FixtureRequest) -> str:
    return GROUPS[request.param]


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param


def words(text: str) -> list[str]:
    return text.split(" ")


def shown(widget: Widget) -> str:
    """What a text widget holds (its whole content, whatever the screen crops)."""
    return str(widget.render())


def assert_screen_is_literal(app: App[object], *expected: str) -> str:
    """The app is alive, nothing it draws carries a control character, and each of
    `expected` is on the screen (within one row). Returns the screen's rows, joined."""
    assert app.is_running, "the app stopped"
    lines = screen_lines(app)
    assert raw_controls(lines) == [], "\n".join(lines)
    screen = "\n".join(lines)
    for text in expected:
        assert text in screen, f"{text!r} is not on the screen:\n{screen}"
    return screen


async def put(pilot, widget: Input, text: str) -> None:
    """Type `text` into `widget` as a person would: markup key by key, and what no key can
    type (control characters, a joiner, a separator) the way a one-line paste inserts it."""
    widget.focus()
    widget.value = ""
    await pilot.pause()  # focused (an input may select its text on focus)
    for word_number, word in enumerate(words(text)):
        if word_number:
            await pilot.press("space")
        if word in MARKUP:
            await pilot.press(*word)
        else:
            widget.insert_text_at_cursor(word)
    await pilot.pause()
    assert widget.value == text


def declare_hostile(cockpit: Cockpit, text: str) -> str:
    """An incident whose every user text is `text`: title, impact, entries, a timer, a
    role holder mentioned, an update sent."""
    incident_id = cockpit.declare(text, "1").incident_id
    for line in [f"/impact {text}", f"? {text}", f"> {text}", f"/timer 10m {text}", text]:
        cockpit.log(incident_id, line)
    cockpit.send_update(incident_id, text=text, audience="internal", template="quick")
    return incident_id


async def open_incident(pilot, cockpit: Cockpit, incident_id: str) -> IncidentScreen:
    screen = IncidentScreen(cockpit, incident_id)
    pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


# the board and the declare form ----------------------------------------------------------
async def test_the_board_filter_quotes_what_was_typed(tmp_path: Path, hostile: str, size):
    cockpit = make(tmp_path)
    cockpit.declare("Checkout errors", "1")
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("slash")
        box = app.screen.query_one("#filter", Input)
        await put(pilot, box, hostile)
        hint = shown(app.screen.query_one("#empty", Static))
        for word in words(hostile):
            assert repr(visible(word))[1:-1] in hint  # quoted, with controls as symbols
        assert_screen_is_literal(app, markup_in(hostile), "No incident matches")
        await pilot.press("escape")
        await pilot.pause()
        assert_screen_is_literal(app, "Checkout errors")


def markup_in(text: str) -> str:
    return next(word for word in words(text) if word in MARKUP)


async def test_every_field_of_the_declare_form(tmp_path: Path, hostile: str, size):
    cockpit = make(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DeclareScreen)
        await put(pilot, form.query_one("#title", Input), hostile)
        await put(pilot, form.query_one("#started", Input), hostile)
        preview = shown(form.query_one("#started-preview", Static))
        assert f"{hostile!r} is not a time" in preview  # the error quotes it, escaped
        assert_screen_is_literal(app, markup_in(hostile))
        await pilot.press("enter")  # refused: the error says why, quoting the field
        await pilot.pause()
        error = shown(form.query_one("#error", Static))
        assert error.startswith(f"Started: {hostile!r} is not a time")
        assert_screen_is_literal(app, markup_in(hostile))
        form.query_one("#started", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
        table = app.screen.query_one(IncidentTable)
        title = table.get_row_at(0)[table.shown_columns.index("title")]
        assert title.plain == visible(hostile) and not title.spans
        assert_screen_is_literal(app, visible(words(hostile)[0]))
    [row] = cockpit.store.incidents()
    assert row.title == hostile  # stored as typed


# the incident screen and what opens from it ---------------------------------------------
async def test_the_quick_entry_its_preview_errors_and_the_timeline(
    tmp_path: Path, hostile: str, size
):
    cockpit = make(tmp_path)
    incident_id = declare_hostile(cockpit, hostile)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await open_incident(pilot, cockpit, incident_id)
        header = shown(screen.query_one("#header", Static))
        assert visible(hostile) in header
        timeline = screen.query_one(Timeline)
        assert sum(visible(hostile) in item for item in timeline_rows(timeline)) >= 3
        assert_screen_is_literal(app, visible(words(hostile)[0]))
        entry = screen.query_one(EntryInput)
        feedback = screen.query_one(Feedback)
        markup = markup_in(hostile)
        for line, says in [
            (hostile, "note now"),  # previews
            (f"? {hostile}", "hypothesis now"),
            (f"/link bridge {hostile}", "context now"),
            (f"/status {hostile}", f"✗ column 9: {markup!r} is not a status"),  # errors
            (f"/timer {hostile}", f"✗ column 8: {markup!r} is not a duration"),
            (f"/check {hostile}", "✗ column "),
            (f"/nosuch {hostile}", "✗ column 1: unknown command"),
            (f"@-5x {hostile}", "✗ column 1: "),
        ]:
            await put(pilot, entry, line)
            assert feedback.plain.startswith(says), feedback.plain
            assert_screen_is_literal(app)
        await put(pilot, entry, f"! {hostile}")
        await pilot.press("enter")
        await pilot.pause()
        assert entry.value == ""
        assert feedback.plain.startswith("✓ logged: decision")
        assert visible(hostile) in timeline_rows(timeline)[-1]
        assert_screen_is_literal(app, visible(words(hostile)[0]))
        await pilot.press("f2")  # the panels (a page of their own when narrow)
        await pilot.pause()
        updates = shown(screen.query_one(Updates))
        assert visible(words(hostile)[0]) in updates  # the update sent, its first words
        assert_screen_is_literal(app)
    decisions = [e.text for e in cockpit.incident(incident_id).entries if e.kind.endswith("sion")]
    assert decisions == [hostile]


def timeline_rows(timeline: Timeline) -> list[str]:
    """Each timeline row as drawn, wide enough for the whole text."""
    width = 400
    return [
        "".join(
            segment.text for segment in timeline._render_item(item, "", item.text, False, width)
        )
        for item in timeline.items
    ]


async def test_a_pasted_block_is_quoted_line_by_line_before_it_is_logged(
    tmp_path: Path, hostile: str, size
):
    cockpit = make(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "1").incident_id
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await open_incident(pilot, cockpit, incident_id)
        pasted = [f"one {hostile}", f"two {hostile}"]
        screen.query_one(EntryInput).post_message(Paste("\n".join(pasted)))
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        rows = assert_screen_is_literal(app, "Log these 2 lines as 2 entries?")
        for line in pasted:  # one row each, as pasted, with controls as symbols
            assert (
                visible(line)
                in shown(question.query_one("Label")).split("\n")[2:][pasted.index(line)]
            )
        assert "one " + visible(words(hostile)[0]) in rows
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert_screen_is_literal(app)
    texts = [e.text for e in cockpit.incident(incident_id).entries]
    assert texts == pasted


async def test_amend_and_retract(tmp_path: Path, hostile: str, size):
    cockpit = make(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "1").incident_id
    cockpit.log(incident_id, hostile)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_incident(pilot, cockpit, incident_id)
        await pilot.press("escape", "end")  # the timeline, on the hostile note
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AmendScreen)
        text_box = form.query_one("#amend-text", Input)
        assert text_box.value == hostile  # the entry's text to edit, as stored
        assert_screen_is_literal(app, markup_in(hostile))
        await put(pilot, form.query_one("#amend-time", Input), hostile)
        await pilot.press("ctrl+s")  # a time that is no time: refused, quoting it
        await pilot.pause()
        error = shown(form.query_one("#amend-error"))
        assert error.startswith("✗ ") and markup_in(hostile) in error
        assert_screen_is_literal(app, markup_in(hostile))
        form.query_one("#amend-time", Input).value = "15:00:00"
        await put(pilot, text_box, f"{hostile} fixed")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, AmendScreen)
        await pilot.press("x")  # retract: the question quotes the entry
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        question = shown(app.screen.query_one("Label"))
        assert visible(f"{hostile} fixed") in question.split("\n")
        assert_screen_is_literal(app, markup_in(hostile))
        await pilot.press("escape")
        await pilot.pause()
        assert_screen_is_literal(app)
    [note] = [e for e in cockpit.incident(incident_id).entries if e.kind == "entry.note"]
    assert note.text == f"{hostile} fixed"


async def test_every_field_of_the_update_composer(tmp_path: Path, hostile: str, size):
    cockpit = make(tmp_path)
    incident_id = declare_hostile(cockpit, hostile)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_incident(pilot, cockpit, incident_id)
        await pilot.press("escape", "u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert visible(hostile) in shown(composer.query_one("#heading", Static))
        area = composer.query_one("#text", TextArea)
        assert visible(hostile) in area.text  # the title, filled in as shown
        assert_screen_is_literal(app, markup_in(hostile))
        await put(pilot, composer.query_one("#next", Input), hostile)
        preview = shown(composer.query_one("#next-preview", Static))
        assert markup_in(hostile) in preview  # the error quotes what was typed
        assert_screen_is_literal(app, markup_in(hostile))
        await pilot.press("ctrl+s")  # refused: the promise is no time
        await pilot.pause()
        assert shown(composer.query_one("#error", Static)).startswith("Next update: ")
        assert_screen_is_literal(app, markup_in(hostile))
        composer.query_one("#next", Input).value = "30m"
        area.load_text("")
        area.focus()
        app.post_message(Paste(f"pasted {hostile}"))
        await pilot.pause()
        assert area.text == visible(f"pasted {hostile}")  # what is shown is what is sent
        assert_screen_is_literal(app, "pasted " + visible(words(hostile)[0]))
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ComposerScreen)
        assert_screen_is_literal(app, "Update sent to Internal")  # the toast
    sent = [r.data["text"] for r in cockpit.store.recs(incident_id) if r.kind == "update.sent"]
    assert sent[-1] == visible(f"pasted {hostile}")


async def test_the_brief_and_help(tmp_path: Path, hostile: str, size):
    cockpit = make(tmp_path)
    incident_id = declare_hostile(cockpit, hostile)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_incident(pilot, cockpit, incident_id)
        await pilot.press("escape", "b")
        await pilot.pause()
        brief = app.screen
        assert isinstance(brief, BriefScreen)
        body = shown(brief.query_one("#body", Static))
        assert body.count(visible(hostile)) >= 4  # title, impact, hypothesis, action ...
        assert visible(hostile) in shown(brief.query_one("#heading", Static))
        assert_screen_is_literal(app, markup_in(hostile))
        await pilot.press("c")
        await pilot.pause()
        assert raw_controls(app.clipboard.split("\n")) == []  # as shown
        assert_screen_is_literal(app, "Brief copied")
        await pilot.press("escape", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "/update [TEXT]" in app.screen.plain()  # brackets as written, not markup
        assert_screen_is_literal(app, "Keys", "Retract")


# names that come from config files -------------------------------------------------------
def hostile_config(text: str) -> None:
    """A user policy, runbook and template whose every name and label is `text`."""
    user_policy(f"sev {text}", level_label=text, role_label=text, audience_label=text)
    runbook = [
        'name = "first-thirty"',
        f"label = {toml_string(text)}",
        "[[phases]]",
        f"key = {toml_string(text)}",
        f"label = {toml_string(text)}",
        'start = "0m"',
        'end = "30m"',
        "[[items]]",
        'id = "first"',
        f"phase = {toml_string(text)}",
        f"title = {toml_string(text)}",
        'due = "5m"',
    ]
    user_config("first-thirty.toml", "\n".join(runbook) + "\n")
    template = [
        f"label = {toml_string(text)}",
        'audience = "internal"',
        f"description = {toml_string(text)}",
        f"body = {toml_string(text + ' {title}')}",
    ]
    user_config("templates/internal.toml", "\n".join(template) + "\n")
    # a template that cannot be loaded: its error quotes the file
    user_config("templates/broken.toml", f"label = {toml_string(text)}\nbody = 3\n")


async def test_names_from_the_users_policy_runbook_and_templates(
    tmp_path: Path, hostile: str, size
):
    hostile_config(hostile)
    cockpit = make(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("n")  # the form names the policy and offers its levels
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DeclareScreen)
        heading = form.query_one("#severity-label")
        assert shown(heading) == f"Severity (sev {visible(hostile)})"
        assert_screen_is_literal(app, f"Severity (sev {visible(words(hostile)[0])}")
        severity = form.query_one("#severity", Select)
        severity.focus()
        await pilot.press("enter")  # the levels, as the policy labels them
        await pilot.pause()
        overlay = severity.query_one(OptionList)
        prompts = [str(overlay.get_option_at_index(i).prompt) for i in range(4)]
        assert prompts == [f"SEV-{n}  {visible(hostile)}" for n in range(1, 5)]
        assert_screen_is_literal(app, f"SEV-1  {visible(words(hostile)[0])}")
        await pilot.press("escape")
        await pilot.pause()
        await put(pilot, form.query_one("#title", Input), "Checkout errors")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
        [row] = cockpit.store.incidents()
        screen = await open_incident(pilot, cockpit, row.id)
        await pilot.press("f2")  # the panels (a page of their own when narrow)
        await pilot.pause()
        roster = shown(screen.query_one(Roster))
        assert roster.count(visible(hostile)) == 4  # every role, as the policy names it
        checklist = shown(screen.query_one(Checklist))
        assert checklist.count(visible(hostile)) == 3  # the phase's key and label, the item
        assert_screen_is_literal(app, visible(words(hostile)[0]))
        await pilot.press("f2", "escape", "u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        templates = composer.query_one("#templates", OptionList)
        assert str(templates.get_option("broken").prompt) == "broken (cannot load)"
        assert str(templates.get_option("internal").prompt) == f"{visible(hostile)}\n  to Internal"
        audience = composer.query_one("#audience", Select)
        assert str(audience.selection) == "internal"
        area = composer.query_one("#text", TextArea)
        assert area.text == visible(f"{hostile} Checkout errors")  # the body, filled
        assert_screen_is_literal(app, visible(words(hostile)[0]))
        templates.highlighted = templates.get_option_index("broken")  # its error quotes it
        await pilot.pause()
        error = shown(composer.query_one("#error", Static))
        assert error.startswith("Template broken:")
        assert_screen_is_literal(app, "Template broken:")
        await pilot.press("escape", "b")
        await pilot.pause()
        assert isinstance(app.screen, BriefScreen)
        body = shown(app.screen.query_one("#body", Static))
        assert visible(hostile) in body  # role labels and the unchecked item
        assert_screen_is_literal(app, visible(words(hostile)[0]))
