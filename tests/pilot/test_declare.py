"""Declaring from the board: `n` opens a modal (title, severity, optional backdated start);
Enter declares and closes it, a bad field says why inline and declares nothing, Esc cancels."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Label, Select, Static

from cockpit.app import CockpitApp, make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from cockpit.text import visible
from screens.declare import DeclareScreen
from tests.conftest import T0
from tests.pilot.helpers import raw_controls, screen_lines, settle, user_policy
from widgets.incident_table import IncidentTable


def cockpit_at(tmp_path: Path) -> Cockpit:
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "board.db", clock), clock, author="alice", zone_name="Europe/Berlin"
    )


def rows(app: CockpitApp) -> list[dict[str, str]]:
    """What each row shows, by column key."""
    table = app.screen.query_one(IncidentTable)
    keys = table.shown_columns
    return [
        {key: str(text) for key, text in zip(keys, table.get_row_at(i), strict=True)}
        for i in range(table.row_count)
    ]


def error_text(app: CockpitApp) -> str:
    error = app.screen.query_one("#error", Static)
    return str(error.render()) if error.display else ""


async def test_n_declares_with_title_severity_and_backdate(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        severity = app.screen.query_one("#severity", Select)
        policy = cockpit.policy
        assert severity.value == policy.default == "SEV-2"
        await pilot.press(*"Checkout 500s")
        await pilot.press("tab")  # to the severity: open it, go up to SEV-1, pick it
        assert severity.has_focus
        await pilot.press("enter")
        await pilot.pause()
        keys = [level.key for level in policy.levels]
        await pilot.press(*["up"] * keys.index(policy.default), "enter")
        await pilot.pause()
        assert severity.value == "SEV-1"
        await pilot.press("tab")
        await pilot.press(*"-5m")
        await pilot.pause()
        preview = str(app.screen.query_one("#started-preview", Static).render())
        assert preview == "started 14:55, 5 min ago"
        await pilot.press("enter")
        await settle(pilot)  # committed off the event loop
        assert not isinstance(app.screen, DeclareScreen)
        [row] = rows(app)
        assert row["sev"] == "SEV-1"
        assert row["title"] == "Checkout 500s"
        assert row["elapsed"] == "0:05:00"
        assert row["next-update"] == "05:00"  # the first update is due 10 min after the start
        [stored] = cockpit.store.incidents()
        assert stored.title == "Checkout 500s" and stored.severity == "SEV-1"
        assert app.screen.query_one(IncidentTable).selected_id == stored.id


async def test_declare_with_the_default_severity_and_a_clock_time(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)  # 15:00 in Berlin
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Search slow")
        app.screen.query_one("#started", Input).focus()
        await pilot.press(*"14:48")
        await pilot.press("enter")
        await settle(pilot)
        [row] = rows(app)
        assert row["sev"] == cockpit.policy.default == "SEV-2"
        assert row["elapsed"] == "0:12:00"


async def test_a_bad_backdate_shows_an_inline_error_and_declares_nothing(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Checkout 500s")
        started = app.screen.query_one("#started", Input)
        started.focus()
        await pilot.press(*"yesterday-ish")
        await pilot.pause()
        preview = str(app.screen.query_one("#started-preview", Static).render())
        assert "'yesterday-ish' is not a time" in preview  # said while typing
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        assert error_text(app).startswith("Started: ")
        assert "yesterday-ish" in error_text(app)
        assert started.value == "yesterday-ish" and started.has_focus  # kept to fix
        assert cockpit.store.incidents() == []
        # a time in the future is refused too
        started.value = "-5x"
        await pilot.press("enter")
        await pilot.pause()
        assert error_text(app).startswith("Started: ")
        assert cockpit.store.incidents() == []
        # fixed, it declares
        started.value = "-2m"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DeclareScreen)
        assert [r["elapsed"] for r in rows(app)] == ["0:02:00"]


async def test_a_future_start_is_refused(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)  # 15:00 in Berlin
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Checkout 500s")
        app.screen.query_one("#started", Input).focus()
        await pilot.press(*"15:05")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        assert "future" in error_text(app)
        assert cockpit.store.incidents() == []


async def test_an_empty_title_is_refused_inline(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press("space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DeclareScreen)
        assert error_text(app) == "Title: an incident needs a title"
        assert cockpit.store.incidents() == []


async def test_escape_cancels_and_declares_nothing(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Never mind")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
        assert app.screen.query_one("#empty", Static).display
        assert cockpit.store.incidents() == []


async def test_hostile_title_declared_from_the_modal_is_stored_as_typed(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("n")
        title = app.screen.query_one("#title", Input)
        title.value = "[red]x[/] \x1b[2J"
        await pilot.press("enter")
        await settle(pilot)
        [row] = rows(app)
        assert row["title"] == "[red]x[/] ␛[2J"
        assert cockpit.store.incidents()[0].title == "[red]x[/] \x1b[2J"


@pytest.mark.parametrize("typed", ["[/", "[@click=x]", "[reverse]zzz"])
async def test_markup_in_the_started_field_is_quoted_as_typed(tmp_path: Path, typed: str):
    # The parse error quotes the input; `[/` in it crashed the app (MarkupError).
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", *"Checkout 500s")
        started = app.screen.query_one("#started", Input)
        started.focus()
        await pilot.press(*typed)
        await pilot.pause()
        preview = str(app.screen.query_one("#started-preview", Static).render())
        assert f"{typed!r} is not a time" in preview
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DeclareScreen)
        assert error_text(app).startswith(f"Started: {typed!r} is not a time")
        assert f"{typed!r} is not a time" in "".join(screen_lines(app))
        assert cockpit.store.incidents() == []


@pytest.mark.parametrize(
    ("name", "label"),
    [("sev [/]", "[/]crit"), ("sev [bold]x", "[reverse]zzz"), ("sev \x1b[31m\u202e", "\x9b2J")],
)
async def test_a_policy_and_level_names_are_shown_as_written(tmp_path: Path, name, label):
    # A policy named `sev [/]` stopped `n` from opening the form (MarkupError); one named
    # `sev [bold]x` was shown bold.
    user_policy(name, level_label=label)
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DeclareScreen)
        heading = app.screen.query_one("#severity-label", Label)
        assert str(heading.render()) == f"Severity ({visible(name)})"
        assert not heading.render().spans  # type: ignore[union-attr]  # nothing made bold
        shown = screen_lines(app)
        assert f"Severity ({visible(name)})" in "\n".join(shown)
        assert f"SEV-2  {visible(label)}" in "\n".join(shown)  # the chosen level
        assert raw_controls(shown) == []
        await pilot.press(*"Checkout 500s")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
    [incident] = cockpit.store.incidents()
    assert cockpit.incident(incident.id).policy.name == name  # type: ignore[union-attr]


async def test_exercise_checkbox_declares_an_exercise(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Game day")
        app.screen.query_one("#exercise", Checkbox).focus()
        await pilot.press("space")
        await pilot.click("#declare")
        await settle(pilot)
        assert [r["title"] for r in rows(app)] == ["EXERCISE Game day"]
        assert cockpit.store.incidents()[0].exercise


async def test_declared_incident_is_shown_even_when_the_filter_hid_it(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    cockpit.declare("Payments failing", "1")
    app = make_app(cockpit)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("slash", *"pay", "enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.press(*"Search slow", "enter")
        await settle(pilot)
        assert [r["title"] for r in rows(app)] == ["Payments failing", "Search slow"]
        assert not app.screen.query_one("#filter", Input).display
        table = app.screen.query_one(IncidentTable)
        [new] = [row for row in cockpit.store.incidents() if row.title == "Search slow"]
        assert table.selected_id == new.id and table.cursor_row == 1
