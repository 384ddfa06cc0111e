"""The incident screen, driven from the keyboard as a commander would."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Input, Label, Static

from cockpit.app import make_app
from cockpit.service import Cockpit
from cockpit.text import visible_in_place
from screens.amend import AmendScreen
from screens.incident import ConfirmScreen, IncidentScreen
from tests.pilot.helpers import make, settle
from widgets.panels import Countdown, Roster
from widgets.quick_entry import EntryInput
from widgets.timeline import Timeline


async def open_incident(pilot, cockpit: Cockpit, incident_id: str) -> IncidentScreen:
    screen = IncidentScreen(cockpit, incident_id)
    pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


async def type_line(pilot, line: str) -> None:
    await pilot.press(*line) if line else None
    await pilot.pause()


def feedback(screen: IncidentScreen) -> str:
    from widgets.quick_entry import Feedback

    return screen.query_one(Feedback).plain


def texts(screen: IncidentScreen) -> list[str]:
    return [i.text for i in screen.query_one(Timeline).items]


async def test_entry_has_focus_and_every_kind_is_logged(cockpit: Cockpit):
    declared = cockpit.declare("Checkout errors", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        assert isinstance(screen.focused, EntryInput)
        for line in [
            "plain note",
            "! roll back",
            "? db pool",
            "> restarted api-3",
            "todo: add alert",
        ]:
            await type_line(pilot, line)
            await pilot.press("enter")
            await settle(pilot)
            assert screen.query_one(EntryInput).value == ""
        kinds = [i.kind for i in screen.query_one(Timeline).items]
        assert kinds[1:] == [
            "entry.note",
            "entry.decision",
            "entry.hypothesis",
            "entry.action",
            "entry.todo",
        ]
    # committed: a fresh fold from the file has them
    assert cockpit.incident(declared.incident_id).entry_count == 5


async def test_a_bad_line_shows_the_error_and_keeps_the_text(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await type_line(pilot, "/sev 9")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one(EntryInput).value == "/sev 9"
        assert "not a level" in feedback(screen)
        assert screen.query_one("#quick-entry").has_class("-error")
    assert cockpit.store.count_events() == 1


async def test_backdating_is_previewed_then_placed_in_time(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "later note")
    cockpit.clock.advance(minutes=10)  # type: ignore[attr-defined]
    cockpit.log(declared.incident_id, "latest note")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await type_line(pilot, "@-4m ! roll back")
        assert feedback(screen) == "decision at 15:06, backdated 4 min"
        await pilot.press("enter")
        await settle(pilot)
        assert texts(screen)[1:] == ["later note", "roll back", "latest note"]
        # The line under the emptied input says what was logged, until the next line.
        assert screen.query_one(EntryInput).value == ""
        assert feedback(screen) == "✓ logged: decision at 15:06, backdated 4 min"
        await type_line(pilot, "x")
        assert feedback(screen).startswith("note")
        await pilot.press("backspace")
        await pilot.pause()
        assert feedback(screen) == ""


async def test_a_multi_line_paste_offers_to_log_every_line(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        screen.query_one(EntryInput).post_message(
            EntryInput.MultiLinePaste(["first", "@-1m ! second", "? third"])
        )
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        # the backdated line sorts before the declaration made at the same minute
        assert texts(screen) == ["second", "Declared SEV-1: x", "first", "third"]


async def test_a_paste_of_one_line_is_typed_not_logged(cockpit: Cockpit):
    from textual import events

    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        entry.post_message(events.Paste("just one line"))
        await pilot.pause()
        assert entry.value == "just one line"
        entry.post_message(events.Paste("a\nb\n"))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
    assert cockpit.store.count_events() == 1  # cancelled: nothing logged


async def test_roles_and_checklist_from_the_keyboard(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("escape")  # to the timeline
        await pilot.pause()
        assert isinstance(screen.focused, Timeline)
        await pilot.press("r")  # prefills /role and focuses the entry
        await pilot.pause()
        assert screen.query_one(EntryInput).value == "/role "
        await type_line(pilot, "ic @alice")
        await pilot.press("enter")
        await settle(pilot)
        assert "@alice" in str(screen.query_one(Roster).render())
        await pilot.press("escape", "k")
        await pilot.pause()
        await type_line(pilot, "confirm-impact")
        await pilot.press("enter")
        await settle(pilot)
    inc = cockpit.incident(declared.incident_id)
    assert inc.roles["ic"].handle == "alice"
    assert "confirm-impact" in inc.checklist and "name-ic" in inc.checklist


async def test_star_amend_and_retract_from_the_timeline(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "typo'd note")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one(Timeline).selected.text == "typo'd note"
        await pilot.press("s")
        await settle(pilot)
        assert screen.query_one(Timeline).selected.starred
        await pilot.press("e")  # the amend form: text and occurred time
        await pilot.pause()
        assert isinstance(app.screen, AmendScreen)
        text_box = app.screen.query_one("#amend-text", Input)
        time_box = app.screen.query_one("#amend-time", Input)
        assert text_box.value == "typo'd note" and time_box.value == "15:00:00"
        text_box.value = "@bob fixed note"  # taken as text, though it starts with @
        time_box.value = "99:99"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)  # a bad time keeps the form open
        assert "99:99" in str(app.screen.query_one("#amend-error", Label).render())
        time_box.value = "-1m"  # T0 + 0: a minute before, i.e. 14:59
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        item = screen.query_one(Timeline).items[0]
        assert item.text == "@bob fixed note" and item.amended
        assert item.occurred_at.astimezone(cockpit.tz).strftime("%H:%M") == "14:59"
        await pilot.press("home", "e")  # the amended entry now sorts first
        await pilot.pause()
        assert isinstance(app.screen, AmendScreen)
        await pilot.press("escape")  # Esc cancels: nothing logged
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("home", "x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert "@bob fixed note" not in texts(screen)
        await pilot.press("a")  # show retracted
        await pilot.pause()
        assert "@bob fixed note" in texts(screen)
    inc = cockpit.incident(declared.incident_id)
    assert inc.entry_count == 0
    assert [r.kind for r in cockpit.store.recs(declared.incident_id)].count("entry.amended") == 1
    everything = inc.visible_timeline(include_retracted=True)
    assert any(i.text == "@bob fixed note" and i.retracted and i.starred for i in everything)


async def test_countdown_states_as_the_clock_runs_and_one_alert(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")  # SEV-1: first update within 10 min
    cockpit.log(declared.incident_id, "/role ic @alice")  # acknowledged: no target bell
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        countdown = screen.query_one(Countdown)
        digits = screen.query_one("#countdown-digits")
        assert countdown.has_class("-ok") and digits.value == "10:00"
        bells = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        cockpit.clock.advance(minutes=8, seconds=30)  # type: ignore[attr-defined]
        screen.tick()
        assert countdown.has_class("-due_soon") and digits.value == "01:30"
        cockpit.clock.advance(minutes=2)  # type: ignore[attr-defined]
        screen.tick()
        assert countdown.has_class("-overdue") and digits.value == "+00:30"
        screen.tick()
        cockpit.clock.advance(seconds=1)  # type: ignore[attr-defined]
        screen.tick()
        assert digits.value == "+00:31"
        assert bells == [1]  # once, at the moment it fell due
        await type_line(pilot, "/update all hands on it")
        await pilot.press("enter")
        await settle(pilot)
        assert countdown.has_class("-ok") and digits.value == "15:00"


async def test_overdue_reminder_every_5_min_until_muted_and_the_mute_is_logged(
    cockpit: Cockpit,
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        notices: list[str] = []

        def notify(message: str, **kw: object) -> None:
            if "update" in message:  # targets and escalations have their own notices
                notices.append(message)

        screen.notify = notify  # type: ignore[method-assign]
        app.bell = lambda: None  # type: ignore[method-assign]
        cockpit.clock.advance(minutes=10)  # type: ignore[attr-defined]
        screen.tick()
        assert notices == [f"{screen.incident.ref}: a stakeholder update is due now"]
        cockpit.clock.advance(minutes=5)  # type: ignore[attr-defined]
        screen.tick()
        assert "the update is still overdue (internal)" in notices[-1] and len(notices) == 2
        screen.query_one(Timeline).focus()
        await pilot.press("m")
        await settle(pilot)
        assert screen.incident.reminders_muted
        cockpit.clock.advance(minutes=5)  # type: ignore[attr-defined]
        screen.tick()
        assert len(notices) == 2  # muted: no reminder
        await pilot.press("m")
        await settle(pilot)
        cockpit.clock.advance(minutes=5)  # type: ignore[attr-defined]
        screen.tick()
        assert len(notices) == 3
    kinds = [r.kind for r in cockpit.store.recs(declared.incident_id)]
    assert kinds.count("reminders.muted") == 1 and kinds.count("reminders.unmuted") == 1


async def test_an_entry_logged_elsewhere_appears_without_a_restart(cockpit: Cockpit, tmp_path):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        other = make(tmp_path, author="bob")  # another process's connection to the file
        other.log(declared.incident_id, "from the other laptop")
        await pilot.pause(1.3)
        assert "from the other laptop" in texts(screen)


HOSTILE = "[bold]x[/] [link=http://e]y \x1b[31mred \x1b]8;;http://e\x07 \u202eRTL 🔥 é"


def assert_literal(svg: str, *, whole: bool = True) -> None:
    """A screenshot shows the markup as typed and control characters as symbols (`whole`:
    the view is wide enough to show the text to its escape sequence)."""
    assert "[bold]x[/]" in svg and "\x1b" not in svg and "\x07" not in svg
    if whole:
        assert "[link=http://e]y" in svg and "␛[31mred" in svg


async def test_hostile_text_is_shown_literally_everywhere(cockpit: Cockpit):
    declared = cockpit.declare(HOSTILE, "1")
    incident_id = declared.incident_id
    for line in [
        HOSTILE,
        f"? {HOSTILE}",
        f"/role ic {HOSTILE.split()[0]}",
        f"/impact {HOSTILE}",
        f"/link bridge {HOSTILE.split()[0]}",
        f"/timer 10m {HOSTILE}",
        f"/update {HOSTILE}",
    ]:
        cockpit.log(incident_id, line)
    stored = [r.data.get("text") for r in cockpit.store.recs(incident_id)]
    assert HOSTILE in stored  # the stored text stays as typed
    for size in [(80, 24), (160, 48)]:
        app = make_app(cockpit)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert_literal(app.export_screenshot(), whole=size[0] > 80)  # the board
            screen = await open_incident(pilot, cockpit, incident_id)
            header = str(screen.query_one("#header", Static).render())
            assert "[bold]x[/]" in header and "␛[31m" in header and "\x1b" not in header
            wide = size[0] > 80
            assert_literal(app.export_screenshot(), whole=wide)  # header, timeline, panels
            await pilot.press("f2")
            await pilot.pause()
            assert_literal(app.export_screenshot(), whole=wide)  # the panels page when narrow
            await pilot.press("f2", "escape")
            await pilot.pause()
            await pilot.press("home", "down")  # the hostile note
            await pilot.press("e")  # the amend form shows the entry's text
            await pilot.pause()
            assert isinstance(app.screen, AmendScreen)
            assert_literal(app.export_screenshot())
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("x")  # the retract question quotes it
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert_literal(app.export_screenshot())
            await pilot.press("escape", "i")
            await pilot.pause()
            await type_line(pilot, HOSTILE.replace("\x1b", "").replace("\x07", ""))
            await pilot.pause()
            assert app.export_screenshot()  # the preview renders without crashing
            entry = screen.query_one(EntryInput)
            entry.value = HOSTILE  # as pasted: the input shows ␛, not an escape
            entry.cursor_position = 0
            await pilot.pause()
            assert_literal(app.export_screenshot(), whole=False)
            entry.cursor_position = HOSTILE.index("red")  # the cursor sits on the r
            assert entry._cursor_offset == cell_len(
                visible_in_place(HOSTILE[: entry.cursor_position])
            )


async def test_narrow_and_wide_layouts(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        assert screen.has_class("-narrow")
        await pilot.press("f2")
        await pilot.pause()
        assert screen.has_class("-panels")
    app = make_app(cockpit)
    async with app.run_test(size=(250, 70)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        assert not screen.has_class("-narrow")
        assert screen.query_one(Roster).display


async def test_tab_completes_commands_roles_checklist_ids_and_handles(cockpit: Cockpit):
    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "paged @db-oncall")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        entry = screen.query_one(EntryInput)
        await type_line(pilot, "/ro")
        await pilot.press("tab")
        assert entry.value == "/role "
        await type_line(pilot, "sc")
        await pilot.press("tab")
        assert entry.value == "/role scribe "
        await type_line(pilot, "@db")
        await pilot.press("tab")
        assert entry.value == "/role scribe @db-oncall "
        assert isinstance(screen.focused, EntryInput)  # Tab completed, focus stayed
        entry.value = "/check third"
        entry.cursor_position = len(entry.value)
        await pilot.press("tab")
        assert entry.value == "/check third-party "


async def test_f1_opens_help_with_the_screens_keys_and_the_grammar(cockpit: Cockpit):
    from screens.help import HelpScreen

    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Declare" in app.screen.plain()
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await pilot.press("f1")  # from the quick entry: F1 is not text
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.plain()
        assert "Star" in text and "Retract" in text
        assert "/sev LEVEL" in text and "todo: text" in text
        await pilot.press("escape", "escape", "question_mark")  # ? from the timeline
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert screen.query_one(EntryInput).value == ""


async def test_updates_panel_shows_each_audience_and_who_sent_what_on_time_or_late(
    cockpit: Cockpit,
):
    from widgets.panels import Updates

    declared = cockpit.declare("x", "1")  # SEV-1: internal first within 10 min
    cockpit.log(declared.incident_id, "/customer yes")  # status page: first within 15
    cockpit.clock.advance(minutes=12)  # type: ignore[attr-defined]
    cockpit.log(declared.incident_id, "/update [bold]we are on it[/]")  # 2 min late
    cockpit.send_update(declared.incident_id, text="Status: investigating\nImpact: EU")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        panel = str(screen.query_one(Updates).render())
        assert "in 15:00" in panel and "Internal" in panel
        assert "⚠ in 03:00" in panel and "Status page" in panel
        assert "in 18:00" in panel and "Executives" in panel
        assert "@alice → internal late 2 min" in panel and "␊" not in panel
        assert "[bold]we are on it[/]" in panel  # the sent text, literally
        assert "Status: investigating Impact: EU" in panel  # on one line


async def test_a_breached_target_prompts_its_action_once(cockpit: Cockpit):
    from widgets.panels import Targets

    declared = cockpit.declare("x", "1")  # SEV-1: acknowledge within 5 min
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        notices: list[tuple[str, str]] = []
        screen.notify = lambda message, **kw: notices.append((kw.get("title", ""), message))  # type: ignore[method-assign]
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        assert "in 05:00" in str(screen.query_one(Targets).render())
        cockpit.clock.advance(minutes=5, seconds=1)  # type: ignore[attr-defined]
        screen.tick()
        screen.tick()
        breached = [n for n in notices if "target breached" in n[0]]
        assert len(breached) == 1 and bells == [1]
        panel = str(screen.query_one(Targets).render())
        assert "⚠ +00:01" in panel and "Acknowledge within 5 min" in panel
        assert "→ " in panel  # the action to take
        await type_line(pilot, "/role ic @alice")  # what the commander does is logged
        await pilot.press("enter")
        await settle(pilot)
        assert "met, 00:01 late" in str(screen.query_one(Targets).render())


async def test_a_deputy_timer_counts_down_and_rings_once(cockpit: Cockpit):
    from widgets.panels import Timers

    declared = cockpit.declare("x", "1")
    cockpit.log(declared.incident_id, "/role ic @alice")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await type_line(pilot, "/timer 2m check replica lag with @db-oncall")
        await pilot.press("enter")
        await settle(pilot)
        panel = str(screen.query_one(Timers).render())
        assert "02:00" in panel and "check replica lag with @db-oncall" in panel
        notices: list[str] = []
        screen.notify = lambda message, **kw: notices.append(f"{kw.get('title')}: {message}")  # type: ignore[method-assign]
        app.bell = lambda: None  # type: ignore[method-assign]
        cockpit.clock.advance(minutes=2)  # type: ignore[attr-defined]
        screen.tick()
        screen.tick()
        rang = [n for n in notices if "timer" in n]
        assert len(rang) == 1 and "check replica lag" in rang[0]
        assert "rang 15:02" in str(screen.query_one(Timers).render())


async def test_u_composes_and_sends_an_update_and_b_shows_the_brief(cockpit: Cockpit):
    from screens.brief import BriefScreen
    from screens.composer import ComposerScreen

    declared = cockpit.declare("Checkout errors", "1")
    cockpit.log(declared.incident_id, "/role ic @alice")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await type_line(pilot, "u")  # in the entry, u is text
        assert screen.query_one(EntryInput).value == "u"
        screen.query_one(EntryInput).value = ""
        await pilot.press("escape", "u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        text = composer.text_area.text
        assert "Checkout errors" in text
        cockpit.clock.advance(minutes=3)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert app.clipboard == text
        plan = screen.incident.update_plan("internal")
        assert plan is not None and plan.last_update_at == cockpit.now()
        assert "Update sent to internal" in texts(screen)[-1]
        assert isinstance(screen.focused, Timeline)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BriefScreen)
        await pilot.press("c")
        await pilot.pause()
        assert "Checkout errors" in app.clipboard and "@alice" in app.clipboard
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_the_palette_offers_every_incident_action_with_the_entry_focused(
    cockpit: Cockpit,
):
    from screens.composer import ComposerScreen

    declared = cockpit.declare("Checkout errors", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        assert isinstance(screen.focused, EntryInput)
        titles = {command.title for command in app.get_system_commands(screen)}
        for binding in IncidentScreen.BINDINGS:
            title = binding.tooltip or binding.description
            assert title in titles, binding.id
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"stakeholder update")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press("escape")
        await pilot.pause()
        await type_line(pilot, "u")  # and the letter is still text in the entry
        assert screen.query_one(EntryInput).value == "u"


async def test_an_error_replaces_what_was_logged_and_clearing_it_leaves_nothing(
    cockpit: Cockpit,
):
    declared = cockpit.declare("x", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_incident(pilot, cockpit, declared.incident_id)
        await type_line(pilot, "! roll back")
        await pilot.press("enter")
        await settle(pilot)
        assert feedback(screen).startswith("✓ logged: decision")
        await type_line(pilot, "/sev 9")
        assert "not a level" in feedback(screen)
        screen.query_one(EntryInput).value = ""
        await pilot.pause()
        assert feedback(screen) == ""
