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
