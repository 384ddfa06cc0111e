"""Build validated events for fold and grammar tests without a store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cockpit.entry import Draft
from cockpit.events import Event
from cockpit.incident import Incident, fold
from cockpit.policy import load_policy
from cockpit.records import Rec
from cockpit.runbook import load_runbook
from cockpit.ulid import new_ulid


class Log:
    """An incident's events, made one by one at chosen times."""

    def __init__(
        self,
        start: datetime,
        policy: str = "sev",
        severity: str | None = None,
        title: str = "Checkout errors",
    ) -> None:
        self.policy, _ = load_policy(policy)
        self.runbook, _ = load_runbook()
        self.start = start
        self.incident_id = new_ulid(int(start.timestamp() * 1000))
        self.recs: list[Rec] = []
        self.add(
            "incident.declared",
            {
                "title": title,
                "severity": severity or self.policy.levels[0].key,
                "policy": self.policy.copy_for_event(),
                "exercise": False,
                "zone": "Europe/Berlin",
            },
            at=start,
        )

    def add(
        self,
        kind: str,
        data: dict[str, Any],
        at: datetime | None = None,
        minutes: float | None = None,
        author: str = "alice",
    ) -> Rec:
        when = at if at is not None else self.start + timedelta(minutes=minutes or 0)
        event = Event.model_validate(
            {
                "id": new_ulid(int(when.timestamp() * 1000)),
                "incident_id": self.incident_id,
                "kind": kind,
                "occurred_at": when,
                "recorded_at": when,
                "author": author,
                "origin": "test",
                "data": data,
            }
        )
        rec = event.to_rec()
        self.recs.append(rec)
        return rec

    def draft(self, draft: Draft, author: str = "alice") -> Rec:
        return self.add(draft.kind, draft.data, at=draft.occurred_at, author=author)

    def fold(self) -> Incident:
        return fold(self.recs, self.runbook)


# A user's runbook file with one phase and one item.
SMALL_RUNBOOK = """\
name = "ours"

[[phases]]
key = "now"
label = "Right now"
end = "2m"

[[items]]
id = "breathe"
phase = "now"
title = "Take a breath"
due = "1m"
"""
