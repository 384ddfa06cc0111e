"""Deputy timers: set, extend and cancel are logged; running out is derived at now."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cockpit.clock import ManualClock
from cockpit.entry import EntryContext, EntryError, parse
from tests.conftest import T0
from tests.unit.factory import Log

TZ = ZoneInfo("Europe/Berlin")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Deputy:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.log = Log(T0)

    def type(self, line: str) -> str:
        context = EntryContext(self.clock.now(), TZ, self.log.fold(), self.log.policy)
        drafts = parse(line, context)
        for draft in drafts:
            self.log.draft(draft)
        return drafts[-1].data.get("timer", "")


def test_set_extend_expire_cancel():
    d = Deputy()
    tid = d.type("/timer 10m check replica lag with @db-oncall")
    inc = d.log.fold()
    timer = inc.timers[tid]
    assert timer.until == at(10)
    assert timer.text == "check replica lag with @db-oncall"
    assert [t.id for t in inc.running_timers(at(9))] == [tid]
    assert inc.expired_timers(at(9)) == []
    assert timer.remaining(at(7)) == timedelta(minutes=3)
    # at zero: derived, nothing logged
    assert [t.id for t in inc.expired_timers(at(10))] == [tid]
    assert inc.running_timers(at(10)) == []
    assert timer.expired(at(10))
    events_before = len(d.log.recs)
    d.log.fold().to_json(at(11))
    assert len(d.log.recs) == events_before
    # extended by 5 min before it runs out: from its end
    d.clock.set(at(8))
    assert d.type(f"/timer extend {tid} 5m") == tid
    inc = d.log.fold()
    assert inc.timers[tid].until == at(15)
    assert inc.timers[tid].extended_at == at(8)
    assert inc.expired_timers(at(12)) == []
    assert inc.timeline[-1].text == f"Timer {tid} extended to 15:15 CET"
    # extended after it ran out: from now
    d.clock.set(at(20))
    d.type(f"/timer extend {tid[:3]} 5m")
    assert d.log.fold().timers[tid].until == at(25)
    # cancelled: neither running nor expired
    d.clock.set(at(21))
    d.type(f"/timer cancel {tid}")
    inc = d.log.fold()
    assert inc.running_timers(at(22)) == [] and inc.expired_timers(at(30)) == []
    assert inc.to_json(at(30))["timers"] == []


def test_several_timers_sort_by_when_they_run_out():
    d = Deputy()
    a = d.type("/timer 20m ask payments for an ETA")
    b = d.type("/timer 5m back to @bob")
    inc = d.log.fold()
    assert [t.id for t in inc.running_timers(at(1))] == [b, a]
    assert [t.id for t in inc.expired_timers(at(6))] == [b]
    assert [t.id for t in inc.running_timers(at(6))] == [a]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/timer extend", "timer id"),
        ("/timer extend {tid}", "how much longer"),
        ("/timer extend {tid} soon", "duration"),
        ("/timer extend {tid} 0m", "above zero"),
        ("/timer extend nope 5m", "not a running timer"),
        ("/timer extend {tid} 5m more", "unexpected"),
    ],
)
def test_bad_extensions_are_refused_with_the_column(line: str, message: str):
    d = Deputy()
    tid = d.type("/timer 10m x")
    with pytest.raises(EntryError, match=message):
        d.type(line.format(tid=tid))


def test_a_cancelled_timer_cannot_be_extended_or_cancelled_again():
    d = Deputy()
    tid = d.type("/timer 10m x")
    d.type(f"/timer cancel {tid}")
    with pytest.raises(EntryError, match="not a running timer"):
        d.type(f"/timer extend {tid} 5m")
    with pytest.raises(EntryError, match="not a running timer"):
        d.type(f"/timer cancel {tid}")


def test_an_extension_of_an_unknown_or_cancelled_timer_changes_nothing_in_the_fold():
    log = Log(T0)
    log.add("timer.set", {"timer": "t1", "until": "2026-03-04T14:10:00Z"}, minutes=0)
    log.add("timer.cancelled", {"timer": "t1"}, minutes=1)
    log.add("timer.extended", {"timer": "t1", "until": "2026-03-04T14:30:00Z"}, minutes=2)
    log.add("timer.extended", {"timer": "zz", "until": "2026-03-04T14:30:00Z"}, minutes=2)
    inc = log.fold()
    assert inc.timers["t1"].until == at(10)
    assert "zz" not in inc.timers
