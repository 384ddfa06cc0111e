"""How the board and the incident screen look, at 80x24 and 160x48, with a fixed clock
and fixed data (fixed event ids, so refs and short ids are the same every run).

Update the pictures after an intended change with `pytest tests/snapshot --snapshot-update`
and look at them (snapshot_report.html) before committing."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.app import make_app
from cockpit.clock import ManualClock
from cockpit.events import Event
from cockpit.policy import load_policy
from cockpit.service import Cockpit
from cockpit.store import Store
from cockpit.ulid import encode
from tests.conftest import T0
from widgets.quick_entry import EntryInput

SIZES = [(80, 24), (160, 48)]


def fixed_id(n: int, minute: float) -> str:
    ms = int((T0 + timedelta(minutes=minute)).timestamp() * 1000)
    return encode((ms << 80) | random.Random(n).getrandbits(80))


def build(tmp_path: Path) -> tuple[Cockpit, str]:
    clock = ManualClock(T0)
    store = Store(tmp_path / "looks.db", clock)
    policy, _ = load_policy("sev")
    incident = fixed_id(0, -3)
    rows = [
        (
            -3,
            "incident.declared",
            {
                "title": "Checkout returns 502s [bold]after[/] deploy",
                "severity": "SEV-1",
                "policy": policy.copy_for_event(),
                "exercise": False,
                "zone": "Europe/Berlin",
            },
        ),
        (-2, "entry.note", {"text": "error rate 30% on /api/checkout", "mentions": []}),
        (-1, "role.assigned", {"role": "ic", "handle": "alice"}),
        (1, "entry.hypothesis", {"text": "connection pool exhausted", "mentions": []}),
        (2, "entry.decision", {"text": "roll back deploy 2291 @bob", "mentions": ["bob"]}),
        (3, "context.set", {"key": "bridge", "value": "https://meet.example/inc"}),
        (4, "entry.action", {"text": "rollback started", "mentions": []}),
        (5, "checklist.checked", {"item": "classify"}),
        (6, "entry.todo", {"text": "alert on pool saturation", "mentions": []}),
    ]
    events = [
        Event.model_validate(
            {
                "id": incident if n == 0 else fixed_id(n, minute),
                "incident_id": incident,
                "kind": kind,
                "occurred_at": T0 + timedelta(minutes=minute),
                "recorded_at": T0 + timedelta(minutes=minute),
                "author": "alice",
                "origin": "looks",
                "data": data,
            }
        )
        for n, (minute, kind, data) in enumerate(rows)
    ]
    other = fixed_id(100, -40)
    events.append(
        Event.model_validate(
            {
                "id": other,
                "incident_id": other,
                "kind": "incident.declared",
                "occurred_at": T0 - timedelta(minutes=40),
                "recorded_at": T0,
                "author": "carol",
                "origin": "looks",
                "data": {
                    "title": "Search latency p99 over 2 s",
                    "severity": "SEV-3",
                    "policy": policy.copy_for_event(),
                    "exercise": True,
                    "zone": "Europe/Berlin",
                },
            }
        )
    )
    store.append(events)
    clock.advance(minutes=8, seconds=30)
    return Cockpit(store, clock, author="alice", zone_name="Europe/Berlin"), incident


def still(app) -> None:  # type: ignore[no-untyped-def]
    for entry in app.query(EntryInput):
        entry.cursor_blink = False


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board(snap_compare, tmp_path: Path, size: tuple[int, int]):
    cockpit, _ = build(tmp_path)
    assert snap_compare(make_app(cockpit), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_screen(snap_compare, tmp_path: Path, size: tuple[int, int]):
    cockpit, incident = build(tmp_path)
    app = make_app(cockpit)

    async def open_it(pilot) -> None:  # type: ignore[no-untyped-def]
        app.open_incident(incident)
        await pilot.pause()
        still(app.screen)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_it)
