"""At start the app reads every page of the file once, in a thread after the first frame,
and warns about damage no screen has touched yet (issue 10, item 7)."""

from __future__ import annotations

from pathlib import Path

from cockpit.app import make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0
from tests.damage import damage, root_page, settle


def a_database(path: Path) -> None:
    clock = ManualClock(T0)
    with Store(path, clock) as store:
        cockpit = Cockpit(store, clock, author="alice", zone_name="Europe/Berlin")
        incident = cockpit.declare("Checkout errors", "SEV-1").incident_id
        for i in range(200):
            cockpit.log(incident, f"note {i} about the connection pool")
    settle(path)


async def start(path: Path) -> list[tuple[str, str, str]]:
    """The app on `path` until its start-up work is done: its notifications."""
    clock = ManualClock(T0)
    cockpit = Cockpit(Store(path, clock), clock, author="alice", zone_name="Europe/Berlin")
    app = make_app(cockpit)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "BoardScreen"  # the board is up
        notes = [(n.severity, n.title, n.message) for n in app._notifications]
    cockpit.store.close()
    return notes


async def test_damage_no_screen_reads_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "inc.db"
    a_database(path)
    damage(path, root_page(path, "events_fts_data"))  # the board never reads the index
    notes = await start(path)
    warnings = [n for n in notes if n[0] == "warning" and n[1] == "Database damaged"]
    assert len(warnings) == 1, notes
    message = warnings[0][2]
    assert str(path) in message and "cockpit doctor" in message


async def test_a_whole_database_starts_without_a_word(tmp_path: Path) -> None:
    path = tmp_path / "inc.db"
    a_database(path)
    assert await start(path) == []
