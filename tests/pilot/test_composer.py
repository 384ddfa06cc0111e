"""The update composer, driven from the keyboard as a commander would."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from textual.events import Paste
from textual.widgets import Input, OptionList, Select, Static, TextArea

from cockpit.app import make_app
from cockpit.clock import ManualClock
from cockpit.events import Event
from cockpit.publish import FilePublisher, SentUpdate
from cockpit.service import Cockpit
from screens.composer import ComposerScreen
from tests.conftest import T0
from tests.pilot.helpers import refuse_inserts, settle

HOSTILE_TITLE = "[bold]x[/] \x1b[31mred \u202eevil 🔥"


def advance(cockpit: Cockpit, **kwargs: float) -> None:
    clock = cockpit.clock
    assert isinstance(clock, ManualClock)
    clock.advance(**kwargs)


def sev1(cockpit: Cockpit, title: str = "Checkout errors") -> str:
    incident_id = cockpit.declare(title, "1").incident_id
    for line in [
        "/impact 5% of card payments fail",
        "/role ic @alice",
        "> rolled back api to v41 with @bob",
        "? db pool exhausted",
    ]:
        cockpit.log(incident_id, line)
    return incident_id


class Result:
    def __init__(self) -> None:
        self.values: list[Event | None] = []

    def __call__(self, value: Event | None) -> None:
        self.values.append(value)


async def open_composer(pilot, cockpit: Cockpit, incident_id: str, template: str | None = None):
    result = Result()
    screen = ComposerScreen(cockpit, cockpit.live(incident_id).incident, template)
    pilot.app.push_screen(screen, result)
    await pilot.pause()
    return screen, result


def text_of(screen: ComposerScreen) -> str:
    return screen.query_one("#text", TextArea).text


def shown(screen: ComposerScreen, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


def updates(cockpit: Cockpit, incident_id: str) -> list[dict]:
    return [r.data for r in cockpit.store.recs(incident_id) if r.kind == "update.sent"]


async def test_prefilled_from_state_with_the_most_overdue_audiences_template(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    advance(cockpit, minutes=11)  # the first internal update was due at 10 min
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id)
        assert screen.selected == "internal"
        assert screen.audience == "internal"
        text = text_of(screen)
        assert "Checkout errors" in text
        assert "SEV-1" in text
        assert "5% of card payments fail" in text
        assert "rolled back api to v41" in text
        assert "OVERDUE" in shown(screen, "#due")
        # the promise is the audience's cadence from now, and the text names it
        assert screen.query_one("#next", Input).value == "15m"
        assert "15:26" in text  # 15:11 + 15 min, in the incident's zone
        assert isinstance(screen.focused, OptionList)


async def test_the_executive_template_is_chosen_when_executives_are_most_overdue(
    cockpit: Cockpit,
):
    incident_id = sev1(cockpit)
    advance(cockpit, minutes=9)
    cockpit.send_update(incident_id, text="first", audience="internal")
    advance(cockpit, minutes=22)  # internal due at 15:24, executives at 15:30; now 15:31
    cockpit.send_update(incident_id, text="second", audience="internal")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id)
        assert screen.selected == "executive"
        assert screen.audience == "executive"
        assert "Business impact" in text_of(screen)


async def test_status_template_names_no_handles(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    cockpit.log(incident_id, "/customer yes")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id, "status")
        assert screen.audience == "status"
        text = text_of(screen)
        assert text.startswith("Investigating:")
        assert "@" not in text
        assert "Checkout errors" not in text  # the team's own title stays internal


async def test_switching_templates_from_the_keyboard(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id, "ack")
        assert text_of(screen).startswith("We are aware of Checkout errors")
        await pilot.press("down")  # the template list has focus: ack -> escalation
        await pilot.pause()
        assert screen.selected == "escalation"
        assert screen.audience == "escalation"
        assert text_of(screen).startswith("Escalating")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert screen.selected == "executive"
        await pilot.press("enter")  # into the text
        await pilot.pause()
        assert isinstance(screen.focused, TextArea)


async def test_edit_then_send_records_copies_and_writes_the_file(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    advance(cockpit, minutes=12)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        area = screen.query_one("#text", TextArea)
        area.focus()
        await pilot.press("home")
        await pilot.press(*"EDITED ")
        await pilot.pause()
        edited = area.text
        assert edited.startswith("EDITED ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result.values and isinstance(result.values[0], Event)
        event = result.values[0]
        assert app.clipboard == edited
        assert screen not in app.screen_stack
        notes = [n.message for n in app._notifications]
        assert any("clipboard" in n and "file:" in n for n in notes)
    sent = updates(cockpit, incident_id)
    assert len(sent) == 1
    assert sent[0]["text"] == edited
    assert sent[0]["audience"] == "internal"
    assert sent[0]["template"] == "internal"
    # the internal countdown starts again from the send: due a cadence (15 min) later
    inc = cockpit.incident(incident_id)
    plan = inc.update_plan("internal")
    assert plan is not None
    assert plan.due_at == event.occurred_at + timedelta(minutes=15)
    assert plan.state(cockpit.now()) == "ok"
    # and the file is there, readable by its owner only
    path = FilePublisher().path_for(SentUpdate.from_event(event))
    assert path.read_text(encoding="utf-8") == edited + "\n"
    assert os.stat(path).st_mode & 0o077 == 0


async def test_the_send_button_sends_to_the_chosen_audience(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        screen.query_one("#audience", Select).value = "executive"
        await pilot.pause()
        assert screen.audience == "executive"
        # executives' cadence is 30 min: the promise follows the audience
        assert screen.query_one("#next", Input).value == "30m"
        await pilot.click("#send")
        await settle(pilot)
        assert result.values and result.values[0] is not None
    sent = updates(cockpit, incident_id)
    assert [s["audience"] for s in sent] == ["executive"]
    assert sent[0]["next_update_at"] == "2026-03-04T14:30:00Z"
    inc = cockpit.incident(incident_id)
    executives = inc.update_plan("executive")
    assert executives is not None
    assert executives.due_at == T0 + timedelta(minutes=30)
    assert inc.update_plan("internal").due_at == T0 + timedelta(minutes=10)  # untouched


async def test_an_escalation_page_records_the_escalation(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "escalation")
        assert "engineering leadership" in text_of(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result.values[0] is not None
    kinds = [r.kind for r in cockpit.store.recs(incident_id)]
    assert "escalation.made" in kinds
    made = [r for r in cockpit.store.recs(incident_id) if r.kind == "escalation.made"]
    assert made[0].data["to"] == "engineering leadership"


async def test_a_typed_next_update_is_promised_and_named_in_the_text(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id, "internal")
        next_field = screen.query_one("#next", Input)
        next_field.value = "15:45"
        await pilot.pause()
        assert "Next update: 15:45" in text_of(screen)
        assert "(in 45 min)" in shown(screen, "#next-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert updates(cockpit, incident_id)[0]["next_update_at"] == "2026-03-04T14:45:00Z"


async def test_a_bad_next_value_shows_an_error_and_logs_nothing(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    before = cockpit.store.count_events()
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        text = text_of(screen)
        next_field = screen.query_one("#next", Input)
        next_field.focus()
        next_field.value = "\x1b[2Jsoon"
        await pilot.pause()
        assert "is not a duration" in shown(screen, "#next-preview")
        painted = "".join(
            segment.text for strip in app.screen._compositor.render_strips() for segment in strip
        )
        assert "␛[2Jsoon" in painted and "\x1b" not in painted
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Next update:" in shown(screen, "#error")
        assert app.screen is screen  # still open, everything kept
        assert text_of(screen) == text
        assert next_field.value == "\x1b[2Jsoon"
        assert result.values == []
        # a time that has passed is refused the same way
        next_field.value = "14:00"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "has passed" in shown(screen, "#error")
    assert cockpit.store.count_events() == before
    assert app.clipboard == ""


async def test_an_empty_text_shows_an_error_and_logs_nothing(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    before = cockpit.store.count_events()
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        screen.query_one("#text", TextArea).load_text("  \n ")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "empty" in shown(screen, "#error")
        assert app.screen is screen
        assert result.values == []
    assert cockpit.store.count_events() == before


async def test_escape_cancels_and_logs_nothing(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    before = cockpit.store.count_events()
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id)
        screen.query_one("#text", TextArea).focus()
        await pilot.press(*"typing")
        await pilot.press("escape")
        await pilot.pause()
        assert result.values == [None]
        assert app.screen is not screen
    assert cockpit.store.count_events() == before
    assert app.clipboard == ""


async def test_switching_template_keeps_edits_until_asked_twice(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id, "internal")
        area = screen.query_one("#text", TextArea)
        area.load_text("my own words")
        await pilot.pause()
        await pilot.press("ctrl+t")  # internal -> resolution
        await pilot.pause()
        assert screen.selected == "resolution"
        assert area.text == "my own words"
        assert "edits are kept" in shown(screen, "#note")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert area.text == "my own words"
        assert "again" in shown(screen, "#note")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert area.text.startswith("Resolved: ")


async def test_a_broken_template_shows_its_message_not_a_traceback(cockpit: Cockpit):
    folder = Path(os.environ["COCKPIT_CONFIG_DIR"]) / "templates"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('label = "Mine"\naudience = "internal"\nbody = "{nope}"\n')
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "mine")
        error = shown(screen, "#error")
        assert "mine" in error
        assert "unknown placeholder {nope}" in error
        assert "Traceback" not in error
        # another template still fills, and sending works
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not shown(screen, "#error")
        assert text_of(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result.values and result.values[0] is not None


async def test_a_store_error_keeps_the_text(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    before = cockpit.store.count_events()
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        text = text_of(screen)
        refuse_inserts(cockpit, "update.sent", "disk full")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = shown(screen, "#error")
        assert error.startswith("Not sent: ") and "disk full" in error
        assert text_of(screen) == text
        assert result.values == []
        assert not screen.text_area.read_only  # the text can be edited and sent again
    assert cockpit.store.count_events() == before


async def test_a_file_that_cannot_be_written_is_reported_and_the_update_stays_sent(
    cockpit: Cockpit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("COCKPIT_EXPORT_DIR", str(blocker))
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        _, result = await open_composer(pilot, cockpit, incident_id, "internal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result.values and result.values[0] is not None
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert warnings and "not delivered" in warnings[0].message
    assert len(updates(cockpit, incident_id)) == 1


async def test_hostile_text_renders_literally_and_is_stored_unchanged(cockpit: Cockpit):
    incident_id = sev1(cockpit, HOSTILE_TITLE)
    cockpit.log(incident_id, "> kill \x1b]0;pwned\x07 [red]now[/]")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, result = await open_composer(pilot, cockpit, incident_id, "internal")
        text = text_of(screen)
        assert "[bold]x[/]" in text  # markup is text, not style
        assert "␛[31mred" in text
        assert "⟨U+202E⟩evil 🔥" in text
        assert "[red]now[/]" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        heading = str(screen.query_one("#heading", Static).render())
        assert "[bold]x[/] ␛[31mred ⟨U+202E⟩evil 🔥" in heading
        # nothing the editor paints carries the raw bytes
        area = screen.query_one("#text", TextArea)
        painted = "".join(
            segment.text for y in range(area.size.height) for segment in area.render_line(y)
        )
        assert "x[/] ␛[31mred" in painted
        assert "\x1b" not in painted and "\u202e" not in painted
        everything = "".join(
            segment.text for strip in app.screen._compositor.render_strips() for segment in strip
        )
        assert "\x1b" not in everything and "\u202e" not in everything
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result.values[0] is not None
        assert app.clipboard == text
    # what was sent is what was shown; the incident's own events keep their text as typed
    assert updates(cockpit, incident_id)[0]["text"] == text
    assert cockpit.incident(incident_id).title == HOSTILE_TITLE
    actions = [e.text for e in cockpit.incident(incident_id).entries if e.kind == "entry.action"]
    assert "> kill" not in actions[-1]
    assert actions[-1] == "kill \x1b]0;pwned\x07 [red]now[/]"


async def test_a_paste_with_control_characters_is_shown_and_sent_as_symbols(cockpit: Cockpit):
    incident_id = sev1(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_composer(pilot, cockpit, incident_id, "internal")
        area = screen.query_one("#text", TextArea)
        area.load_text("start")
        area.focus()
        await pilot.press("end")
        await pilot.pause()
        app.post_message(Paste(" \x1b[2Jgone\u202e\nnext line"))
        await pilot.pause()
        assert area.text == "start ␛[2Jgone⟨U+202E⟩\nnext line"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert updates(cockpit, incident_id)[0]["text"] == "start ␛[2Jgone⟨U+202E⟩\nnext line"
