"""The update rule: when the next internal stakeholder update is due, for every preset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.policy import load_policy
from tests.conftest import T0
from tests.unit.factory import Log


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def minutes_of(seconds: int | None) -> float:
    assert seconds is not None
    return seconds / 60


PRESETS = ["sev", "p3", "bank", "p0"]


@pytest.mark.parametrize("name", PRESETS)
def test_walk_every_level_with_updates(name: str):
    policy, _ = load_policy(name)
    for level in policy.levels:
        log = Log(T0, policy=name, severity=level.key)
        inc = log.fold()
        if level.cadence is None:
            assert inc.next_update is None
            assert inc.update_state(at(500)) == "none"
            continue
        first = minutes_of(level.first_update)
        cadence = minutes_of(level.cadence)
        # first update due `first_update` after the declaration
        assert inc.next_update is not None
        assert inc.next_update.due_at == at(first)
        assert inc.update_state(at(0)) == "ok"
        assert inc.update_state(at(first)) == "overdue"
        # an internal update at 2 min past due resets it to last update + cadence
        log.add("update.sent", {"audience": "internal", "text": "status"}, minutes=first + 2)
        inc = log.fold()
        assert inc.last_update_at == at(first + 2)
        assert inc.next_update.due_at == at(first + 2 + cadence)
        assert inc.update_state(at(first + 3)) == "ok"
        # a promise since the last update wins over the cadence
        log.add("update.promised", {"at": _ts(at(first + 2 + cadence + 7))}, minutes=first + 4)
        inc = log.fold()
        assert inc.next_update.due_at == at(first + 2 + cadence + 7)
        assert inc.next_update.rule.startswith("promised")
        # a snooze makes it now + the snooze
        log.add("update.snoozed", {"until": _ts(at(first + 15))}, minutes=first + 5)
        inc = log.fold()
        assert inc.next_update.due_at == at(first + 15)
        assert inc.next_update.rule.startswith("snoozed")
        # the next update clears promise and snooze
        log.add("update.sent", {"audience": "internal"}, minutes=first + 20)
        inc = log.fold()
        assert inc.next_update.due_at == at(first + 20 + cadence)
        # resolving: nothing more is due
        log.add("status.set", {"status": "resolved"}, minutes=first + 30)
        inc = log.fold()
        assert inc.next_update is None
        assert inc.update_state(at(first + 500)) == "none"


def _ts(dt):
    from cockpit.timefmt import format_ts

    return format_ts(dt)


def test_sev1_walk_first_at_10_then_every_15():
    log = Log(T0, severity="SEV-1")
    assert log.fold().next_update.due_at == at(10)
    assert log.fold().next_update.rule == "SEV-1: first update within 10 min"
    log.add("update.sent", {"audience": "internal"}, minutes=9)
    inc = log.fold()
    assert inc.next_update.due_at == at(24)
    assert inc.next_update.rule == "SEV-1: every 15 min"


def test_due_soon_is_the_last_20_percent_clamped_to_1_and_5_minutes():
    # SEV-1 first update: interval 10 min -> 20% = 2 min
    inc = Log(T0, severity="SEV-1").fold()
    assert inc.update_state(at(7.9)) == "ok"
    assert inc.update_state(at(8)) == "due_soon"
    assert inc.update_state(at(9.99)) == "due_soon"
    assert inc.update_state(at(10)) == "overdue"
    # SEV-3 cadence 60 min -> 12 min, clamped to 5
    log = Log(T0, severity="SEV-3")
    log.add("update.sent", {"audience": "internal"}, minutes=0)
    inc = log.fold()
    assert inc.update_state(at(54.9)) == "ok"
    assert inc.update_state(at(55)) == "due_soon"
    # a 2-minute promise -> 24 s, clamped up to 1 min
    log = Log(T0, severity="SEV-1")
    log.add("update.promised", {"at": _ts(at(3))}, minutes=1)
    inc = log.fold()
    assert inc.update_state(at(1.9)) == "ok"
    assert inc.update_state(at(2)) == "due_soon"


def test_updates_to_other_audiences_do_not_reset_the_internal_one():
    log = Log(T0, severity="SEV-1")
    log.add("update.sent", {"audience": "executive"}, minutes=5)
    inc = log.fold()
    assert inc.last_update_at is None
    assert inc.next_update.due_at == at(10)


def test_a_promise_made_before_the_last_update_no_longer_counts():
    log = Log(T0, severity="SEV-1")
    log.add("update.promised", {"at": _ts(at(40))}, minutes=2)
    log.add("update.sent", {"audience": "internal"}, minutes=8)
    assert log.fold().next_update.due_at == at(23)


def test_the_update_itself_can_promise_the_next_one():
    log = Log(T0, severity="SEV-1")
    log.add("update.sent", {"audience": "internal", "next_update_at": _ts(at(35))}, minutes=8)
    inc = log.fold()
    assert inc.next_update.due_at == at(35)
    assert inc.next_update.rule == "promised by @alice"


def test_the_latest_of_several_promises_wins():
    log = Log(T0, severity="SEV-1")
    log.add("update.promised", {"at": _ts(at(9))}, minutes=2)
    log.add("update.promised", {"at": _ts(at(20))}, minutes=3)
    assert log.fold().next_update.due_at == at(20)


def test_severity_up_replans_and_never_leaves_the_due_time_later():
    log = Log(T0, severity="SEV-3")  # first update 30 min
    assert log.fold().next_update.due_at == at(30)
    log.add("severity.set", {"level": "SEV-1"}, minutes=2)
    inc = log.fold()
    assert inc.next_update.due_at == at(10)  # SEV-1: first update within 10 min
    assert inc.next_update.rule.startswith("SEV-1")


def test_severity_up_caps_an_earlier_promise():
    log = Log(T0, severity="SEV-3")
    log.add("update.sent", {"audience": "internal"}, minutes=5)
    log.add("update.promised", {"at": _ts(at(65))}, minutes=6)
    assert log.fold().next_update.due_at == at(65)
    log.add("severity.set", {"level": "SEV-1"}, minutes=10)
    inc = log.fold()
    assert inc.next_update.due_at == at(20)  # last update + 15, earlier than the promise


def test_a_promise_after_the_severity_change_stands():
    log = Log(T0, severity="SEV-3")
    log.add("update.sent", {"audience": "internal"}, minutes=5)
    log.add("severity.set", {"level": "SEV-1"}, minutes=10)
    log.add("update.promised", {"at": _ts(at(40))}, minutes=11)
    assert log.fold().next_update.due_at == at(40)


def test_severity_down_to_a_level_without_updates_means_nothing_due():
    log = Log(T0, severity="SEV-1")
    log.add("severity.set", {"level": "SEV-4"}, minutes=3)
    assert log.fold().next_update is None


def test_moving_onto_a_level_with_updates_starts_the_first_update_clock_then():
    log = Log(T0, severity="SEV-4")
    log.add("severity.set", {"level": "SEV-2"}, minutes=60)
    inc = log.fold()
    assert inc.next_update.due_at == at(75)  # 15 min after the change, not after declaring


def test_reopening_after_resolve_plans_again():
    log = Log(T0, severity="SEV-2")
    log.add("update.sent", {"audience": "internal"}, minutes=10)
    log.add("status.set", {"status": "resolved"}, minutes=20)
    assert log.fold().next_update is None
    log.add("status.set", {"status": "investigating"}, minutes=25)
    assert log.fold().next_update.due_at == at(40)


def test_p0_policy_with_sev_command_numbers():
    log = Log(T0, policy="p0", severity="P0")
    assert log.fold().next_update.due_at == at(5)
    assert log.fold().level.escalation[0].after == 300
    assert log.fold().level.escalation[1].after == 900
