"""The fold: state from events, in any order, with corrections applied."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.incident import TimelineItem, fold
from cockpit.records import Rec
from tests.conftest import T0
from tests.unit.factory import Log


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def test_declaration_sets_title_severity_status_and_declared_milestone():
    inc = Log(T0).fold()
    assert inc.title == "Checkout errors"
    assert inc.severity == "SEV-1"
    assert inc.status == "investigating"
    assert inc.milestones["declared"] == T0
    assert inc.milestones["started"] is None
    assert inc.ref.startswith("INC-") and len(inc.ref) == 10
    assert inc.warnings == []


def test_state_events_set_the_latest_value_by_occurred_time():
    log = Log(T0)
    log.add("severity.set", {"level": "SEV-2"}, minutes=10)
    log.add("severity.set", {"level": "SEV-3"}, minutes=5)  # backdated: older than SEV-2
    log.add("title.set", {"title": "Payments down"}, minutes=3)
    log.add("status.set", {"status": "identified"}, minutes=4)
    inc = log.fold()
    assert inc.severity == "SEV-2"
    assert inc.title == "Payments down"
    assert inc.status == "identified"


def test_roles_handoff_keeps_tenure_history():
    log = Log(T0)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=1)
    log.add("role.assigned", {"role": "ic", "handle": "bob"}, minutes=20)
    log.add("role.assigned", {"role": "tl", "handle": "carol"}, minutes=2)
    log.add("role.released", {"role": "tl"}, minutes=30)
    inc = log.fold()
    assert inc.roles["ic"].handle == "bob"
    assert inc.roles["ic"].start == at(20)
    assert "tl" not in inc.roles
    history = [(t.role, t.handle, t.start, t.end) for t in inc.role_history]
    assert history == [
        ("ic", "alice", at(1), at(20)),
        ("tl", "carol", at(2), at(30)),
        ("ic", "bob", at(20), None),
    ]


def test_assigning_the_same_person_again_is_not_a_handoff():
    log = Log(T0)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=1)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=5)
    inc = log.fold()
    assert len(inc.role_history) == 1
    assert inc.roles["ic"].start == at(1)


def test_checklist_check_and_uncheck():
    log = Log(T0)
    log.add("checklist.checked", {"item": "classify"}, minutes=2)
    log.add("checklist.checked", {"item": "name-ic"}, minutes=3)
    log.add("checklist.unchecked", {"item": "name-ic"}, minutes=4)
    inc = log.fold()
    assert inc.checklist == {"classify": at(2)}
    view = {c["id"]: c for c in inc.checklist_view(log.runbook, at(6))}
    assert view["classify"]["done_at"] == "2026-03-04T14:02:00Z"
    assert view["name-ic"]["done_at"] is None
    assert view["name-ic"]["overdue"] is True  # due at 5 min
    assert view["internal-update"]["overdue"] is False  # due at 10 min
    assert view["what-changed"]["phase"] == "10-30"


def test_timeline_sorted_by_occurred_time_with_amendments_applied():
    log = Log(T0)
    a = log.add("entry.note", {"text": "first", "mentions": []}, minutes=5)
    b = log.add("entry.decision", {"text": "roll back", "mentions": []}, minutes=10)
    log.add("entry.amended", {"target": b.id, "occurred_at": "2026-03-04T14:02:00Z"}, minutes=11)
    log.add("entry.amended", {"target": a.id, "text": "first, corrected"}, minutes=12)
    inc = log.fold()
    entries = [(i.text, i.occurred_at, i.amended) for i in inc.entries]
    assert entries == [("roll back", at(2), True), ("first, corrected", at(5), True)]


def test_retracted_entries_are_hidden_but_kept():
    log = Log(T0)
    a = log.add("entry.note", {"text": "wrong incident", "mentions": []}, minutes=5)
    log.add("entry.note", {"text": "right", "mentions": []}, minutes=6)
    log.add("entry.retracted", {"target": a.id}, minutes=7)
    inc = log.fold()
    assert [i.text for i in inc.entries] == ["right"]
    assert inc.entry_count == 1
    everything = inc.visible_timeline(include_retracted=True)
    assert any(i.text == "wrong incident" and i.retracted for i in everything)


def test_state_events_cannot_be_retracted():
    log = Log(T0)
    sev = log.add("severity.set", {"level": "SEV-2"}, minutes=5)
    log.add("entry.retracted", {"target": sev.id}, minutes=6)
    inc = log.fold()
    assert inc.severity == "SEV-2"
    assert any("only entries can be retracted" in w for w in inc.warnings)


def test_star_and_unstar():
    log = Log(T0)
    a = log.add("entry.note", {"text": "key moment", "mentions": []}, minutes=5)
    log.add("entry.starred", {"target": a.id}, minutes=6)
    assert log.fold().entries[0].starred
    log.add("entry.unstarred", {"target": a.id}, minutes=7)
    assert not log.fold().entries[0].starred


def test_hypotheses_open_confirmed_ruled_out():
    log = Log(T0)
    h1 = log.add("entry.hypothesis", {"text": "db pool", "mentions": []}, minutes=5)
    h2 = log.add("entry.hypothesis", {"text": "bad deploy", "mentions": []}, minutes=6)
    log.add("entry.hypothesis", {"text": "dns", "mentions": []}, minutes=7)
    log.add("hypothesis.resolved", {"target": h1.id, "outcome": "ruled_out"}, minutes=8)
    log.add("hypothesis.resolved", {"target": h2.id, "outcome": "confirmed"}, minutes=9)
    inc = log.fold()
    assert [(h.text, h.state) for h in inc.hypotheses()] == [
        ("db pool", "ruled_out"),
        ("bad deploy", "confirmed"),
        ("dns", "open"),
    ]


def test_status_mitigated_and_resolved_set_milestones_if_unset():
    log = Log(T0)
    log.add("milestone.set", {"milestone": "mitigated", "at": "2026-03-04T14:20:00Z"}, minutes=25)
    log.add("status.set", {"status": "mitigated"}, minutes=22)
    log.add("status.set", {"status": "resolved"}, minutes=40)
    inc = log.fold()
    assert inc.milestones["mitigated"] == at(20)  # explicit wins
    assert inc.milestones["resolved"] == at(40)
    assert inc.elapsed(at(100)) == timedelta(minutes=40)  # frozen at resolve


def test_milestones_out_of_order_give_a_warning_not_a_crash():
    log = Log(T0)
    log.add("milestone.set", {"milestone": "detected", "at": "2026-03-04T14:10:00Z"}, minutes=10)
    log.add("milestone.set", {"milestone": "mitigated", "at": "2026-03-04T14:05:00Z"}, minutes=11)
    inc = log.fold()
    assert "mitigated before detected" in inc.warnings


def test_elapsed_counts_from_started_when_set():
    log = Log(T0)
    log.add("milestone.set", {"milestone": "started", "at": "2026-03-04T13:50:00Z"}, minutes=1)
    inc = log.fold()
    assert inc.started_at == at(-10)
    assert inc.elapsed(at(5)) == timedelta(minutes=15)


def test_context_links_services_and_customer_flag():
    log = Log(T0)
    log.add("context.set", {"key": "bridge", "value": "https://meet/x"}, minutes=1)
    log.add("context.set", {"key": "services", "value": "payments"}, minutes=2)
    log.add("context.set", {"key": "services", "value": "checkout"}, minutes=3)
    log.add("context.set", {"key": "services", "value": "-payments"}, minutes=4)
    log.add("context.set", {"key": "customer_facing", "value": True}, minutes=5)
    inc = log.fold()
    assert inc.context == {
        "bridge": "https://meet/x",
        "services": ["checkout"],
        "customer_facing": True,
    }


def test_timers_derived_expiry_and_cancel():
    log = Log(T0)
    log.add(
        "timer.set", {"timer": "t2ab", "until": "2026-03-04T14:10:00Z", "text": "lag"}, minutes=0
    )
    log.add(
        "timer.set", {"timer": "t3cd", "until": "2026-03-04T14:20:00Z", "text": "dns"}, minutes=1
    )
    log.add("timer.cancelled", {"timer": "t3cd"}, minutes=2)
    inc = log.fold()
    assert [t.id for t in inc.active_timers()] == ["t2ab"]
    assert inc.to_json(at(5))["timers"][0]["expired"] is False
    assert inc.to_json(at(11))["timers"][0]["expired"] is True


def test_duplicates_by_id_count_once():
    log = Log(T0)
    log.add("entry.note", {"text": "once", "mentions": []}, minutes=1)
    inc = fold(log.recs + log.recs, log.runbook)
    assert inc.entry_count == 1
    assert inc.event_count == 2


def test_events_without_a_declaration_fold_with_a_warning():
    log = Log(T0)
    log.add("entry.note", {"text": "early", "mentions": []}, minutes=1)
    inc = fold(log.recs[1:], log.runbook)
    assert inc.entry_count == 1
    assert inc.next_update is None
    assert any("no declaration" in w for w in inc.warnings)


def test_state_events_read_as_sentences():
    log = Log(T0)
    log.add("severity.set", {"level": "SEV-2"}, minutes=1)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=2)
    log.add("checklist.checked", {"item": "classify"}, minutes=3)
    log.add("update.promised", {"at": "2026-03-04T14:40:00Z"}, minutes=4)
    texts = [i.text for i in log.fold().timeline]
    assert texts == [
        "Declared SEV-1: Checkout errors",
        "Severity set to SEV-2",
        "Incident commander: @alice",
        "Checked: Classify the severity (classify)",
        "Next update promised by 15:40 CET",
    ]


# order independence ----------------------------------------------------------------------
def _rich_log() -> Log:
    log = Log(T0)
    n1 = log.add("entry.note", {"text": "a", "mentions": []}, minutes=1)
    h = log.add("entry.hypothesis", {"text": "h", "mentions": []}, minutes=2)
    log.add("severity.set", {"level": "SEV-2"}, minutes=3)
    log.add("severity.set", {"level": "SEV-3"}, minutes=3)  # same time: id breaks the tie
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=3)
    log.add("role.assigned", {"role": "ic", "handle": "bob"}, minutes=3)
    log.add("entry.amended", {"target": n1.id, "text": "a2"}, minutes=4)
    log.add("entry.amended", {"target": n1.id, "text": "a3"}, minutes=4)
    log.add("hypothesis.resolved", {"target": h.id, "outcome": "confirmed"}, minutes=5)
    log.add("entry.starred", {"target": n1.id}, minutes=5)
    log.add("entry.unstarred", {"target": n1.id}, minutes=5)
    log.add("update.sent", {"audience": "internal", "text": "u"}, minutes=6)
    log.add("update.promised", {"at": "2026-03-04T14:30:00Z"}, minutes=7)
    log.add("update.snoozed", {"until": "2026-03-04T14:25:00Z"}, minutes=7)
    log.add("checklist.checked", {"item": "classify"}, minutes=8)
    log.add("checklist.unchecked", {"item": "classify"}, minutes=8)
    log.add("status.set", {"status": "mitigated"}, minutes=9)
    log.add("milestone.set", {"milestone": "detected", "at": "2026-03-04T14:30:00Z"}, minutes=9)
    log.add("timer.set", {"timer": "t1", "until": "2026-03-04T14:40:00Z", "text": "x"}, minutes=9)
    log.add("timer.cancelled", {"timer": "t1"}, minutes=9)
    log.add("timer.set", {"timer": "t2", "until": "2026-03-04T14:20:00Z", "text": "y"}, minutes=9)
    log.add("timer.extended", {"timer": "t2", "until": "2026-03-04T14:25:00Z"}, minutes=10)
    log.add("escalation.made", {"to": "engineering leadership"}, minutes=10)
    # (after minute 3: the LiveFold test starts from the first five events, up to minute 3)
    log.add("context.set", {"key": "customer_facing", "value": True}, minutes=4)
    log.add("update.sent", {"audience": "executive", "text": "e"}, minutes=5)
    log.add("update.promised", {"at": "2026-03-04T14:45:00Z", "audience": "status"}, minutes=6)
    log.add("update.snoozed", {"until": "2026-03-04T14:35:00Z", "audience": "executive"}, minutes=6)
    log.add("milestone.set", {"milestone": "acknowledged", "at": "2026-03-04T14:04:00Z"}, minutes=4)
    log.add("context.set", {"key": "services", "value": "a"}, minutes=9)
    log.add("context.set", {"key": "services", "value": "b"}, minutes=9)
    log.add("entry.retracted", {"target": n1.id}, minutes=10)
    return log


def _snapshot(inc, now):
    data = inc.to_json(now)
    data["timer_state"] = [
        (t.id, t.until, t.cancelled_at, t.extended_at) for t in inc.timers.values()
    ]
    data["plans"] = [(p.audience, p.last_update_at, p.plan) for p in inc.update_plans]
    data["target_state"] = [(t.name, t.due_at, t.met_at, t.stopped_at) for t in inc.targets]
    data["timeline"] = [i.to_json() for i in inc.visible_timeline(include_retracted=True)]
    data["shown"] = [i.id for i in inc.visible_timeline()]
    data["update_due"] = dict(inc.update_due)
    return data


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_any_order_gives_the_same_incident(rng: random.Random):
    log = _rich_log()
    expected = _snapshot(log.fold(), at(12))
    shuffled = list(log.recs)
    rng.shuffle(shuffled)
    assert _snapshot(fold(shuffled, log.runbook), at(12)) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "note",
                    "sev",
                    "status",
                    "role",
                    "update",
                    "promise",
                    "amend",
                    "retract",
                    "star",
                    "check",
                    "audience",
                    "customer",
                    "timer",
                    "escalate",
                ]
            ),
            st.integers(min_value=0, max_value=30),
        ),
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_random_logs_fold_the_same_in_any_order(steps, rng: random.Random):
    log = Log(T0)
    entries = []
    for kind, minute in steps:
        if kind == "note":
            entries.append(
                log.add("entry.note", {"text": f"n{minute}", "mentions": []}, minutes=minute)
            )
        elif kind == "sev":
            log.add("severity.set", {"level": f"SEV-{1 + minute % 4}"}, minutes=minute)
        elif kind == "status":
            log.add(
                "status.set",
                {"status": ["identified", "mitigated", "resolved"][minute % 3]},
                minutes=minute,
            )
        elif kind == "role":
            log.add("role.assigned", {"role": "ic", "handle": f"h{minute % 3}"}, minutes=minute)
        elif kind == "update":
            log.add("update.sent", {"audience": "internal"}, minutes=minute)
        elif kind == "promise":
            log.add("update.promised", {"at": "2026-03-04T15:00:00Z"}, minutes=minute)
        elif kind == "check":
            log.add("checklist.checked", {"item": "classify"}, minutes=minute)
        elif kind == "audience":
            audience = ["executive", "status"][minute % 2]
            if minute % 3:
                log.add("update.sent", {"audience": audience}, minutes=minute)
            else:
                data = {"until": "2026-03-04T14:50:00Z", "audience": audience}
                log.add("update.snoozed", data, minutes=minute)
        elif kind == "customer":
            log.add(
                "context.set", {"key": "customer_facing", "value": minute % 2 == 0}, minutes=minute
            )
        elif kind == "timer":
            until = f"2026-03-04T14:{20 + minute:02d}:00Z"
            if minute % 2:
                log.add("timer.extended", {"timer": "t1", "until": until}, minutes=minute)
            else:
                log.add("timer.set", {"timer": "t1", "until": until}, minutes=minute)
        elif kind == "escalate":
            log.add("escalation.made", {"to": "engineering leadership"}, minutes=minute)
        elif entries:
            target = entries[minute % len(entries)].id
            if kind == "amend":
                log.add("entry.amended", {"target": target, "text": f"x{minute}"}, minutes=minute)
            elif kind == "retract":
                log.add("entry.retracted", {"target": target}, minutes=minute)
            else:
                log.add("entry.starred", {"target": target}, minutes=minute)
    expected = _snapshot(log.fold(), at(40))
    shuffled = list(log.recs)
    rng.shuffle(shuffled)
    assert _snapshot(fold(shuffled, log.runbook), at(40)) == expected


def test_checklist_items_tick_themselves_from_the_events_that_do_them():
    log = Log(T0)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=2)
    log.add("context.set", {"key": "bridge", "value": "https://meet/x"}, minutes=3)
    log.add("update.sent", {"audience": "internal"}, minutes=8)
    log.add("update.promised", {"at": "2026-03-04T14:40:00Z"}, minutes=9)
    log.add("role.assigned", {"role": "comms", "handle": "bob"}, minutes=12)
    log.add("checklist.unchecked", {"item": "name-comms"}, minutes=13)  # overrides the role
    inc = log.fold()
    view = {c["id"]: c for c in inc.checklist_view(log.runbook, at(20))}
    assert view["name-ic"]["done_at"] == "2026-03-04T14:02:00Z"
    assert view["open-bridge"]["done_at"] == "2026-03-04T14:03:00Z"
    assert view["internal-update"]["done_at"] == "2026-03-04T14:08:00Z"
    assert view["promise-next"]["done_at"] == "2026-03-04T14:09:00Z"
    assert view["name-comms"]["done_at"] is None
    assert view["name-comms"]["overdue"] is True
    assert view["customer-ack"]["done_at"] is None
    assert set(inc.checklist) == {"name-ic", "open-bridge", "internal-update", "promise-next"}


# the fold kept open (LiveFold) ------------------------------------------------------------
def test_live_fold_applies_new_events_without_refolding():
    from cockpit.incident import LiveFold

    log = _rich_log()
    live = LiveFold(list(log.recs[:5]), log.runbook, ordered=False)
    for rec in sorted(log.recs[5:], key=lambda r: (r.occurred_us, r.id)):
        live.add([rec])
        live.incident.visible_timeline()
    assert live.refolds == 0
    assert _snapshot(live.incident, at(12)) == _snapshot(log.fold(), at(12))


def test_live_fold_inserts_a_backdated_entry_in_place():
    from cockpit.incident import LiveFold

    log = Log(T0)
    log.add("entry.note", {"text": "late", "mentions": []}, minutes=10)
    live = LiveFold(list(log.recs), log.runbook, ordered=False)
    early = log.add("entry.note", {"text": "early", "mentions": []}, minutes=5)
    live.add([early])
    assert live.refolds == 0
    assert [i.text for i in live.incident.entries] == ["early", "late"]


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=20))
def test_live_fold_equals_a_fresh_fold_whatever_the_arrival_order(rng: random.Random, cut: int):
    from cockpit.incident import LiveFold

    log = _rich_log()
    recs = list(log.recs)
    rng.shuffle(recs)
    live = LiveFold(recs[:cut], log.runbook, ordered=False)
    live.incident.visible_timeline()  # the shown timeline is then kept in step, not redone
    for rec in recs[cut:]:
        live.add([rec])
        live.add([rec])  # a repeat changes nothing
        live.incident.visible_timeline()
    assert _snapshot(live.incident, at(12)) == _snapshot(log.fold(), at(12))
    for inc in (live.incident, log.fold(), fold(recs, log.runbook)):
        assert inc.timeline == sorted(inc.timeline, key=TimelineItem.sort_key)


def test_mute_is_folded_from_the_log_and_the_latest_wins():
    log = Log(T0)
    log.add("reminders.muted", {}, minutes=5)
    log.add("reminders.unmuted", {}, minutes=9)
    assert log.fold().reminders_muted is False
    log.add("reminders.muted", {}, minutes=12)
    assert log.fold().reminders_muted is True


def test_a_composed_update_shows_its_first_line_in_the_timeline():
    from cockpit.incident import describe

    log = Log(T0)
    rec = log.add("update.sent", {"audience": "internal", "text": "Status: ok\nImpact: none\n"})
    inc = log.fold()
    assert describe(rec, inc, inc.tz) == "Update sent to internal: Status: ok (+1 line)"


# a declaration's copies, damaged ----------------------------------------------------------
def _declared_with(policy_change, runbook_change) -> list[Rec]:
    """A declaration whose policy and runbook copies went through `policy_change` and
    `runbook_change` (as another cockpit's, or a damaged database's, might)."""
    log = Log(T0)
    policy = log.policy.copy_for_event()
    runbook = log.runbook.copy_for_event()
    policy_change(policy)
    runbook_change(runbook)
    rec = log.recs[0]
    data = {**rec.data, "policy": policy, "runbook": runbook}
    declared = Rec(
        rec.id,
        rec.incident_id,
        rec.kind,
        rec.occurred_us,
        rec.recorded_us,
        rec.author,
        rec.origin,
        data=data,
    )
    return [declared, *log.recs[1:]]


DAMAGE = {
    "a duration as text": lambda c: c["levels"][0].update(respond_within="15m"),
    "an escalation step as text": lambda c: c["levels"][0]["escalation"][0].update(after="10m"),
    "an audience's cadence as text": lambda c: c["levels"][0]["audiences"][0].update(cadence="x"),
    "a negative cadence": lambda c: c["levels"][0].update(cadence=-60),
    "a cadence without a first update": lambda c: c["levels"][0].update(first_update=None),
    "no levels": lambda c: c.update(levels=[]),
    "a level that is not a table": lambda c: c["levels"].append("SEV-9"),
    "a flag as a duration": lambda c: c["levels"][0].update(cadence=True),
}
RUNBOOK_DAMAGE = {
    "a due time as text": lambda r: r["items"][0].update(due="5m"),
    "done_when as text": lambda r: r["items"][0].update(done_when="role:ic"),
    "an item in no phase": lambda r: r["items"][0].update(phase="later"),
    "no name": lambda r: r.pop("name"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_policy_copy_is_a_warning_not_a_crash(damage: str) -> None:
    inc = fold(_declared_with(DAMAGE[damage], lambda r: None), Log(T0).runbook)
    assert inc.policy is None
    assert any("policy could not be read" in w for w in inc.warnings)
    inc.to_json(at(5), inc.runbook)  # everything a screen or `cockpit show` asks for
    assert inc.title == "Checkout errors"


@pytest.mark.parametrize("damage", sorted(RUNBOOK_DAMAGE))
def test_a_damaged_runbook_copy_falls_back_to_the_runbook_file(damage: str) -> None:
    shipped = Log(T0).runbook
    inc = fold(_declared_with(lambda c: None, RUNBOOK_DAMAGE[damage]), shipped)
    assert inc.runbook == shipped
    assert any("runbook could not be read" in w for w in inc.warnings)
    inc.checklist_view(inc.runbook, at(5))


def test_a_copy_from_a_newer_cockpit_keeps_what_this_one_knows() -> None:
    # Unknown keys are left out; missing optional ones take their defaults.
    def newer(copy: dict) -> None:
        copy["levels"][0]["pager_rotation"] = "primary"
        del copy["levels"][0]["colour"]

    inc = fold(_declared_with(newer, lambda r: r.update(owner="sre")), Log(T0).runbook)
    assert inc.warnings == []
    assert inc.policy is not None and inc.policy.levels[0].colour == "accent"
