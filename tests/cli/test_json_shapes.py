"""One example of each command's JSON, as a script would read it (the README will show
the same). The real output must have exactly the example's keys, with the same types,
all the way down. In an example, null stands for "null or a time", and `Nullable(x)` for
"null or a value like x"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.helpers import Run, declare_in_process, log_lines


class Nullable:
    def __init__(self, like: Any) -> None:
        self.like = like


DECLARE = {"id": "01JNR8W3K0QZ4V5X6Y7Z8A9BCD", "ref": "INC-QZ4V5X"}

EVENT = {
    "id": "01JNR8X0A1B2C3D4E5F6G7H8J9",
    "incident_id": "01JNR8W3K0QZ4V5X6Y7Z8A9BCD",
    "kind": "entry.decision",
    "occurred_at": "2026-03-04T15:23:00Z",
    "recorded_at": "2026-03-04T15:27:41.512Z",
    "author": "alice",
    "origin": "01JNR8V9S7T6R5Q4P3N2M1K0HG",
    "data": {"text": "roll back 4.2.1 @bob", "mentions": ["bob"]},
}

LIST = [
    {
        "id": "01JNR8W3K0QZ4V5X6Y7Z8A9BCD",
        "ref": "INC-QZ4V5X",
        "title": "Checkout errors",
        "severity": "SEV-1",
        "status": "investigating",
        "exercise": False,
        "declared_at": "2026-03-04T15:20:00Z",
        "ic": Nullable("alice"),
        "next_update_due_at": "2026-03-04T15:45:02Z",
        "update_overdue": False,
        "entry_count": 2,
    }
]

SHOW = {
    "id": "01JNR8W3K0QZ4V5X6Y7Z8A9BCD",
    "ref": "INC-QZ4V5X",
    "title": "Checkout errors",
    "severity": "SEV-1",
    "status": "investigating",
    "status_reason": Nullable("false alarm"),
    "exercise": False,
    "declared_at": "2026-03-04T15:20:00Z",
    "declared_by": "alice",
    "zone": "Europe/Berlin",
    "policy": Nullable("sev"),
    "summary": "",
    "impact": "EU card payments fail",
    "context": {"bridge": "https://meet.example.com/inc", "services": ["payments-api"]},
    "milestones": {
        "started": None,
        "detected": "2026-03-04T15:17:00Z",
        "acknowledged": None,
        "declared": "2026-03-04T15:20:00Z",
        "mitigated": None,
        "resolved": None,
    },
    "roles": {"ic": {"handle": "alice", "since": "2026-03-04T15:21:10Z"}},
    "role_history": [{"role": "ic", "handle": "alice", "from": "2026-03-04T15:21:10Z", "to": None}],
    "checklist": [
        {
            "id": "classify",
            "title": "Classify the severity",
            "phase": "0-5",
            "due_at": "2026-03-04T15:25:00Z",
            "done_at": None,
            "overdue": False,
        }
    ],
    "hypotheses": [
        {
            "id": "01JNR8X9Q8P7N6M5K4J3H2G1F0",
            "text": "the new pool size is too small",
            "state": "open",
            "occurred_at": "2026-03-04T15:24:00Z",
        }
    ],
    "timers": [
        {
            "id": "t3k9",
            "text": "check replica lag",
            "until": "2026-03-04T15:40:00Z",
            "expired": False,
        }
    ],
    "last_update_at": "2026-03-04T15:30:02Z",
    "next_update_due_at": "2026-03-04T15:45:02Z",
    "next_update_rule": Nullable("SEV-1: every 15 min"),
    "update_state": "ok",
    "update_overdue": False,
    "updates": [
        {
            "audience": "internal",
            "last_update_at": Nullable("2026-03-04T15:30:02Z"),
            "next_update_due_at": "2026-03-04T15:45:02Z",
            "overdue": False,
        }
    ],
    "targets": [
        {
            "name": "acknowledge",
            "label": "Acknowledge within 5 min",
            "due_at": "2026-03-04T15:25:00Z",
            "met_at": Nullable("2026-03-04T15:21:00Z"),
            "breached": False,
            "action": "take command: /role ic @you, or /ms acknowledged",
        }
    ],
    "elapsed_seconds": 612,
    "warnings": [],
    "entry_count": 2,
    "event_count": 9,
}

TIMELINE = [
    {
        "id": "01JNR8X0A1B2C3D4E5F6G7H8J9",
        "kind": "severity.set",
        "occurred_at": "2026-03-04T15:21:00Z",
        "recorded_at": "2026-03-04T15:21:00Z",
        "author": "alice",
        "text": "Severity set to SEV-1",
        "starred": False,
        "amended": False,
    }
]

SEARCH = [
    {
        "ref": "INC-QZ4V5X",
        "incident_id": "01JNR8W3K0QZ4V5X6Y7Z8A9BCD",
        "id": "01JNR8X9Q8P7N6M5K4J3H2G1F0",
        "kind": "entry.hypothesis",
        "occurred_at": "2026-03-04T15:24:00Z",
        "author": "alice",
        "text": "the new pool size is too small",
    }
]

POLICY_LIST = {"current": "sev", "policies": ["bank", "p0", "p3", "sev"]}

POLICY_SHOW = {
    "name": "sev",
    "label": "SEV-1 to SEV-4",
    "default_level": Nullable("SEV-2"),
    "roles": [{"key": "ic", "label": "Incident commander"}],
    "levels": [
        {
            "key": "SEV-1",
            "label": "Critical",
            "meaning": "Customer-facing outage or data loss.",
            "response": "under 5 minutes",
            "respond_within": Nullable(300),
            "first_update": Nullable(600),
            "cadence": Nullable(900),
            "mitigate_within": Nullable(3600),
            "resolve_within": Nullable(3600),
            "resolve_note": "",
            "escalation": [{"after": 900, "to": "engineering leadership", "action": ""}],
            "audiences": [
                {
                    "key": "executive",
                    "label": "Executives",
                    "first_update": 1800,
                    "cadence": 1800,
                    "customer_facing_only": False,
                }
            ],
            "colour": "error",
        }
    ],
}


def same_shape(example: Any, real: Any, path: str = "$") -> None:
    if isinstance(example, dict):
        assert isinstance(real, dict), f"{path}: expected an object, got {real!r}"
        assert set(real) == set(example), (
            f"{path}: keys {sorted(real)} differ from the example's {sorted(example)}"
        )
        for key, value in example.items():
            same_shape(value, real[key], f"{path}.{key}")
    elif isinstance(example, Nullable):
        if real is not None:
            same_shape(example.like, real, path)
    elif isinstance(example, list):
        assert isinstance(real, list), f"{path}: expected a list, got {real!r}"
        for index, item in enumerate(real):
            same_shape(example[0], item, f"{path}[{index}]")
    elif example is None:
        assert real is None or isinstance(real, str), f"{path}: {real!r}"
    else:
        assert type(real) is type(example), f"{path}: {real!r} is not like {example!r}"


@pytest.fixture
def scene(run: Run) -> str:
    ref = declare_in_process("Checkout errors", "SEV-1")
    log_lines(
        ref,
        "/role ic @alice",
        "/check classify",
        "? the new pool size is too small",
        "! roll back 4.2.1 @bob",
        "/update rolling back",
        "/timer 10m check replica lag",
        "/link bridge https://meet.example.com/inc",
        "/service payments-api",
        "/impact EU card payments fail",
        "/ms detected @-3m",
    )
    return ref


def test_declare_json(run: Run) -> None:
    same_shape(DECLARE, run("declare", "x", "--json").ok().json())


def test_log_json(run: Run, scene: str) -> None:
    same_shape(EVENT, run("log", scene, "! roll back 4.2.1 @bob", "--json").ok().json())
    same_shape([EVENT], run("log", scene, "-", "--json", input="! a\n! b\n").ok().json())


def test_list_json(run: Run, scene: str) -> None:
    listed = run("list", "--json").ok().json()
    assert len(listed) == 1
    same_shape(LIST, listed)


def test_show_json(run: Run, scene: str) -> None:
    data = run("show", scene, "--json").ok().json()
    for key in ("role_history", "checklist", "hypotheses", "timers", "updates", "targets"):
        assert data[key], key  # the scene fills every list, so every item's shape is checked
    same_shape(SHOW, data)


def test_timeline_json(run: Run, scene: str) -> None:
    same_shape(TIMELINE, run("timeline", scene, "--json").ok().json())
    same_shape(TIMELINE, run("timeline", scene, "--jsonl").ok().jsonl())


def test_events_jsonl(run: Run, scene: str) -> None:
    events = run("events", scene, "--jsonl").ok().jsonl()
    decisions = [e for e in events if e["kind"] == "entry.decision"]
    same_shape([EVENT], decisions)
    for event in events:  # every kind has the same envelope
        same_shape(dict(EVENT, data=None), dict(event, data=None))


def test_search_json(run: Run, scene: str) -> None:
    found = run("search", "pool", "--json").ok().json()
    assert len(found) == 1
    same_shape(SEARCH, found)


def test_policy_json(run: Run) -> None:
    same_shape(POLICY_LIST, run("policy", "list", "--json").ok().json())
    same_shape(POLICY_SHOW, run("policy", "show", "--json").ok().json())
