"""The handoff brief: a pure function of (incident, runbook, now, tz)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.brief import handoff_brief
from cockpit.timefmt import format_ts
from tests.conftest import T0
from tests.unit.factory import Log
from tests.unit.test_comms import HOSTILE

NOW = T0 + timedelta(minutes=12)  # 15:12 in Berlin


def scene() -> Log:
    log = Log(T0)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=1)
    log.add("impact.set", {"impact": "EU checkouts failing"}, minutes=2)
    ruled_out = log.add("entry.hypothesis", {"text": "a DNS problem"}, minutes=2)
    log.add("entry.hypothesis", {"text": "pool exhausted after deploy 2291"}, minutes=3)
    log.add("hypothesis.resolved", {"target": ruled_out.id, "outcome": "ruled_out"}, minutes=4)
    for minute in range(4, 11):
        log.add("entry.action", {"text": f"action {minute}"}, minutes=minute)
    until = format_ts(T0 + timedelta(minutes=20))
    log.add("timer.set", {"timer": "t3k9", "until": until, "text": "check lag"}, minutes=5)
    gone = format_ts(T0 + timedelta(minutes=30))
    log.add("timer.set", {"timer": "t4aa", "until": gone, "text": "cancelled one"}, minutes=5)
    log.add("timer.cancelled", {"timer": "t4aa"}, minutes=6)
    log.add(
        "update.sent",
        {"audience": "internal", "template": "internal", "text": "first"},
        minutes=9,
        author="carol",
    )
    log.add("checklist.checked", {"item": "confirm-impact"}, minutes=2)
    return log


def test_brief_json_holds_the_state_a_new_commander_needs() -> None:
    log = scene()
    data = handoff_brief(log.fold(), log.runbook, NOW).to_json()
    assert data["severity"] == "SEV-1" and data["severity_label"] == "Critical"
    assert data["status"] == "investigating"
    assert data["impact"] == "EU checkouts failing"
    assert data["elapsed_seconds"] == 12 * 60
    assert data["started_at"] == "2026-03-04T14:00:00Z"
    assert [h["text"] for h in data["hypotheses"]] == ["pool exhausted after deploy 2291"]
    # the latest five actions, latest first
    assert [a["text"] for a in data["actions"]] == [f"action {m}" for m in (10, 9, 8, 7, 6)]
    assert [(t["id"], t["expired"]) for t in data["timers"]] == [("t3k9", False)]
    roles = {r["role"]: r["handle"] for r in data["roles"]}
    assert roles == {"ic": "alice", "tl": None, "comms": None, "scribe": None}
    updates = {u["audience"]: u for u in data["updates"]}
    assert updates["internal"]["last_update_at"] == "2026-03-04T14:09:00Z"
    assert updates["internal"]["last_update_by"] == "carol"
    assert updates["internal"]["next_update_due_at"] == "2026-03-04T14:24:00Z"
    assert updates["internal"]["overdue"] is False
    assert updates["executive"]["last_update_at"] is None
    unchecked = [i["id"] for i in data["unchecked"]]
    assert "confirm-impact" not in unchecked  # checked
    assert "internal-update" not in unchecked  # ticked by the update
    assert "name-ic" not in unchecked  # ticked by the role
    assert "open-bridge" in unchecked
    assert next(i for i in data["unchecked"] if i["id"] == "open-bridge")["overdue"] is True
    json.dumps(data)  # plain JSON


def test_brief_text_reads_top_to_bottom() -> None:
    log = scene()
    text = handoff_brief(log.fold(), log.runbook, NOW).text()
    lines = text.splitlines()
    assert lines[0].startswith("Handoff brief: INC-")
    assert lines[0].endswith("SEV-1 (Critical), investigating: Checkout errors")
    assert "started 15:00 CET, running 12 min (at 15:12 CET)" in lines
    assert "Impact: EU checkouts failing" in lines
    assert any("pool exhausted after deploy 2291" in line for line in lines)
    assert "  - 15:10 CET action 10 (@alice)" in lines
    assert "  - t3k9 check lag: 08:00 left, at 15:20 CET" in lines
    assert any(
        line.split() == ["Incident", "commander", "@alice", "since", "15:01", "CET"]
        for line in lines
    )
    assert "  Internal: last 15:09 CET by @carol; next due 15:24 CET (in 12:00)" in lines
    assert "cancelled one" not in text


def test_brief_says_when_an_update_is_overdue_and_a_timer_ran_out() -> None:
    log = scene()
    later = T0 + timedelta(minutes=30)
    text = handoff_brief(log.fold(), log.runbook, later).text()
    assert "  Internal: last 15:09 CET by @carol; OVERDUE by 06:00 (due 15:24 CET)" in text
    assert "  - t3k9 check lag: ran out 10:00 ago, at 15:20 CET" in text


def test_brief_in_another_zone() -> None:
    log = scene()
    text = handoff_brief(log.fold(), log.runbook, NOW, UTC).text()
    assert "started 14:00 UTC, running 12 min (at 14:12 UTC)" in text


def test_brief_of_a_quiet_incident() -> None:
    log = Log(T0, severity="SEV-4")
    brief = handoff_brief(log.fold(), None, NOW)
    text = brief.text()
    assert "Open hypotheses:\n  none" in text
    assert "Timers:\n  none running" in text
    assert "Updates:\n  none required" in text
    assert brief.to_json()["unchecked"] == []


def test_brief_is_pure() -> None:
    log = scene()
    first = handoff_brief(log.fold(), log.runbook, NOW)
    second = handoff_brief(log.fold(), log.runbook, NOW)
    assert first.to_json() == second.to_json()
    assert first.text() == second.text()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_goes_through_the_brief_as_typed(hostile: str) -> None:
    log = Log(T0, title=hostile)
    log.add("impact.set", {"impact": hostile}, minutes=1)
    log.add("entry.hypothesis", {"text": hostile}, minutes=2)
    log.add("entry.action", {"text": hostile}, minutes=3)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=3)
    brief = handoff_brief(log.fold(), log.runbook, NOW)
    data = brief.to_json()
    assert data["title"] == data["impact"] == hostile
    assert data["hypotheses"][0]["text"] == data["actions"][0]["text"] == hostile
    text = brief.text()
    assert text.count(hostile) == 4


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip()))
def test_any_text_survives_the_brief(text: str) -> None:
    log = Log(T0, title=text)
    log.add("entry.action", {"text": text}, minutes=1)
    data = handoff_brief(log.fold(), log.runbook, NOW).to_json()
    assert data["title"] == text
    assert data["actions"][0]["text"] == text
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
