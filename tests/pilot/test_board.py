"""The board (first screen): open incidents, an empty-board hint, q quits."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from cockpit.app import make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0
from widgets.incident_table import IncidentTable


def cockpit_at(tmp_path: Path) -> Cockpit:
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "board.db", clock), clock, author="alice", zone_name="Europe/Berlin"
    )


async def test_empty_board_says_how_to_declare(tmp_path: Path):
    app = make_app(cockpit_at(tmp_path))
    async with app.run_test() as pilot:
        await pilot.pause()
        hint = app.screen.query_one("#empty", Static)
        assert hint.display
        assert "cockpit declare" in str(hint.render())
        assert not app.screen.query_one(IncidentTable).display


async def test_board_lists_open_incidents_with_countdown_and_quits_on_q(tmp_path: Path):
    cockpit = cockpit_at(tmp_path)
    sev1 = cockpit.declare("Checkout [bold]500s[/] \x1b[31m", "1")
    closed = cockpit.declare("Old one", "3")
    cockpit.log(closed.incident_id, "/close")
    cockpit.clock.advance(minutes=11)  # type: ignore[attr-defined]
    app = make_app(cockpit)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(IncidentTable)
        assert table.row_count == 1
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[0].startswith("INC-") and row[1] == "SEV-1"
        assert row[4] == "no IC"
        assert row[5] == "OVERDUE +01:00"  # first update was due at 10 min
        assert row[6] == "Checkout [bold]500s[/] ␛[31m"  # shown literally
        # an entry written by another process appears without a restart
        other = Cockpit(Store(cockpit.store.path, cockpit.clock), cockpit.clock, author="bob")
        other.log(sev1.incident_id, "/role ic @bob")
        await pilot.pause(1.3)
        assert str(table.get_row_at(0)[4]) == "@bob"
        await pilot.press("q")
    assert app.return_code == 0
