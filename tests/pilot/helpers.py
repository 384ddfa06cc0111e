"""What the pilot tests share: a cockpit on a temp database with a manual clock."""

from __future__ import annotations

from pathlib import Path

from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0


def make(tmp_path: Path, author: str = "alice") -> Cockpit:
    """A cockpit as `author`, its clock stopped at T0, its zone Europe/Berlin."""
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "inc.db", clock), clock, author=author, zone_name="Europe/Berlin"
    )


async def settle(pilot) -> None:
    """Wait until every worker is done (commits run off the event loop, and a commit may
    start another worker: the composer's file writer), then for the screen to catch up."""
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not len(pilot.app.workers):
            return
    raise AssertionError("workers still running after 100 rounds")


def refuse_inserts(cockpit: Cockpit, kind: str, message: str) -> None:
    """Make the database itself refuse events of `kind` (a real SQLite error on commit,
    whichever connection writes)."""
    cockpit.store.conn.execute(
        f"CREATE TRIGGER test_refuse BEFORE INSERT ON events WHEN NEW.kind = '{kind}' "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
