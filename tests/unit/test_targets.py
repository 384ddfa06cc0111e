"""Response and resolution targets and escalation steps: derived at now, never logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cockpit.entry import EntryContext, EntryError, parse
from cockpit.policy import load_policy
from tests.conftest import T0
from tests.unit.factory import Log

TZ = ZoneInfo("Europe/Berlin")
PRESETS = ["sev", "p3", "bank", "p0"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def typed(log: Log, line: str, minutes: float) -> None:
    context = EntryContext(at(minutes), TZ, log.fold(), log.policy, log.runbook)
    for draft in parse(line, context):
        log.draft(draft)


def names(log: Log) -> list[str]:
    return [t.name for t in log.fold().targets]


@pytest.mark.parametrize("name", PRESETS)
def test_every_level_lists_what_its_policy_sets(name: str):
    policy, _ = load_policy(name)
    for level in policy.levels:
        log = Log(T0, policy=name, severity=level.key)
        expected = []
        if level.respond_within:
            expected.append("acknowledge")
        if level.mitigate_within:
            expected.append("mitigate")
        if level.resolve_within:
            expected.append("resolve")
        expected += [f"escalate-{n}" for n in range(1, len(level.escalation) + 1)]
        assert names(log) == expected, level.key
        for target in log.fold().targets:
            assert target.action, target.name
            assert not target.breached(at(0))
        steps = [t for t in log.fold().targets if t.is_escalation]
        for target, step in zip(steps, level.escalation, strict=True):
            assert target.due_at == at(step.after / 60)
            assert target.action == step.action_text


def test_acknowledge_is_met_by_the_milestone_or_by_taking_command():
    log = Log(T0, severity="SEV-1")  # respond within 5 min
    ack = log.fold().target("acknowledge")
    assert ack.due_at == at(5)
    assert ack.state(at(4)) == "pending" and not ack.prompt(at(4))
    assert ack.state(at(5)) == "breached" and ack.prompt(at(5))
    assert ack.breached(at(5))
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=3)
    ack = log.fold().target("acknowledge")
    assert ack.met_at == at(3)
    assert ack.state(at(60)) == "met" and not ack.breached(at(60))


def test_a_target_met_late_stays_breached_but_asks_for_nothing():
    log = Log(T0, severity="SEV-1")
    typed(log, "/ms acknowledged", 7)
    ack = log.fold().target("acknowledge")
    assert ack.met_at == at(7)
    assert ack.breached(at(8)) and ack.state(at(8)) == "met_late"
    assert log.fold().prompts(at(8)) == []


def test_acknowledge_counts_from_detection_when_it_is_known():
    log = Log(T0, severity="SEV-1")
    log.add("milestone.set", {"milestone": "detected", "at": "2026-03-04T13:58:00Z"}, minutes=1)
    assert log.fold().target("acknowledge").due_at == at(3)


def test_bank_p1_restore_within_4_hours_from_the_start():
    log = Log(T0, policy="bank", severity="P1")
    log.add("milestone.set", {"milestone": "started", "at": "2026-03-04T13:30:00Z"}, minutes=1)
    inc = log.fold()
    resolve = inc.target("resolve")
    assert resolve.due_at == at(-30 + 240)
    assert "1-4 h" in resolve.label
    assert inc.target("mitigate").due_at == at(-30 + 60)
    assert inc.target("mitigate").breached(at(30))
    # mitigated at 40 min: mitigate met late; resolve still running
    typed(log, "/status mitigated", 40)
    inc = log.fold()
    assert inc.target("mitigate").met_at == at(40)
    assert inc.target("mitigate").state(at(41)) == "met_late"
    assert inc.target("resolve").state(at(41)) == "pending"
    assert inc.target("resolve").remaining(at(41)) == timedelta(minutes=169)
    # resolved within the target
    typed(log, "/resolve", 120)
    inc = log.fold()
    assert inc.target("resolve").state(at(500)) == "met"
    assert inc.prompts(at(500)) == []


def test_resolving_meets_mitigate_too():
    log = Log(T0, severity="SEV-1")
    typed(log, "/resolve", 30)
    assert log.fold().target("mitigate").met_at == at(30)


def test_a_closed_false_alarm_stops_the_clock_and_prompts_nothing():
    log = Log(T0, severity="SEV-1")
    typed(log, "/close false-alarm", 2)
    inc = log.fold()
    for target in inc.targets:
        assert target.state(at(600)) in ("pending", "met"), target.name
        assert not target.breached(at(600)), target.name
    assert inc.prompts(at(600)) == []


def test_p0_escalates_at_5_and_15_minutes():
    log = Log(T0, policy="p0", severity="P0")
    inc = log.fold()
    first, second = inc.target("escalate-1"), inc.target("escalate-2")
    assert (first.due_at, second.due_at) == (at(5), at(15))
    assert first.action == "page the senior engineers on call"
    assert inc.prompts(at(4)) == []
    assert "escalate-1" in [t.name for t in inc.prompts(at(5))]
    assert "escalate-2" not in [t.name for t in inc.prompts(at(14))]
    # /escalate alone records the next step not yet made
    typed(log, "/escalate", 6)
    inc = log.fold()
    assert inc.target("escalate-1").met_at == at(6)
    assert "escalate-1" not in [t.name for t in inc.prompts(at(20))]
    assert "escalate-2" in [t.name for t in inc.prompts(at(20))]
    typed(log, "/escalate exec", 21)
    inc = log.fold()
    assert inc.escalations[-1].data["to"] == "executives"
    assert inc.target("escalate-2").state(at(22)) == "met_late"


def test_escalating_early_meets_the_step_before_it_is_due():
    log = Log(T0, policy="p0", severity="P0")
    typed(log, "/escalate executives", 1)
    assert log.fold().target("escalate-2").state(at(30)) == "met"


def test_escalating_to_someone_else_is_logged_as_typed():
    log = Log(T0, policy="p0", severity="P0")
    typed(log, "/escalate the DBA on call", 1)
    inc = log.fold()
    assert inc.escalations[-1].data["to"] == "the DBA on call"
    assert inc.timeline[-1].text == "Escalated to the DBA on call"
    assert inc.target("escalate-1").met_at is None


def test_escalate_alone_without_steps_left_is_refused():
    log = Log(T0, severity="SEV-3")
    with pytest.raises(EntryError, match="no escalation step left"):
        typed(log, "/escalate", 1)


def test_targets_follow_the_current_level():
    log = Log(T0, severity="SEV-1")
    typed(log, "/sev 2", 3)
    inc = log.fold()
    assert inc.target("acknowledge").due_at == at(15)
    assert inc.target("escalate-1").due_at == at(60)
    assert inc.target("escalate-2") is None
    typed(log, "/sev 4", 4)
    assert names(log) == []


def test_show_json_targets():
    log = Log(T0, policy="p0", severity="P0")
    data = log.fold().to_json(at(6))
    first = {t["name"]: t for t in data["targets"]}["escalate-1"]
    assert first == {
        "name": "escalate-1",
        "label": "Escalate to senior engineers after 5 min",
        "due_at": "2026-03-04T14:05:00Z",
        "met_at": None,
        "breached": True,
        "action": "page the senior engineers on call",
    }
    assert log.fold().to_json(at(4))["targets"][1]["breached"] is False
