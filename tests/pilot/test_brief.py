"""The handoff brief screen: the incident's state for a new commander, copied with `c`."""

from __future__ import annotations

from textual.widgets import Static

from cockpit.app import make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from screens.brief import BriefScreen

HOSTILE_TITLE = "[bold]x[/] \x1b[31mred \u202eevil 🔥"


def declare(cockpit: Cockpit, title: str = "Checkout errors") -> str:
    incident_id = cockpit.declare(title, "1").incident_id
    for line in [
        "/impact 5% of card payments fail",
        "/role ic @alice",
        "/check confirm-impact",
        "> rolled back api to v41",
        "? db pool exhausted",
    ]:
        cockpit.log(incident_id, line)
    assert isinstance(cockpit.clock, ManualClock)
    cockpit.clock.advance(minutes=12)
    return incident_id


async def open_brief(pilot, cockpit: Cockpit, incident_id: str) -> tuple[BriefScreen, list]:
    closed: list = []
    screen = BriefScreen(cockpit, cockpit.live(incident_id).incident)
    pilot.app.push_screen(screen, closed.append)
    await pilot.pause()
    return screen, closed


def body(screen: BriefScreen) -> str:
    return str(screen.query_one("#body", Static).render())


async def test_the_brief_shows_impact_roles_and_unchecked_items(cockpit: Cockpit):
    incident_id = declare(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_brief(pilot, cockpit, incident_id)
        text = body(screen)
        assert "SEV-1 (Critical), investigating: Checkout errors" in text
        assert "Impact: 5% of card payments fail" in text
        assert "Incident commander" in text and "@alice since 15:00 CET" in text
        assert "Tech lead" in text and "(unfilled)" in text
        assert "db pool exhausted" in text
        assert "rolled back api to v41" in text
        assert "Internal: none sent yet; OVERDUE by 02:00" in text
        assert "classify:" in text  # an item not done
        assert "confirm-impact:" not in text  # checked off
        assert "running 12 min" in text


async def test_c_copies_the_brief_and_notifies(cockpit: Cockpit):
    incident_id = declare(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_brief(pilot, cockpit, incident_id)
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == screen.text
        assert app.clipboard.startswith("Handoff brief: ")
        assert "Impact: 5% of card payments fail" in app.clipboard
        assert any("copied" in n.message for n in app._notifications)
        assert app.screen is screen  # copying keeps the brief open


async def test_the_copy_button_copies_and_escape_closes(cockpit: Cockpit):
    incident_id = declare(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, closed = await open_brief(pilot, cockpit, incident_id)
        await pilot.click("#copy")
        await pilot.pause()
        assert app.clipboard == screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert closed == [None]
        assert app.screen is not screen
    assert [r.kind for r in cockpit.store.recs(incident_id)].count("update.sent") == 0


async def test_refresh_drafts_the_brief_again_at_the_current_time(cockpit: Cockpit):
    incident_id = declare(cockpit)
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_brief(pilot, cockpit, incident_id)
        assert "running 12 min" in body(screen)
        cockpit.log(incident_id, "? a new idea")
        cockpit.feed(cockpit.store.recs(incident_id))
        assert isinstance(cockpit.clock, ManualClock)
        cockpit.clock.advance(minutes=3)
        await pilot.press("r")
        await pilot.pause()
        assert "running 15 min" in body(screen)
        assert "a new idea" in body(screen)


async def test_hostile_text_renders_literally_and_is_stored_unchanged(cockpit: Cockpit):
    incident_id = declare(cockpit, HOSTILE_TITLE)
    cockpit.log(incident_id, "? it is \x1b]0;pwned\x07 [red]dns[/] \u202eevil")
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_brief(pilot, cockpit, incident_id)
        text = body(screen)
        assert "[bold]x[/] ␛[31mred ⟨U+202E⟩evil 🔥" in text
        assert "it is ␛]0;pwned␇ [red]dns[/] ⟨U+202E⟩evil" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        heading = str(screen.query_one("#heading", Static).render())
        assert "[bold]x[/] ␛[31mred ⟨U+202E⟩evil 🔥" in heading
        # what the screen paints carries no raw control bytes
        painted = "".join(
            segment.text for strip in app.screen._compositor.render_strips() for segment in strip
        )
        assert "␛[31mred" in painted
        assert "\x1b" not in painted and "\u202e" not in painted
        await pilot.press("c")
        await pilot.pause()
        assert "\x1b" not in app.clipboard
    inc = cockpit.incident(incident_id)
    assert inc.title == HOSTILE_TITLE
    assert any(h.text == "it is \x1b]0;pwned\x07 [red]dns[/] \u202eevil" for h in inc.hypotheses())
