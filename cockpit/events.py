"""Events: every fact about an incident, immutable.

An `Event` is validated once, on the way into the store. Reading back, the store hands
out light `Rec`s (plain data, no validation per row); the fold works on those.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializeAsAny,
    model_validator,
)
from pydantic import AwareDatetime as _Aware

from cockpit.timefmt import format_ts, parse_ts, to_utc

UtcTime = Annotated[
    _Aware,
    AfterValidator(to_utc),
    PlainSerializer(format_ts, return_type=str, when_used="json"),
]

CONTEXT_KEYS = ("bridge", "channel", "ticket", "services", "customer_facing")
STATUSES = ("investigating", "identified", "monitoring", "mitigated", "resolved", "closed")
MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved")
ENTRY_KINDS = ("entry.note", "entry.decision", "entry.hypothesis", "entry.action", "entry.todo")


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    kind: ClassVar[str] = ""


class PolicyLevelCopy(BaseModel):
    """A severity level as carried inside a declaration (see cockpit.policy.Level)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    key: str
    label: str = ""
    first_update: int | None = None  # seconds
    cadence: int | None = None  # seconds
    colour: str = ""


class PolicyCopy(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    name: str
    levels: list[PolicyLevelCopy]
    roles: list[dict[str, str]] = Field(default_factory=list)


class Declared(Payload):
    kind = "incident.declared"
    title: str = Field(min_length=1)
    severity: str
    policy: PolicyCopy
    exercise: bool = False
    zone: str = "UTC"


class TitleSet(Payload):
    kind = "title.set"
    title: str = Field(min_length=1)


class SummarySet(Payload):
    kind = "summary.set"
    summary: str


class ImpactSet(Payload):
    kind = "impact.set"
    impact: str


class ContextSet(Payload):
    kind = "context.set"
    key: Literal["bridge", "channel", "ticket", "services", "customer_facing"]
    value: str | bool


class SeveritySet(Payload):
    kind = "severity.set"
    level: str


class StatusSet(Payload):
    kind = "status.set"
    status: Literal["investigating", "identified", "monitoring", "mitigated", "resolved", "closed"]
    reason: str | None = None


class RoleAssigned(Payload):
    kind = "role.assigned"
    role: str
    handle: str = Field(min_length=1)


class RoleReleased(Payload):
    kind = "role.released"
    role: str


class ChecklistChecked(Payload):
    kind = "checklist.checked"
    item: str


class ChecklistUnchecked(Payload):
    kind = "checklist.unchecked"
    item: str


class EntryPayload(Payload):
    text: str
    mentions: list[str] = Field(default_factory=list)


class Note(EntryPayload):
    kind = "entry.note"


class Decision(EntryPayload):
    kind = "entry.decision"


class Hypothesis(EntryPayload):
    kind = "entry.hypothesis"


class Action(EntryPayload):
    kind = "entry.action"


class Todo(EntryPayload):
    kind = "entry.todo"


class HypothesisResolved(Payload):
    kind = "hypothesis.resolved"
    target: str
    outcome: Literal["confirmed", "ruled_out"]


class UpdateSent(Payload):
    kind = "update.sent"
    audience: str = "internal"
    template: str = "quick"
    text: str = ""
    next_update_at: UtcTime | None = None


class UpdatePromised(Payload):
    kind = "update.promised"
    at: UtcTime


class UpdateSnoozed(Payload):
    kind = "update.snoozed"
    until: UtcTime


class TimerSet(Payload):
    kind = "timer.set"
    timer: str
    until: UtcTime
    text: str = ""


class TimerCancelled(Payload):
    kind = "timer.cancelled"
    timer: str


class MilestoneSet(Payload):
    kind = "milestone.set"
    milestone: Literal["started", "detected", "acknowledged", "declared", "mitigated", "resolved"]
    at: UtcTime


class Target(Payload):
    target: str


class Starred(Target):
    kind = "entry.starred"


class Unstarred(Target):
    kind = "entry.unstarred"


class Amended(Target):
    kind = "entry.amended"
    text: str | None = None
    occurred_at: UtcTime | None = None


class Retracted(Target):
    kind = "entry.retracted"


PAYLOADS: dict[str, type[Payload]] = {
    cls.kind: cls
    for cls in (
        Declared,
        TitleSet,
        SummarySet,
        ImpactSet,
        ContextSet,
        SeveritySet,
        StatusSet,
        RoleAssigned,
        RoleReleased,
        ChecklistChecked,
        ChecklistUnchecked,
        Note,
        Decision,
        Hypothesis,
        Action,
        Todo,
        HypothesisResolved,
        UpdateSent,
        UpdatePromised,
        UpdateSnoozed,
        TimerSet,
        TimerCancelled,
        MilestoneSet,
        Starred,
        Unstarred,
        Amended,
        Retracted,
    )
}
KINDS: tuple[str, ...] = tuple(PAYLOADS)

Kind = Literal[
    "incident.declared",
    "title.set",
    "summary.set",
    "impact.set",
    "context.set",
    "severity.set",
    "status.set",
    "role.assigned",
    "role.released",
    "checklist.checked",
    "checklist.unchecked",
    "entry.note",
    "entry.decision",
    "entry.hypothesis",
    "entry.action",
    "entry.todo",
    "hypothesis.resolved",
    "update.sent",
    "update.promised",
    "update.snoozed",
    "timer.set",
    "timer.cancelled",
    "milestone.set",
    "entry.starred",
    "entry.unstarred",
    "entry.amended",
    "entry.retracted",
]


class Event(BaseModel):
    """One immutable fact. `data` is the payload model for `kind`."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=26, max_length=26)
    incident_id: str = Field(min_length=26, max_length=26)
    kind: Kind
    occurred_at: UtcTime
    recorded_at: UtcTime
    author: str
    origin: str
    data: SerializeAsAny[Payload]

    @model_validator(mode="before")
    @classmethod
    def _typed_payload(cls, values: Any) -> Any:
        if isinstance(values, dict):
            kind = values.get("kind")
            data = values.get("data", {})
            model = PAYLOADS.get(kind) if isinstance(kind, str) else None
            if model is not None and not isinstance(data, model):
                values = {**values, "data": model.model_validate(data)}
        return values

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_rec(self) -> Rec:
        return Rec(
            id=self.id,
            incident_id=self.incident_id,
            kind=self.kind,
            occurred_at=self.occurred_at,
            recorded_at=self.recorded_at,
            author=self.author,
            origin=self.origin,
            data=self.data.model_dump(mode="json"),
        )


@dataclass(frozen=True, slots=True)
class Rec:
    """A light, already-validated event: what the store hands the fold.

    `data` holds the payload in its JSON form (times as RFC 3339 strings).
    """

    id: str
    incident_id: str
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    author: str
    origin: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "occurred_at": format_ts(self.occurred_at),
            "recorded_at": format_ts(self.recorded_at),
            "author": self.author,
            "origin": self.origin,
            "data": self.data,
        }

    def time(self, key: str) -> datetime | None:
        """A time inside the payload, parsed."""
        value = self.data.get(key)
        return parse_ts(value) if isinstance(value, str) else None

    def to_event(self) -> Event:
        return Event.model_validate(self.to_json())


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
