"""Events: every fact about an incident, immutable.

An `Event` is validated once, on the way into the store. Reading back, the store hands
out light `Rec`s (`cockpit.records`: plain data, no validation per row, no pydantic); the
fold works on those.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

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

from cockpit.records import ENTRY_KINDS, Rec
from cockpit.timefmt import format_ts, to_us, to_utc

UtcTime = Annotated[
    _Aware,
    AfterValidator(to_utc),
    PlainSerializer(format_ts, return_type=str, when_used="json"),
]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


class RunbookCopy(BaseModel):
    """The checklist an incident was declared with (see cockpit.runbook.Runbook)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    name: str
    phases: list[dict[str, Any]]
    items: list[dict[str, Any]]


class Declared(Payload):
    title: str = Field(min_length=1)
    severity: str
    policy: PolicyCopy
    runbook: RunbookCopy | None = None  # None: declared before declarations carried one
    exercise: bool = False
    zone: str = "UTC"


class TitleSet(Payload):
    title: str = Field(min_length=1)


class SummarySet(Payload):
    summary: str


class ImpactSet(Payload):
    impact: str


class ContextSet(Payload):
    key: Literal["bridge", "channel", "ticket", "services", "customer_facing"]
    value: str | bool


class SeveritySet(Payload):
    level: str


class StatusSet(Payload):
    status: Literal["investigating", "identified", "monitoring", "mitigated", "resolved", "closed"]
    reason: str | None = None


class RoleAssigned(Payload):
    role: str
    handle: str = Field(min_length=1)


class RoleReleased(Payload):
    role: str


class ChecklistItem(Payload):
    """checklist.checked and checklist.unchecked."""

    item: str


class EntryPayload(Payload):
    """note, decision, hypothesis, action and follow-up entries."""

    text: str
    mentions: list[str] = Field(default_factory=list)


class HypothesisResolved(Payload):
    target: str
    outcome: Literal["confirmed", "ruled_out"]


class UpdateSent(Payload):
    audience: str = "internal"
    template: str = "quick"
    text: str = ""
    next_update_at: UtcTime | None = None


class UpdatePromised(Payload):
    at: UtcTime
    audience: str = "internal"


class UpdateSnoozed(Payload):
    until: UtcTime
    audience: str = "internal"


class TimerSet(Payload):
    timer: str
    until: UtcTime
    text: str = ""


class TimerCancelled(Payload):
    timer: str


class TimerExtended(Payload):
    """The timer now runs until `until` (the extension is worked out when it is typed)."""

    timer: str
    until: UtcTime


class EscalationMade(Payload):
    """Someone escalated to `to` (a policy step's `to`, or whoever was called)."""

    to: str = Field(min_length=1)
    text: str = ""


class Nothing(Payload):
    """Kinds whose name says everything (reminders muted or unmuted)."""


class MilestoneSet(Payload):
    milestone: Literal["started", "detected", "acknowledged", "declared", "mitigated", "resolved"]
    at: UtcTime


class Target(Payload):
    """star, unstar and retract: they point at an entry."""

    target: str


class Amended(Target):
    text: str | None = None
    occurred_at: UtcTime | None = None


PAYLOADS: dict[str, type[Payload]] = {
    "incident.declared": Declared,
    "title.set": TitleSet,
    "summary.set": SummarySet,
    "impact.set": ImpactSet,
    "context.set": ContextSet,
    "severity.set": SeveritySet,
    "status.set": StatusSet,
    "role.assigned": RoleAssigned,
    "role.released": RoleReleased,
    "checklist.checked": ChecklistItem,
    "checklist.unchecked": ChecklistItem,
    "entry.note": EntryPayload,
    "entry.decision": EntryPayload,
    "entry.hypothesis": EntryPayload,
    "entry.action": EntryPayload,
    "entry.todo": EntryPayload,
    "hypothesis.resolved": HypothesisResolved,
    "update.sent": UpdateSent,
    "update.promised": UpdatePromised,
    "update.snoozed": UpdateSnoozed,
    "timer.set": TimerSet,
    "timer.cancelled": TimerCancelled,
    "timer.extended": TimerExtended,
    "escalation.made": EscalationMade,
    "milestone.set": MilestoneSet,
    "reminders.muted": Nothing,
    "reminders.unmuted": Nothing,
    "entry.starred": Target,
    "entry.unstarred": Target,
    "entry.amended": Amended,
    "entry.retracted": Target,
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
    "timer.extended",
    "escalation.made",
    "milestone.set",
    "reminders.muted",
    "reminders.unmuted",
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
        data = self.data.model_dump(mode="json")
        return Rec(
            self.id,
            self.incident_id,
            self.kind,
            to_us(self.occurred_at),
            to_us(self.recorded_at),
            self.author,
            self.origin,
            data=data,
            text=data.get("text") if self.kind in ENTRY_KINDS else None,
        )


# Building a deferred model's validator while another thread validates with it is safe
# only in recent pydantic releases; the app builds them in a thread (below), so the two
# take turns.
_VALIDATORS = threading.Lock()


def validate_event(data: dict[str, Any]) -> Event:
    """An Event from its fields, validated (the one way events are made)."""
    with _VALIDATORS:
        return Event.model_validate(data)


def build_validators() -> None:
    """Build the event models' validators now rather than at the first write (they are
    deferred, so that importing this module stays cheap). The app calls this in a thread
    once the board is drawn, so the first entry logged does not wait for it."""
    models: set[type[BaseModel]] = {Event, *PAYLOADS.values()}
    with _VALIDATORS:
        for model in models:
            model.model_rebuild()
