"""The app's housekeeping: full garbage collections wait for a pause in typing."""

from __future__ import annotations

import gc
from pathlib import Path

from cockpit.app import NEVER, make_app
from cockpit.clock import ManualClock
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0


async def test_full_collections_wait_for_a_pause_and_the_threshold_is_restored(tmp_path: Path):
    clock = ManualClock(T0)
    cockpit = Cockpit(Store(tmp_path / "inc.db", clock), clock, author="alice")
    before = gc.get_threshold()
    app = make_app(cockpit)
    async with app.run_test(size=(100, 30)) as pilot:
        assert gc.get_threshold()[2] == NEVER  # never by itself while the app runs
        for _ in range(before[2] + 1):
            gc.collect(1)  # a backlog of middle-generation collections
        await pilot.press("down")  # typing: not now
        app._collect_when_idle()
        assert gc.get_count()[2] > before[2]
        app._last_input -= 60  # a minute without a key
        app._collect_when_idle()
        assert gc.get_count()[2] == 0  # a full collection ran
    assert gc.get_threshold() == before


async def test_a_tz_that_names_no_zone_is_said_on_the_screen(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TZ", "Not/AZone[/]")
    clock = ManualClock(T0)
    cockpit = Cockpit(Store(tmp_path / "inc.db", clock), clock, author="alice")
    app = make_app(cockpit)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1
        assert warnings[0].startswith("TZ=Not/AZone[/]: not a known time zone; using ")


async def test_a_known_zone_says_nothing_on_the_screen(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    clock = ManualClock(T0)
    cockpit = Cockpit(Store(tmp_path / "inc.db", clock), clock, author="alice")
    app = make_app(cockpit)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [n for n in app._notifications if n.severity == "warning"] == []
