"""Every /command of the quick-entry grammar, given through `cockpit log`, and what
`show --json` / `timeline --json` say about it afterwards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.helpers import (
    Run,
    clock_ago,
    events,
    log_json,
    log_lines,
    near,
    now_utc,
    show,
    stored_kinds,
    timeline,
    ts,
)


def test_sev_changes_level_and_replans_the_update(ref: str) -> None:
    declared = ts(show(ref)["declared_at"])
    assert log_json(ref, "/sev 1")["data"] == {"level": "SEV-1"}
    data = show(ref)
    assert data["severity"] == "SEV-1"
    assert ts(data["next_update_due_at"]) == declared + timedelta(minutes=10)
    log_json(ref, "/sev SEV-4")
    data = show(ref)
    assert data["severity"] == "SEV-4"
    assert data["next_update_due_at"] is None  # SEV-4: no updates required
    assert data["update_overdue"] is False
    items = [i["text"] for i in timeline(ref) if i["kind"] == "severity.set"]
    assert items == ["Severity set to SEV-1", "Severity set to SEV-4"]


def test_sev_unknown_level_logs_nothing(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "/sev 7").error_line(1)
    assert "SEV-1, SEV-2, SEV-3, SEV-4" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_status_mitigated_sets_the_milestone(run: Run, ref: str) -> None:
    run("log", ref, "/status identified @-5m").ok()
    assert show(ref)["status"] == "identified"
    run("log", ref, "/status mitigated @-2m").ok()
    data = show(ref)
    assert data["status"] == "mitigated"
    assert near(ts(data["milestones"]["mitigated"]), now_utc() - timedelta(minutes=2))
    assert data["milestones"]["resolved"] is None


def test_resolve_sets_status_and_milestone_and_stops_updates(run: Run, ref: str) -> None:
    run("log", ref, "/resolve").ok()
    data = show(ref)
    assert data["status"] == "resolved"
    assert near(ts(data["milestones"]["resolved"]), now_utc())
    assert data["update_overdue"] is False
    assert data["next_update_due_at"] is None
    # resolved is still open (not closed): it is listed
    assert [i["ref"] for i in show_list(run)] == [ref]


def show_list(run: Run, *options: str) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = run("list", "--json", *options).ok().json()
    return listed


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("/close", "resolved"),
        ("/close false-alarm", "false alarm"),
        ("/close cancelled", "cancelled"),
        ("/close duplicate INC-7kq2m9", "duplicate of INC-7KQ2M9"),
        ("/status closed false-alarm", "false alarm"),
    ],
)
def test_close_with_reason(run: Run, ref: str, line: str, reason: str) -> None:
    event = log_json(ref, line)
    assert event["data"] == {"status": "closed", "reason": reason}
    data = show(ref)
    assert (data["status"], data["status_reason"]) == ("closed", reason)
    assert data["next_update_due_at"] is None


def test_closed_incidents_leave_the_list(run: Run, ref: str) -> None:
    run("log", ref, "/close false-alarm").ok()
    assert show_list(run) == []
    assert [(i["ref"], i["status"]) for i in show_list(run, "--all")] == [(ref, "closed")]


def test_close_bad_reason(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "/close whatever").error_line(1)
    assert "column 8:" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_role_handoff_and_history(run: Run, ref: str) -> None:
    alice = log_json(ref, "/role ic @alice")
    assert alice["data"] == {"role": "ic", "handle": "alice"}
    bob = log_json(ref, "/role ic @bob")
    log_json(ref, "/role comms carol")  # the @ is optional
    data = show(ref)
    assert data["roles"] == {
        "ic": {"handle": "bob", "since": bob["occurred_at"]},
        "comms": {"handle": "carol", "since": data["roles"]["comms"]["since"]},
    }
    assert data["role_history"][:2] == [
        {"role": "ic", "handle": "alice", "from": alice["occurred_at"], "to": bob["occurred_at"]},
        {"role": "ic", "handle": "bob", "from": bob["occurred_at"], "to": None},
    ]
    released = log_json(ref, "/unrole ic")
    assert released["data"] == {"role": "ic"}
    data = show(ref)
    assert "ic" not in data["roles"]
    assert data["role_history"][1]["to"] == released["occurred_at"]
    texts = [i["text"] for i in timeline(ref) if i["kind"].startswith("role.")]
    assert texts[0] == "Incident commander: @alice"
    assert texts[-1] == "Incident commander released"


def test_role_unknown(run: Run, ref: str) -> None:
    err = run("log", ref, "/role janitor @x").error_line(1)
    assert "ic, tl, comms, scribe" in err


def test_check_and_uncheck(run: Run, ref: str) -> None:
    ticked = log_json(ref, "/check classify")
    assert ticked["data"] == {"item": "classify"}
    log_json(ref, "/check name-i")  # an unambiguous prefix works
    items = {i["id"]: i for i in show(ref)["checklist"]}
    assert items["classify"]["done_at"] == ticked["occurred_at"]
    assert items["name-ic"]["done_at"] is not None
    assert items["name-comms"]["done_at"] is None
    log_json(ref, "/uncheck classify")
    items = {i["id"]: i for i in show(ref)["checklist"]}
    assert items["classify"]["done_at"] is None
    err = run("log", ref, "/check clasify").error_line(1)
    assert "did you mean 'classify'" in err


def test_update_resets_the_cadence(ref: str) -> None:
    sent = log_json(ref, "/update Payments degraded; next update in 30 min")
    assert sent["data"]["text"] == "Payments degraded; next update in 30 min"
    assert sent["data"]["audience"] == "internal"
    data = show(ref)
    assert data["last_update_at"] == sent["occurred_at"]
    # SEV-2: every 30 minutes after an update
    assert ts(data["next_update_due_at"]) == ts(sent["occurred_at"]) + timedelta(minutes=30)
    assert data["update_overdue"] is False


def test_next_and_snooze(ref: str) -> None:
    promise = log_json(ref, "/next 20m")
    assert ts(promise["data"]["at"]) == ts(promise["occurred_at"]) + timedelta(minutes=20)
    assert show(ref)["next_update_due_at"] == promise["data"]["at"]
    snooze = log_json(ref, "/snooze 5m")
    assert ts(snooze["data"]["until"]) == ts(snooze["occurred_at"]) + timedelta(minutes=5)
    assert show(ref)["next_update_due_at"] == snooze["data"]["until"]


def test_timer_set_and_cancel(ref: str) -> None:
    timer = log_json(ref, "/timer 10m check replica lag")
    data = timer["data"]
    assert data["text"] == "check replica lag"
    assert ts(data["until"]) == ts(timer["occurred_at"]) + timedelta(minutes=10)
    (shown,) = show(ref)["timers"]
    assert (shown["id"], shown["text"], shown["expired"]) == (data["timer"], data["text"], False)
    log_json(ref, f"/timer cancel {data['timer']}")
    assert show(ref)["timers"] == []


def test_milestones(ref: str) -> None:
    hhmm, at = clock_ago(25)
    started = log_json(ref, f"/ms started @{hhmm}")
    assert started["data"] == {"milestone": "started", "at": started["occurred_at"]}
    log_json(ref, "/ms detected @-20m")
    data = show(ref)
    assert ts(data["milestones"]["started"]) == at
    assert near(ts(data["milestones"]["detected"]), now_utc() - timedelta(minutes=20))
    assert data["warnings"] == []
    # detected before started is a warning, never a crash
    log_json(ref, "/ms started @-10m")
    assert show(ref)["warnings"] == ["detected before started"]


def test_milestone_can_be_corrected_to_an_earlier_time(ref: str) -> None:
    log_json(ref, "/ms detected @-20m")
    log_json(ref, "/ms detected @-40m")  # "no, we saw it earlier"
    detected = ts(show(ref)["milestones"]["detected"])
    assert near(detected, now_utc() - timedelta(minutes=40))


def test_title_and_impact(run: Run, ref: str) -> None:
    log_json(ref, "/title Card payments failing in EU")
    log_json(ref, "/impact 30% of EU card payments fail")
    data = show(ref)
    assert data["title"] == "Card payments failing in EU"
    assert data["impact"] == "30% of EU card payments fail"
    assert show_list(run)[0]["title"] == "Card payments failing in EU"
    assert "impact: 30% of EU card payments fail" in run("show", ref).ok().stdout


def test_context_link_service_customer(run: Run, ref: str) -> None:
    log_json(ref, "/link bridge https://meet.example.com/inc")
    log_json(ref, "/link ticket JIRA-123")
    log_json(ref, "/service payments-api")
    log_json(ref, "/service ledger")
    log_json(ref, "/service -ledger")
    log_json(ref, "/customer yes")
    assert show(ref)["context"] == {
        "bridge": "https://meet.example.com/inc",
        "ticket": "JIRA-123",
        "services": ["payments-api"],
        "customer_facing": True,
    }
    plain = run("show", ref).ok().stdout
    assert "customer_facing: yes" in plain


def test_confirm_and_ruleout_by_id_prefix(ref: str) -> None:
    first = log_json(ref, "? the deploy broke it")
    second = log_json(ref, "? the database is slow")
    log_json(ref, f"/confirm {first['id'][-6:]}")  # the short id, as `timeline` shows it
    log_json(ref, f"/ruleout {second['id'].lower()}")  # the full id, any case
    states = {h["id"]: h["state"] for h in show(ref)["hypotheses"]}
    assert states == {first["id"]: "confirmed", second["id"]: "ruled_out"}


def test_confirm_needs_a_hypothesis(run: Run, ref: str) -> None:
    note = log_json(ref, "just a note")
    err = run("log", ref, f"/confirm {note['id'][-6:]}").error_line(1)
    assert "not a hypothesis" in err


def test_star_and_unstar(ref: str) -> None:
    entry = log_json(ref, "! roll back")
    log_json(ref, "/star last")
    (item,) = [i for i in timeline(ref) if i["id"] == entry["id"]]
    assert item["starred"] is True
    log_json(ref, f"/unstar {entry['id'][-6:-2]}")
    (item,) = [i for i in timeline(ref) if i["id"] == entry["id"]]
    assert item["starred"] is False


def test_amend_text_and_time_resorts_the_timeline(ref: str) -> None:
    first = log_json(ref, "error rate 5%")
    second = log_json(ref, "eror rate 50%")
    log_json(ref, f"/amend {second['id'][-6:]} @-30m error rate 50%")
    items = timeline(ref)
    amended = next(i for i in items if i["id"] == second["id"])
    assert amended["text"] == "error rate 50%"
    assert amended["amended"] is True
    assert near(ts(amended["occurred_at"]), now_utc() - timedelta(minutes=30))
    assert amended["recorded_at"] == second["recorded_at"]
    # now first in the timeline: before the declaration and the other note
    ids = [i["id"] for i in items]
    assert ids[0] == second["id"]
    assert ids.index(first["id"]) > 0
    assert [i["occurred_at"] for i in items] == sorted(i["occurred_at"] for i in items)
    # the original is kept in the raw log
    raw = next(e for e in events(ref) if e["id"] == second["id"])
    assert raw["data"]["text"] == "eror rate 50%"


def test_amend_last_text_only(ref: str) -> None:
    note = log_json(ref, "@-4m pgbouncer restarted")
    amendment = log_json(ref, "/amend last pgbouncer restarted on db-2")
    assert amendment["kind"] == "entry.amended"
    assert amendment["data"]["target"] == note["id"]
    assert amendment["data"]["text"] == "pgbouncer restarted on db-2"
    assert amendment["data"].get("occurred_at") is None
    (item,) = [i for i in timeline(ref) if i["id"] == note["id"]]
    assert item["text"] == "pgbouncer restarted on db-2"
    assert item["occurred_at"] == note["occurred_at"]  # the time is kept
    assert item["amended"] is True


def test_retract_last_and_by_prefix(run: Run, ref: str) -> None:
    keep, gone = log_lines(ref, "keep me", "typo note")
    log_json(ref, "/retract last")
    (other,) = log_lines(ref, "? wrong idea")
    log_json(ref, f"/retract {other['id'][-6:-1]}")
    visible = [i["id"] for i in timeline(ref)]
    assert keep["id"] in visible
    assert gone["id"] not in visible and other["id"] not in visible
    data = show(ref)
    assert data["entry_count"] == 1
    assert data["hypotheses"] == []
    everything = {i["id"]: i for i in timeline(ref, "--all")}
    assert everything[gone["id"]]["retracted"] is True
    assert everything[other["id"]]["retracted"] is True
    assert everything[keep["id"]]["retracted"] is False
    # a retraction is an event of its own; nothing was deleted
    raw = events(ref)
    assert [e["kind"] for e in raw].count("entry.retracted") == 2
    assert {gone["id"], other["id"]} <= {e["id"] for e in raw}


def test_retract_a_state_event_is_refused(run: Run, ref: str, db: Path) -> None:
    sev = log_json(ref, "/sev 1")
    err = run("log", ref, f"/retract {sev['id'][-6:]}").error_line(1)
    assert "not an entry" in err
    assert stored_kinds(db) == ["incident.declared", "severity.set"]


def test_ambiguous_or_unknown_entry_id(run: Run, ref: str) -> None:
    log_json(ref, "a")
    log_json(ref, "b")
    err = run("log", ref, "/star ZZZZZZZZ").error_line(1)
    assert "no entry" in err
    # every id of one incident starts with the same millisecond digits: "0" is ambiguous
    err = run("log", ref, "/star 0").error_line(1)
    assert "ambiguous" in err


def test_elapsed_stops_when_the_incident_is_closed(run: Run, db: Path) -> None:
    ref = run("declare", "false alarm", "--at", "-10m").ok().stdout.strip()
    run("log", ref, "/close false-alarm @-6m").ok()
    # it lasted 4 minutes; it does not keep on running after it was closed
    assert abs(show(ref)["elapsed_seconds"] - 240) <= 15


def test_summary(ref: str) -> None:
    log_json(ref, "/summary Bad config push; rolled back")
    assert show(ref)["summary"] == "Bad config push; rolled back"


def test_retract_nothing_yet(run: Run, ref: str) -> None:
    err = run("log", ref, "/retract last").error_line(1)
    assert "no entry yet" in err
