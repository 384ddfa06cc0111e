"""The board (first screen): rows, order, countdowns, filter, closed toggle, live pickup,
opening an incident and the command palette."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.screen import Screen
from textual.widgets import Input, Static

from cockpit.app import CockpitApp, make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from screens.board import BoardScreen
from tests.conftest import T0
from tests.pilot.helpers import raw_controls, screen_lines
from widgets.incident_table import IncidentTable


def cockpit_at(tmp_path: Path) -> Cockpit:
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "board.db", clock), clock, author="alice", zone_name="Europe/Berlin"
    )


def advance(cockpit: Cockpit, **kwargs: float) -> None:
    clock = cockpit.clock
    assert isinstance(clock, ManualClock)
    clock.advance(**kwargs)


def table_of(app: CockpitApp) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def rows(app: CockpitApp) -> list[dict[str, str]]:
    """What each row shows, by column key."""
    table = table_of(app)
    keys = table.shown_columns
    return [
        {key: str(text) for key, text in zip(keys, table.get_row_at(i), strict=True)}
        for i in range(table.row_count)
    ]


def cell(app: CockpitApp, row: int, column: str) -> Text:
    table = table_of(app)
    return table.get_row_at(row)[table.shown_columns.index(column)]


def is_colour(app: CockpitApp, text: Text, name: str) -> bool:
    """Whether a cell is drawn in a theme colour (`error`, `warning`, ...), give or take
    the rounding of blending it over the background."""
    wanted = getattr(app.current_theme, name)
    assert wanted is not None
    style = text.style
    assert not isinstance(style, str)
    assert style.color is not None and style.color.triplet is not None
    got = style.color.triplet
    want = Color.parse(wanted)
    return all(abs(a - b) <= 2 for a, b in zip(got, (want.r, want.g, want.b), strict=True))


async def test_empty_board_says_press_n_to_declare(tmp_path: Path):
    app = make_app(cockpit_at(tmp_path))
    async with app.run_test() as pilot:
        await pilot.pause()
        hint = app.screen.query_one("#empty", Static)
        assert hint.display
        assert "Press n to declare" in str(hint.render())
        assert not table_of(app).display


async def test_board_row_shows_every_column_and_quits_on_q(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Checkout errors", "1")
    advance(cockpit, minutes=3, seconds=25)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        [row] = rows(app)
        assert row["ref"].startswith("INC-")
        assert row["sev"] == "SEV-1"
        assert is_colour(app, cell(app, 0, "sev"), "error")  # SEV-1's level colour
        assert row["status"] == "investigating"
        assert row["elapsed"] == "0:03:25"
        assert row["ic"] == "no IC"
        assert row["next-update"] == "06:35"  # SEV-1: first update at 10 min
        done, total = row["checklist"].split("/")
        assert int(total) == len(cockpit.runbook.items) and int(done) < int(total)
        assert row["title"] == "Checkout errors"
        await pilot.press("q")
    assert app.return_code == 0


async def test_hostile_title_is_shown_literally(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    hostile = "Checkout [bold]500s[/] [link=https://x.test]y[/link] \x1b[31m\x1b]8;;x\x07 \u202eabc"
    cockpit.declare(hostile, "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 20)) as pilot:
        await pilot.pause()
        title = rows(app)[0]["title"]
        assert title.startswith("Checkout [bold]500s[/] [link=https://x.test]y[/link] ")
        assert "\x1b" not in title and "\x07" not in title and "\u202e" not in title
        assert "␛[31m" in title and "␛]8;;x␇" in title and "⟨U+202E⟩abc" in title
        assert not cell(app, 0, "title").spans  # no markup was interpreted


async def test_rows_sorted_by_severity_then_elapsed_resolved_below_dimmed(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    minor = cockpit.declare("Minor, oldest", "3")
    advance(cockpit, minutes=5)
    old_sev1 = cockpit.declare("Major, older", "1")
    advance(cockpit, minutes=5)
    resolved = cockpit.declare("Major, resolved", "1")
    cockpit.log(resolved.incident_id, "/resolve")
    advance(cockpit, minutes=5)
    new_sev1 = cockpit.declare("Major, newest", "1")
    advance(cockpit, minutes=1)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        shown = rows(app)
        assert [r["title"] for r in shown] == [
            "Major, older",
            "Major, newest",
            "Minor, oldest",
            "Major, resolved",
        ]
        assert [r["elapsed"] for r in shown[:3]] == ["0:11:00", "0:01:00", "0:16:00"]
        assert shown[3]["status"] == "resolved"
        for column in ("ref", "sev", "title", "elapsed", "next-update"):
            style = cell(app, 3, column).get_style_at_offset(app.console, 0)
            assert style.dim, column
        assert not cell(app, 0, "title").get_style_at_offset(app.console, 0).dim
        ids = [str(key.value) for key in table_of(app).rows]
        assert ids == [
            old_sev1.incident_id,
            new_sev1.incident_id,
            minor.incident_id,
            resolved.incident_id,
        ]


async def test_c_toggles_closed_incidents(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Still open", "2")
    closed = cockpit.declare("Done and dusted", "3")
    cockpit.log(closed.incident_id, "/close")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        assert [r["title"] for r in rows(app)] == ["Still open"]
        await pilot.press("c")
        await pilot.pause()
        shown = rows(app)
        assert [r["title"] for r in shown] == ["Still open", "Done and dusted"]
        assert shown[1]["status"] == "closed"
        assert cell(app, 1, "title").get_style_at_offset(app.console, 0).dim
        await pilot.press("c")
        await pilot.pause()
        assert [r["title"] for r in rows(app)] == ["Still open"]


async def test_slash_filters_rows_and_escape_clears(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Payments failing", "1")
    cockpit.declare("Search slow", "3")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#filter", Input)
        assert not box.display
        await pilot.press("slash")
        assert box.display and box.has_focus
        await pilot.press(*"PAY")
        await pilot.pause()
        assert [r["title"] for r in rows(app)] == ["Payments failing"]
        box.value = "sev-3"  # severity matches too
        await pilot.pause()
        assert [r["title"] for r in rows(app)] == ["Search slow"]
        box.value = "nothing like it"
        await pilot.pause()
        hint = app.screen.query_one("#empty", Static)
        assert hint.display and "No incident matches 'nothing like it'" in str(hint.render())
        await pilot.press("escape")
        await pilot.pause()
        assert not box.display and box.value == ""
        assert table_of(app).has_focus
        assert [r["title"] for r in rows(app)] == ["Payments failing", "Search slow"]


@pytest.mark.parametrize("typed", ["[/", "[@click=x]", "[reverse]zzz", "[/]", "[bold]b[/bold]"])
async def test_markup_typed_in_the_filter_is_shown_as_typed(tmp_path: Path, typed: str):
    # `[/` crashed the app (MarkupError from the no-match line); `[reverse]zzz` was drawn
    # reversed rather than as typed.
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Payments failing", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *typed)
        await pilot.pause()
        assert app.is_running
        hint = app.screen.query_one("#empty", Static)
        assert hint.display
        assert str(hint.render()) == f"No incident matches {typed!r}.  Esc clears the filter."
        shown = "\n".join(screen_lines(app))
        assert f"No incident matches {typed!r}" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert [r["title"] for r in rows(app)] == ["Payments failing"]
        await pilot.press("q")
    assert app.return_code == 0


async def test_control_characters_pasted_in_the_filter_are_shown_as_symbols(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Payments failing", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("slash")
        pasted = "\x1b]52;c;aGk=\x07 \x9b2J \u202eevil"
        app.screen.query_one("#filter", Input).insert_text_at_cursor(pasted)
        await pilot.pause()
        hint = str(app.screen.query_one("#empty", Static).render())
        assert "␛]52;c;aGk=␇ ⟨9B⟩2J ⟨U+202E⟩evil" in hint
        assert raw_controls(screen_lines(app)) == []


async def test_countdown_goes_ok_then_due_soon_then_overdue_counting_up(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Checkout errors", "1")  # first update due at 10 min, 2 min window
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        assert rows(app)[0]["next-update"] == "10:00"
        advance(cockpit, minutes=7, seconds=59)
        await pilot.pause(1.2)
        assert rows(app)[0]["next-update"] == "02:01"
        assert rows(app)[0]["elapsed"] == "0:07:59"
        advance(cockpit, seconds=2)
        await pilot.pause(1.2)
        assert rows(app)[0]["next-update"] == "⚠ 01:59"
        assert is_colour(app, cell(app, 0, "next-update"), "warning")
        advance(cockpit, minutes=5, seconds=11)
        await pilot.pause(1.2)
        assert rows(app)[0]["next-update"] == "OVERDUE +03:12"
        assert is_colour(app, cell(app, 0, "next-update"), "error")
        advance(cockpit, seconds=10)
        await pilot.pause(1.2)
        assert rows(app)[0]["next-update"] == "OVERDUE +03:22"
        assert rows(app)[0]["elapsed"] == "0:13:22"


async def test_the_board_counts_down_to_the_audience_due_soonest(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    declared = cockpit.declare("Checkout errors", "1")  # SEV-1: internal first at 10 min
    cockpit.log(declared.incident_id, "/customer yes")  # status page: first at 15 min
    cockpit.log(declared.incident_id, "/update all hands")  # internal: next at 15 min
    advance(cockpit, minutes=1)
    cockpit.log(declared.incident_id, "/update second")  # internal: next at 16 min
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        assert rows(app)[0]["next-update"] == "14:00 status"


async def test_ic_appears_when_another_cockpit_assigns_one(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    declared = cockpit.declare("Checkout errors", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        row = rows(app)[0]
        assert row["ic"] == "no IC"
        done_before = int(row["checklist"].split("/")[0])
        other = Cockpit(Store(cockpit.store.path, cockpit.clock), cockpit.clock, author="bob")
        other.log(declared.incident_id, "/role ic @bob")
        await pilot.pause(2.0)
        row = rows(app)[0]
        assert row["ic"] == "@bob"
        assert int(row["checklist"].split("/")[0]) == done_before + 1  # name-ic ticked itself


async def test_incident_declared_elsewhere_appears_live(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#empty", Static).display
        other = Cockpit(Store(cockpit.store.path, cockpit.clock), cockpit.clock, author="bob")
        other.declare("Declared from a shell", "2")
        await pilot.pause(2.0)
        assert [r["title"] for r in rows(app)] == ["Declared from a shell"]
        assert not app.screen.query_one("#empty", Static).display


async def test_exercise_badge(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Game day: DNS", "2", exercise=True)
    cockpit.declare("Real one", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        titles = [r["title"] for r in rows(app)]
        assert titles == ["Real one", "EXERCISE Game day: DNS"]
        assert cell(app, 1, "title").get_style_at_offset(app.console, 0).reverse


async def test_first_row_selected_and_enter_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cockpit = cockpit_at(tmp_path)
    minor = cockpit.declare("Minor", "3")
    major = cockpit.declare("Major", "1")
    opened: list[str] = []
    monkeypatch.setattr(CockpitApp, "open_incident", lambda self, i: opened.append(i))
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        assert table_of(app).has_focus
        assert table_of(app).selected_id == major.incident_id
        await pilot.press("enter")
        await pilot.press("down", "enter")
        await pilot.pause()
    assert opened == [major.incident_id, minor.incident_id]


async def test_selection_follows_the_incident_when_rows_move(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Minor", "3")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        selected = table_of(app).selected_id
        cockpit.declare("Major arrives", "1")  # sorts above the selected row
        await pilot.pause(1.2)
        assert [r["title"] for r in rows(app)] == ["Major arrives", "Minor"]
        assert table_of(app).selected_id == selected


async def test_command_palette_lists_every_board_action(tmp_path: Path):
    app = make_app(cockpit_at(tmp_path))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        titles = {command.title for command in app.get_system_commands(screen)}
        for binding in BoardScreen.BINDINGS:
            if binding.id != "board.clear-filter":  # only while the filter is shown
                assert binding.tooltip in titles, binding.id
        # and through the palette itself: search, pick, and the declare modal opens
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"declare an")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert app.screen.__class__.__name__ == "DeclareScreen"


async def test_every_board_binding_has_an_id_and_a_description():
    for binding in BoardScreen.BINDINGS:
        assert binding.id and binding.description and binding.tooltip


async def test_high_contrast_theme_is_registered(tmp_path: Path):
    app = make_app(cockpit_at(tmp_path))
    async with app.run_test() as pilot:
        app.theme = "cockpit-high-contrast"
        await pilot.pause()
        assert app.current_theme.name == "cockpit-high-contrast"


async def test_ctrl_q_quits_from_the_declare_modal(tmp_path: Path):
    app = make_app(cockpit_at(tmp_path))
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DeclareScreen"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_board_catches_up_when_it_shows_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cockpit = cockpit_at(tmp_path)
    declared = cockpit.declare("Checkout errors", "1")
    monkeypatch.setattr(
        CockpitApp, "open_incident", lambda self, i: self.push_screen(Screen(id="stand-in"))
    )
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.id == "stand-in"
        cockpit.log(declared.incident_id, "/role ic @carol")
        advance(cockpit, minutes=1)
        await pilot.pause(1.2)
        app.pop_screen()
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        row = rows(app)[0]
        assert row["ic"] == "@carol" and row["elapsed"] == "0:01:00"


async def test_narrow_board_keeps_the_title_readable(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Checkout errors for every customer in the EU region since deploy", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = table_of(app)
        assert table.shown_columns == ("ref", "sev", "title", "elapsed", "ic", "next-update")
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling
        title = table.ordered_columns[table.shown_columns.index("title")]
        assert title.width >= 24
        lines = app.console.render_lines(
            cell(app, 0, "title"), app.console.options.update_width(title.width)
        )
        assert Segment.get_line_length(lines[0]) == title.width
        shown = "".join(segment.text for segment in lines[0])
        assert shown.startswith("Checkout errors for") and shown.endswith("…")
        await pilot.resize_terminal(140, 24)
        await pilot.pause()
        assert "checklist" in table.shown_columns and "status" in table.shown_columns


async def test_open_incident_pushes_the_incident_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cockpit = cockpit_at(tmp_path)
    declared = cockpit.declare("Checkout errors", "1")

    class StandIn(Screen[None]):
        def __init__(self, cockpit: Cockpit, incident_id: str) -> None:
            super().__init__()
            self.cockpit, self.incident_id = cockpit, incident_id

    fake = types.ModuleType("screens.incident")
    fake.IncidentScreen = StandIn  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "screens.incident", fake)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StandIn)
        assert app.screen.cockpit is cockpit
        assert app.screen.incident_id == declared.incident_id
