"""A database that cannot be read while the screens look at it every second (a page
damaged under them): they never stop; they say once that they show what they last read,
and go on with every other key and clock. (Another process cannot take the file in
SQLite's exclusive locking mode while a cockpit has it open, so damage is how a look
fails mid-session; the start of the screen already refuses a file held so.)"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cockpit.app import make_app
from cockpit.incident import ref_for
from cockpit.service import Cockpit
from screens.board import BoardScreen
from tests.cli.helpers import run_cockpit
from tests.damage import child_pages, damage, root_page
from tests.pilot.helpers import screen_lines
from tests.pilot.test_entry_writes import open_incident

NOTICE = "Cannot read the database"


def checkpoint(path: Path) -> None:
    """Every committed page into the database file, where the damage is done."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def test_a_page_damaged_under_the_screens_never_stops_them(cockpit: Cockpit):
    declared = cockpit.declare("Checkout errors", "1")
    incident_id = declared.incident_id
    for n in range(120):
        cockpit.log(incident_id, f"note {n} " + "x" * 2000)
    path = cockpit.store.path
    app = make_app(cockpit)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await open_incident(pilot, cockpit, incident_id)
        env = dict(os.environ, COCKPIT_DB=str(path))
        run_cockpit("log", ref_for(incident_id), "logged by another process", env=env).ok()
        checkpoint(path)
        damage(path, child_pages(path, root_page(path, "events"))[-1])
        for _ in range(3):
            screen.tick()
            await pilot.pause()
        assert app.is_running and app.screen is screen
        said = "\n".join(screen_lines(app))
        assert said.count(NOTICE) == 1, said  # said once, not every second
        assert "damaged" in said
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, BoardScreen)
        app.screen.refresh_board()
        await pilot.pause()
        assert app.is_running
        assert "Checkout errors" in "\n".join(screen_lines(app))
