"""Incident: a pure fold over events.

No I/O and no clock: whatever depends on time ("is the update overdue?") takes `now` as an
argument. Folding the same set of events in any order gives the same incident: events are
de-duplicated by id and applied in (occurred_at, id) order, and corrections (amend,
retract, star) are applied after every entry is known.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from cockpit.clock import zone as zone_info
from cockpit.policy import INTERNAL, Audience, Escalation, Level, Policy
from cockpit.records import ENTRY_KINDS, MILESTONES, Rec, short_id
from cockpit.runbook import Item, Runbook
from cockpit.timefmt import format_ts, from_us, parse_ts, to_us

ROLE_FALLBACK = {"ic": "Incident commander"}
OPEN_STATUSES = ("investigating", "identified", "monitoring", "mitigated")
MODIFIERS = {
    "entry.starred",
    "entry.unstarred",
    "entry.amended",
    "entry.retracted",
    "hypothesis.resolved",
}
# Milestone pairs that must come in this order; a reversed pair is a warning.
MILESTONE_ORDER = (
    ("started", "detected"),
    ("detected", "acknowledged"),
    ("started", "mitigated"),
    ("detected", "mitigated"),
    ("mitigated", "resolved"),
    ("started", "resolved"),
    ("detected", "resolved"),
)


def ref_for(incident_id: str) -> str:
    """`INC-` and six characters of the random part of the incident's ULID."""
    return "INC-" + incident_id[10:16]


def matches_short(event_id: str, wanted: str) -> bool:
    """Does `wanted` (upper case) start the id or its short id?"""
    return event_id.startswith(wanted) or short_id(event_id).startswith(wanted)


class TimelineItem:
    """One line of the timeline: an entry (with corrections applied) or a state change."""

    __slots__ = ("_text", "amended", "occurred_us", "owner", "rec", "retracted", "starred", "state")

    def __init__(self, rec: Rec, text: str | None, owner: Incident | None = None) -> None:
        self.rec = rec
        self.occurred_us = rec.occurred_us
        self._text = text
        self.owner = owner
        self.starred = False
        self.amended = False
        self.retracted = False
        self.state: str | None = None  # hypotheses: open, confirmed, ruled_out

    @property
    def text(self) -> str:
        """The entry's text, or a readable sentence for a state change (made on demand)."""
        if self._text is None:
            owner = self.owner
            if owner is None:
                return self.rec.kind
            self._text = describe(self.rec, owner, owner.tz, owner.runbook)
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    @property
    def occurred_at(self) -> datetime:
        return from_us(self.occurred_us)

    @property
    def id(self) -> str:
        return self.rec.id

    @property
    def kind(self) -> str:
        return self.rec.kind

    @property
    def is_entry(self) -> bool:
        return self.rec.kind in ENTRY_KINDS

    def sort_key(self) -> tuple[int, str]:
        return (self.occurred_us, self.rec.id)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.rec.id,
            "kind": self.rec.kind,
            "occurred_at": format_ts(self.occurred_at),
            "recorded_at": format_ts(self.rec.recorded_at),
            "author": self.rec.author,
            "text": self.text,
            "starred": self.starred,
            "amended": self.amended,
        }
        if self.retracted:
            out["retracted"] = True
        if self.state is not None:
            out["state"] = self.state
        return out

    def __repr__(self) -> str:
        return f"TimelineItem({self.kind} {self.id})"


@dataclass(slots=True)
class Tenure:
    role: str
    handle: str
    start: datetime
    end: datetime | None = None


@dataclass(slots=True)
class Timer:
    """A deputy timer ("back to you in 10 minutes"). Running out is derived from `now`,
    never logged; setting, extending and cancelling it are."""

    id: str
    until: datetime
    text: str
    set_at: datetime
    author: str
    cancelled_at: datetime | None = None
    extended_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.cancelled_at is None and now >= self.until

    def remaining(self, now: datetime) -> timedelta:
        return max(self.until - now, timedelta(0))


@dataclass(slots=True)
class UpdatePlan:
    """When the next internal update is due, and the rule that says so."""

    due_at: datetime
    rule: str
    interval: timedelta

    @property
    def soon_window(self) -> timedelta:
        """The last 20% of the interval, at least 1 min and at most 5 min."""
        window = self.interval * 0.2
        return max(timedelta(minutes=1), min(timedelta(minutes=5), window))

    def state(self, now: datetime) -> str:
        if now >= self.due_at:
            return "overdue"
        if now >= self.due_at - self.soon_window:
            return "due_soon"
        return "ok"


@dataclass(slots=True)
class AudiencePlan:
    """One audience owed updates at the incident's level: when it last had one and when
    the next is due. `plan` follows the same rule as the internal `next_update`."""

    audience: str
    label: str
    last_update_at: datetime | None
    plan: UpdatePlan

    @property
    def due_at(self) -> datetime:
        return self.plan.due_at

    def state(self, now: datetime) -> str:
        """`ok`, `due_soon` or `overdue`."""
        return self.plan.state(now)

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "last_update_at": format_ts(self.last_update_at) if self.last_update_at else None,
            "next_update_due_at": format_ts(self.plan.due_at),
            "overdue": self.plan.state(now) == "overdue",
        }


@dataclass(slots=True, frozen=True)
class Target:
    """A response or resolution target (`acknowledge`, `mitigate`, `resolve`) or an
    escalation step (`escalate-1`, ...) of the incident's level. `met_at` is when the
    milestone (or the logged escalation) that meets it happened; whether it is breached
    follows from `now` and is never logged."""

    name: str
    label: str
    due_at: datetime
    met_at: datetime | None
    action: str  # what to do when it is breached or due, for the screen's prompt
    stopped_at: datetime | None = None  # the incident stopped being active, unmet

    @property
    def is_escalation(self) -> bool:
        return self.name.startswith("escalate")

    def breached(self, now: datetime) -> bool:
        """Met after it was due, or still unmet at its due time (at `now`, or when the
        incident was resolved or closed)."""
        if self.met_at is not None:
            return self.met_at > self.due_at
        end = self.stopped_at if self.stopped_at is not None else now
        return end >= self.due_at

    def state(self, now: datetime) -> str:
        """`met`, `met_late`, `pending` (time remains), `breached` (unmet, past due) or
        `missed` (the incident ended unmet after its due time)."""
        if self.met_at is not None:
            return "met_late" if self.met_at > self.due_at else "met"
        if not self.breached(now):
            return "pending"
        return "missed" if self.stopped_at is not None else "breached"

    def prompt(self, now: datetime) -> bool:
        """Should the screen ask for `action` now: unmet, past due, incident still active."""
        return self.state(now) == "breached"

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "due_at": format_ts(self.due_at),
            "met_at": format_ts(self.met_at) if self.met_at else None,
            "breached": self.breached(now),
            "action": self.action,
        }


@dataclass
class Incident:
    id: str
    title: str = "(undeclared)"
    severity: str = ""
    status: str = "investigating"
    status_reason: str | None = None
    exercise: bool = False
    declared_at: datetime | None = None
    declared_by: str = ""
    zone: str = "UTC"
    policy: Policy | None = None
    summary: str = ""
    impact: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Tenure] = field(default_factory=dict)
    role_history: list[Tenure] = field(default_factory=list)
    checklist: dict[str, datetime] = field(default_factory=dict)
    checklist_explicit: dict[str, datetime | None] = field(default_factory=dict)
    firsts: dict[str, datetime] = field(default_factory=dict)
    timeline: list[TimelineItem] = field(default_factory=list)
    items: dict[str, TimelineItem] = field(default_factory=dict)
    milestones: dict[str, datetime | None] = field(default_factory=dict)
    updates: list[Rec] = field(default_factory=list)
    # When each sent update (by event id) was due as it went out: on time or how late.
    update_due: dict[str, datetime | None] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    reminders_muted: bool = False  # the overdue reminder every 5 min; the alert at zero stays
    warnings: list[str] = field(default_factory=list)
    event_count: int = 0
    last_recorded_us: int = 0
    next_update: UpdatePlan | None = None
    update_plans: list[AudiencePlan] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    escalations: list[Rec] = field(default_factory=list)
    runbook: Runbook | None = None
    closed_at: datetime | None = None
    # The timeline without retracted items, kept in step by the fold (None: work it out).
    shown_timeline: list[TimelineItem] | None = field(default=None, repr=False, compare=False)

    @property
    def last_event_at(self) -> datetime | None:
        return from_us(self.last_recorded_us) if self.event_count else None

    @property
    def ref(self) -> str:
        return ref_for(self.id)

    @property
    def tz(self) -> tzinfo:
        return zone_info(self.zone)

    @property
    def is_open(self) -> bool:
        return self.status != "closed"

    @property
    def is_active(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def level(self) -> Level | None:
        if self.policy is None:
            return None
        try:
            return self.policy.level(self.severity)
        except KeyError:
            return None

    @property
    def started_at(self) -> datetime | None:
        return self.milestones.get("started") or self.declared_at

    def elapsed(self, now: datetime) -> timedelta:
        """From started (or declared) to resolved, or to closing, or to now."""
        start = self.started_at or now
        end = None
        if not self.is_active:
            end = self.milestones.get("resolved") or self.closed_at
        return (end or now) - start

    @property
    def entries(self) -> list[TimelineItem]:
        return [i for i in self.timeline if i.is_entry and not i.retracted]

    @property
    def entry_count(self) -> int:
        return sum(1 for i in self.timeline if i.is_entry and not i.retracted)

    @property
    def last_update_at(self) -> datetime | None:
        return self.last_update_for(INTERNAL)

    @property
    def customer_facing(self) -> bool:
        return _truthy(self.context.get("customer_facing"))

    def last_update_for(self, audience: str) -> datetime | None:
        """When `audience` last had an update, whatever the level owes it now."""
        sent = [u for u in self.updates if u.data.get("audience", INTERNAL) == audience]
        return sent[-1].occurred_at if sent else None

    def update_plan(self, audience: str) -> AudiencePlan | None:
        for plan in self.update_plans:
            if plan.audience == audience:
                return plan
        return None

    def soonest_update(self) -> AudiencePlan | None:
        """The audience whose next update is due first (internal wins a tie): the board's
        countdown."""
        if not self.update_plans:
            return None
        return min(self.update_plans, key=lambda p: p.due_at)

    def overdue_updates(self, now: datetime) -> list[AudiencePlan]:
        return [p for p in self.update_plans if p.state(now) == "overdue"]

    def target(self, name: str) -> Target | None:
        for target in self.targets:
            if target.name == name:
                return target
        return None

    def pending_escalations(self) -> list[Escalation]:
        """The level's escalation steps nobody has escalated to yet (`escalation.made`), in
        order: what `/escalate` alone records and whom an escalation page goes to."""
        level = self.level
        made = {str(rec.data.get("to", "")).casefold() for rec in self.escalations}
        steps = level.escalation if level is not None else []
        return [step for step in steps if step.to.casefold() not in made]

    def prompts(self, now: datetime) -> list[Target]:
        """Breached targets and due escalations that still call for the action they name,
        soonest due first (empty once the incident is resolved or closed)."""
        return [t for t in self.targets if t.prompt(now)]

    def running_timers(self, now: datetime) -> list[Timer]:
        """Timers not cancelled and not yet at zero, soonest first."""
        return [t for t in self.active_timers() if now < t.until]

    def expired_timers(self, now: datetime) -> list[Timer]:
        """Timers not cancelled that have reached zero at `now`, earliest first."""
        return [t for t in self.active_timers() if now >= t.until]

    def visible_timeline(self, include_retracted: bool = False) -> list[TimelineItem]:
        """The timeline as shown (a new list; the fold keeps changing its own)."""
        if include_retracted:
            return list(self.timeline)
        if self.shown_timeline is None:
            self.shown_timeline = [i for i in self.timeline if not i.retracted]
        return list(self.shown_timeline)

    def update_state(self, now: datetime) -> str:
        """`none` (nothing due), `ok`, `due_soon` or `overdue`."""
        if self.next_update is None:
            return "none"
        return self.next_update.state(now)

    def hypotheses(self) -> list[TimelineItem]:
        # i.rec.kind, not the i.kind property: this runs over every item (50k) per `last`
        return [i for i in self.timeline if i.rec.kind == "entry.hypothesis" and not i.retracted]

    def role_label(self, key: str) -> str:
        if self.policy is not None:
            for role in self.policy.roles:
                if role.key == key:
                    return role.label
        return ROLE_FALLBACK.get(key, key)

    def active_timers(self) -> list[Timer]:
        return sorted(
            (t for t in self.timers.values() if t.cancelled_at is None), key=lambda t: t.until
        )

    def checklist_done(self, item: Item) -> datetime | None:
        """When a checklist item was done: a /check or /uncheck decides; otherwise the
        first event the runbook says ticks it (e.g. the IC role filled for name-ic)."""
        if item.id in self.checklist_explicit:
            return self.checklist_explicit[item.id]
        times = [self.firsts[w] for w in item.done_when if w in self.firsts]
        return min(times) if times else None

    def checklist_view(self, runbook: Runbook, now: datetime) -> list[dict[str, Any]]:
        out = []
        base = self.declared_at or now
        for item in runbook.items:
            due_at = base + timedelta(seconds=item.due)
            done = self.checklist_done(item)
            out.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "phase": item.phase,
                    "due_at": format_ts(due_at),
                    "done_at": format_ts(done) if done else None,
                    "overdue": done is None and self.is_active and now > due_at,
                }
            )
        return out

    def find_entries(self, prefix: str) -> list[TimelineItem]:
        """Timeline items whose id, or whose short id, starts with `prefix`."""
        wanted = prefix.strip().upper()
        if not wanted:
            return []
        return [item for item in self.timeline if matches_short(item.id, wanted)]

    def last_entry(self, author: str | None = None) -> TimelineItem | None:
        """The most recently logged entry (by `author`, when given) still shown."""
        # One pass with plain attribute reads: it runs over every item (50k) per `last`.
        best: TimelineItem | None = None
        best_key = (-1, "")
        for item in self.timeline:
            rec = item.rec
            if rec.kind not in ENTRY_KINDS or item.retracted:
                continue
            if author is not None and rec.author != author:
                continue
            key = (rec.recorded_us, rec.id)
            if key > best_key:
                best, best_key = item, key
        return best

    def to_json(self, now: datetime, runbook: Runbook | None = None) -> dict[str, Any]:
        plan = self.next_update
        return {
            "id": self.id,
            "ref": self.ref,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "status_reason": self.status_reason,
            "exercise": self.exercise,
            "declared_at": format_ts(self.declared_at) if self.declared_at else None,
            "declared_by": self.declared_by,
            "zone": self.zone,
            "policy": self.policy.name if self.policy else None,
            "summary": self.summary,
            "impact": self.impact,
            "context": dict(self.context),
            "milestones": {
                name: (format_ts(at) if at else None) for name, at in self.milestones.items()
            },
            "roles": {
                role: {"handle": t.handle, "since": format_ts(t.start)}
                for role, t in self.roles.items()
            },
            "role_history": [
                {
                    "role": t.role,
                    "handle": t.handle,
                    "from": format_ts(t.start),
                    "to": format_ts(t.end) if t.end else None,
                }
                for t in self.role_history
            ],
            "checklist": self.checklist_view(runbook, now) if runbook else [],
            "hypotheses": [
                {
                    "id": h.id,
                    "text": h.text,
                    "state": h.state,
                    "occurred_at": format_ts(h.occurred_at),
                }
                for h in self.hypotheses()
            ],
            "timers": [
                {
                    "id": t.id,
                    "text": t.text,
                    "until": format_ts(t.until),
                    "expired": now >= t.until,
                }
                for t in self.active_timers()
            ],
            "last_update_at": format_ts(self.last_update_at) if self.last_update_at else None,
            "next_update_due_at": format_ts(plan.due_at) if plan else None,
            "next_update_rule": plan.rule if plan else None,
            "update_state": self.update_state(now),
            "update_overdue": self.update_state(now) == "overdue",
            "updates": [p.to_json(now) for p in self.update_plans],
            "targets": [t.to_json(now) for t in self.targets],
            "elapsed_seconds": int(self.elapsed(now).total_seconds()),
            "warnings": list(self.warnings),
            "entry_count": self.entry_count,
            "event_count": self.event_count,
        }


def sort_key(rec: Rec) -> tuple[int, str]:
    return (rec.occurred_us, rec.id)


# The runbook for an incident whose declaration carries none (declared by an older
# cockpit): a runbook, or a function loading one, called only if it is needed.
RunbookSource = Runbook | Callable[[], Runbook] | None


def fold(recs: Iterable[Rec], runbook: RunbookSource = None, *, ordered: bool = False) -> Incident:
    """Fold a set of events (any order, duplicates allowed) into an Incident.

    The incident's checklist follows the runbook its declaration carries; `runbook` is for
    a declaration without one. `ordered=True` promises the events are unique and already in
    (occurred_at, id) order, as the store returns them, and skips sorting.
    """
    if ordered:
        events = recs if isinstance(recs, list) else list(recs)
    else:
        unique: dict[str, Rec] = {rec.id: rec for rec in recs}
        events = sorted(unique.values(), key=sort_key)
    incident_id = events[0].incident_id if events else "0" * 26
    folder = _Folder(incident_id, runbook)
    apply = folder.apply
    for rec in events:
        apply(rec)
    return folder.finish()


class LiveFold:
    """A fold kept open, so new events update the incident without re-reading the log.

    Events that sort after everything applied so far (the usual case: something just
    happened) are applied as they come; a backdated entry is inserted in its place. A
    backdated state change or correction could change what followed it, so it makes the
    fold start again from every event. Either way `incident` equals `fold(all events)`.
    """

    def __init__(
        self, recs: list[Rec], runbook: RunbookSource = None, *, ordered: bool = True
    ) -> None:
        self.runbook = runbook
        self.recs = recs if ordered else sorted({r.id: r for r in recs}.values(), key=sort_key)
        self.ids = {r.id for r in self.recs}
        self._start()

    def _start(self) -> None:
        incident_id = self.recs[0].incident_id if self.recs else "0" * 26
        self.folder = _Folder(incident_id, self.runbook)
        for rec in self.recs:
            self.folder.apply(rec)
        self.incident = self.folder.finish()
        # The runbook itself from now on, not a function loading it (which would keep
        # whoever lent it, such as the Cockpit, alive through this fold).
        self.runbook = self.incident.runbook
        self.last_key = sort_key(self.recs[-1]) if self.recs else (-1, "")
        self.refolds = 0

    def add(self, recs: Iterable[Rec]) -> bool:
        """Apply events not seen before; True if there were any."""
        new = sorted((r for r in recs if r.id not in self.ids), key=sort_key)
        if not new:
            return False
        self.ids.update(r.id for r in new)
        unresolved = self.folder.unresolved
        in_order = all(
            (sort_key(r) > self.last_key or r.kind in ENTRY_KINDS) and r.id not in unresolved
            for r in new
        )
        if not in_order:
            self.recs = sorted([*self.recs, *new], key=sort_key)
            self._start()
            self.refolds += 1
            return True
        for rec in new:
            self.folder.apply(rec)
            bisect.insort(self.recs, rec, key=sort_key)
        self.last_key = max(self.last_key, sort_key(new[-1]))
        self.incident = self.folder.finish()
        return True


class _Folder:
    def __init__(self, incident_id: str, runbook: RunbookSource) -> None:
        self.inc = Incident(id=incident_id)
        self.fallback = runbook
        self.own_runbook: Runbook | None = None  # the declaration's copy
        self.moved = False  # an amendment changed an item's time: the timeline needs a sort
        self.fold_warnings: list[str] = []
        self.modifier_warnings: list[str] = []
        self.modifiers_done = 0
        self.unresolved: set[str] = set()  # targets of corrections that came first
        self.new_items: list[TimelineItem] = []
        self.declared: Rec | None = None
        self.modifiers: list[Rec] = []
        self.explicit_milestones: dict[str, datetime] = {}
        self.milestone_keys: dict[str, tuple[int, str]] = {}
        self.status_milestones: dict[str, datetime] = {}
        self.severity_changes: list[tuple[datetime, str, str]] = []  # (at, old, new)
        # Per audience: where severity_changes stood at its last update, and the promises
        # and snoozes made since.
        self.change_marks: dict[str, int] = {}
        self.overrides: dict[str, list[Rec]] = {}
        self.customer_facing_since: datetime | None = None
        self.last_sent: dict[str, datetime] = {}  # audience -> its latest update
        self.services: list[str] = []
        self.checklist_state: dict[str, datetime | None] = {}
        self.severity_seen = False
        self.title_seen = False
        self.firsts: dict[str, datetime] = {}  # first time each done_when event happened

    def apply(self, rec: Rec) -> None:
        inc = self.inc
        inc.event_count += 1
        if rec.recorded_us > inc.last_recorded_us:
            inc.last_recorded_us = rec.recorded_us
        kind = rec.kind
        if kind in ENTRY_KINDS:
            item = TimelineItem(rec, rec.entry_text(), inc)
            if kind == "entry.hypothesis":
                item.state = "open"
            inc.items[rec.id] = item
            self.new_items.append(item)
            return
        if kind in MODIFIERS:
            self.modifiers.append(rec)
            return
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, rec)
        item = TimelineItem(rec, None, inc)
        inc.items[rec.id] = item
        self.new_items.append(item)

    # state handlers -------------------------------------------------------------------
    def declared_(self, rec: Rec) -> None:
        inc = self.inc
        if self.declared is not None:
            self.fold_warnings.append(
                f"declared twice; the first declaration ({self.declared.id}) wins"
            )
            return
        self.declared = rec
        data = rec.data
        if not self.title_seen:
            inc.title = data.get("title", inc.title)
        inc.exercise = bool(data.get("exercise", False))
        inc.zone = data.get("zone") or "UTC"
        inc.declared_at = rec.occurred_at
        inc.declared_by = rec.author
        try:
            inc.policy = Policy.from_copy(data["policy"])
        except Exception as exc:  # a foreign or damaged copy must not stop the fold
            self.fold_warnings.append(f"the declaration's policy could not be read: {exc}")
        if data.get("runbook"):
            try:
                self.own_runbook = Runbook.from_copy(data["runbook"])
            except Exception as exc:  # as above: the shipped runbook stands in
                self.fold_warnings.append(f"the declaration's runbook could not be read: {exc}")
        if not self.severity_seen:
            inc.severity = data.get("severity", "")

    def title_(self, rec: Rec) -> None:
        self.title_seen = True
        self.inc.title = rec.data["title"]

    def summary_(self, rec: Rec) -> None:
        self.inc.summary = rec.data["summary"]

    def impact_(self, rec: Rec) -> None:
        self.inc.impact = rec.data["impact"]

    def context_(self, rec: Rec) -> None:
        key, value = rec.data["key"], rec.data["value"]
        self.first("context:" + key, rec.occurred_at)
        if key == "services":
            name = str(value)
            if name.startswith("-"):
                if name[1:] in self.services:
                    self.services.remove(name[1:])
            elif name not in self.services:
                self.services.append(name)
            self.inc.context["services"] = list(self.services)
        else:
            if key == "customer_facing":
                was, now = _truthy(self.inc.context.get(key)), _truthy(value)
                if now and not was:
                    self.customer_facing_since = rec.occurred_at
                elif not now:
                    self.customer_facing_since = None
            self.inc.context[key] = value

    def first(self, key: str, at: datetime) -> None:
        if key not in self.firsts:
            self.firsts[key] = at

    def severity_(self, rec: Rec) -> None:
        self.first("severity", rec.occurred_at)
        old = self.inc.severity
        new = rec.data["level"]
        self.severity_changes.append((rec.occurred_at, old, new))
        self.severity_seen = True
        self.inc.severity = new

    def status_(self, rec: Rec) -> None:
        status = rec.data["status"]
        self.inc.status = status
        self.inc.closed_at = rec.occurred_at if status == "closed" else None
        self.inc.status_reason = rec.data.get("reason")
        if status in ("mitigated", "resolved") and status not in self.status_milestones:
            self.status_milestones[status] = rec.occurred_at

    def role_assigned_(self, rec: Rec) -> None:
        role, handle = rec.data["role"], rec.data["handle"]
        current = self.inc.roles.get(role)
        if current is not None:
            if current.handle == handle:
                return
            current.end = rec.occurred_at
        self.first("role:" + role, rec.occurred_at)
        tenure = Tenure(role, handle, rec.occurred_at)
        self.inc.roles[role] = tenure
        self.inc.role_history.append(tenure)

    def role_released_(self, rec: Rec) -> None:
        current = self.inc.roles.pop(rec.data["role"], None)
        if current is not None:
            current.end = rec.occurred_at

    def checked_(self, rec: Rec) -> None:
        self.checklist_state[rec.data["item"]] = rec.occurred_at

    def unchecked_(self, rec: Rec) -> None:
        self.checklist_state[rec.data["item"]] = None

    def update_sent_(self, rec: Rec) -> None:
        self.first("update:" + rec.data.get("audience", "internal"), rec.occurred_at)
        if rec.data.get("next_update_at"):
            self.first("promise", rec.occurred_at)
        self.inc.updates.append(rec)
        audience = rec.data.get("audience", INTERNAL)
        self.inc.update_due[rec.id] = self._due_before(audience)
        self.last_sent[audience] = rec.occurred_at
        self.change_marks[audience] = len(self.severity_changes)
        self.overrides[audience] = [rec] if rec.data.get("next_update_at") else []

    def override_(self, rec: Rec) -> None:
        if rec.kind == "update.promised":
            self.first("promise", rec.occurred_at)
        self.overrides.setdefault(rec.data.get("audience", INTERNAL), []).append(rec)

    def escalated_(self, rec: Rec) -> None:
        self.inc.escalations.append(rec)

    def timer_set_(self, rec: Rec) -> None:
        until = rec.time("until")
        assert until is not None
        self.inc.timers[rec.data["timer"]] = Timer(
            rec.data["timer"], until, rec.data.get("text", ""), rec.occurred_at, rec.author
        )

    def muted_(self, rec: Rec) -> None:
        self.inc.reminders_muted = rec.kind == "reminders.muted"

    def timer_cancelled_(self, rec: Rec) -> None:
        timer = self.inc.timers.get(rec.data["timer"])
        if timer is not None and timer.cancelled_at is None:
            timer.cancelled_at = rec.occurred_at

    def timer_extended_(self, rec: Rec) -> None:
        timer = self.inc.timers.get(rec.data["timer"])
        until = rec.time("until")
        if timer is not None and timer.cancelled_at is None and until is not None:
            timer.until = until
            timer.extended_at = rec.occurred_at

    def milestone_(self, rec: Rec) -> None:
        # A milestone is corrected by setting it again, possibly to an earlier time: the
        # latest *recorded* setting wins (still the same on every machine).
        at = rec.time("at")
        name = rec.data["milestone"]
        key = (rec.recorded_us, rec.id)
        if at is not None and key > self.milestone_keys.get(name, (-1, "")):
            self.milestone_keys[name] = key
            self.explicit_milestones[name] = at

    # finishing ----------------------------------------------------------------------
    def runbook(self) -> Runbook | None:
        if self.own_runbook is not None:
            return self.own_runbook
        if callable(self.fallback):
            self.fallback = self.fallback()
        return self.fallback

    def finish(self) -> Incident:
        """Derive what follows from the events applied so far. May be called again after
        more events were applied (see LiveFold): it only does the new work."""
        inc = self.inc
        self._modifiers()
        self._timeline()
        warnings = [*self.fold_warnings, *self.modifier_warnings]
        if self.declared is None:
            warnings.append("no declaration has been received for this incident yet")
        inc.warnings = warnings
        inc.checklist_explicit = dict(self.checklist_state)
        inc.firsts = self.firsts
        inc.runbook = runbook = self.runbook()
        if runbook is not None:
            inc.checklist = {}
            for item in runbook.items:
                done = inc.checklist_done(item)
                if done is not None:
                    inc.checklist[item.id] = done
        else:
            inc.checklist = {k: v for k, v in self.checklist_state.items() if v is not None}
        milestones: dict[str, datetime | None] = dict.fromkeys(MILESTONES)
        milestones["declared"] = inc.declared_at
        for name, at in self.status_milestones.items():
            milestones[name] = at
        milestones.update(self.explicit_milestones)
        inc.milestones = milestones
        for first, second in MILESTONE_ORDER:
            a, b = milestones.get(first), milestones.get(second)
            if a is not None and b is not None and b < a:
                warnings.append(f"{second} before {first}")
        inc.update_plans = self._plans()
        internal = inc.update_plans[0] if inc.update_plans else None
        inc.next_update = internal.plan if internal and internal.audience == INTERNAL else None
        inc.targets = self._targets()
        return inc

    def _timeline(self) -> None:
        inc = self.inc
        new, self.new_items = self.new_items, []
        if self.moved or not inc.timeline:
            if self.moved:
                inc.timeline = sorted(inc.items.values(), key=TimelineItem.sort_key)
            else:
                # Items are made as their events are applied, in (occurred, id) order: a
                # first timeline is already sorted (20 ms saved at 90k items). Only an
                # amendment moving an item (`moved`) or a backdated entry (added below,
                # once there is a timeline) breaks that order.
                inc.timeline = list(inc.items.values())
            inc.shown_timeline = None
            self.moved = False
            return
        timeline, shown = inc.timeline, inc.shown_timeline
        for item in new:  # usually each sorts last; a backdated entry is put in its place
            for items in (timeline, shown):
                if items is None or (items is shown and item.retracted):
                    continue
                if not items or item.sort_key() > items[-1].sort_key():
                    items.append(item)
                else:
                    bisect.insort(items, item, key=TimelineItem.sort_key)

    def _modifiers(self) -> None:
        items = self.inc.items
        pending = self.modifiers[self.modifiers_done :]
        self.modifiers_done = len(self.modifiers)
        if any(rec.kind == "entry.retracted" for rec in pending):
            self.inc.shown_timeline = None
        for rec in pending:
            target = items.get(rec.data.get("target", ""))
            if target is None:
                self.modifier_warnings.append(f"{rec.kind} {rec.id} points at an unknown entry")
                self.unresolved.add(rec.data.get("target", ""))
                continue
            kind = rec.kind
            if kind == "entry.starred":
                target.starred = True
            elif kind == "entry.unstarred":
                target.starred = False
            elif kind == "entry.retracted":
                if target.is_entry:
                    target.retracted = True
                else:
                    self.modifier_warnings.append(f"{rec.id}: only entries can be retracted")
            elif kind == "entry.amended":
                if not target.is_entry:
                    self.modifier_warnings.append(f"{rec.id}: only entries can be amended")
                    continue
                if rec.data.get("text") is not None:
                    target.text = rec.data["text"]
                when = rec.time("occurred_at")
                if when is not None:
                    target.occurred_us = to_us(when)
                    self.moved = True
                target.amended = True
            elif kind == "hypothesis.resolved":
                if target.kind == "entry.hypothesis":
                    target.state = rec.data["outcome"]
                else:
                    self.modifier_warnings.append(f"{rec.id}: only hypotheses can be confirmed")

    def _due_before(self, key: str) -> datetime | None:
        """When the audience's next update was due, from the events applied so far."""
        inc = self.inc
        level = inc.level
        if level is None or not inc.is_active or inc.declared_at is None:
            return None
        for audience in level.update_audiences(inc.customer_facing):
            if audience.key == key:
                return self._plan(level, audience, self.last_sent.get(key), inc.declared_at).due_at
        return None

    def _plans(self) -> list[AudiencePlan]:
        """Every audience the level owes updates, internal first, while active."""
        inc = self.inc
        level = inc.level
        if level is None or not inc.is_active or inc.declared_at is None:
            return []
        plans = []
        for audience in level.update_audiences(inc.customer_facing):
            last = self.last_sent.get(audience.key)
            plan = self._plan(level, audience, last, inc.declared_at)
            plans.append(AudiencePlan(audience.key, audience.label, last, plan))
        return plans

    def _plan(
        self, level: Level, audience: Audience, last: datetime | None, declared_at: datetime
    ) -> UpdatePlan:
        inc = self.inc
        if audience.key == INTERNAL:
            prefix = level.key
        else:
            prefix = f"{level.key} {audience.label.lower()}"
        changes = self.severity_changes[self.change_marks.get(audience.key, 0) :]
        became_public = self.customer_facing_since if audience.customer_facing_only else None
        if became_public is not None and last is not None and became_public > last:
            last = None  # customer-facing again since its last update: a first update is owed
        cadence = timedelta(seconds=audience.cadence)
        if last is not None:
            base = last + cadence
            rule = f"{prefix}: every {_mins(cadence)}"
            interval = cadence
        else:
            start = declared_at
            if became_public is not None:
                start = max(start, became_public)
            # Moving onto a level that owes this audience from one that did not starts its
            # clock afresh.
            if self.declared is not None and inc.policy is not None:
                for changed, old, _new in changes:
                    if not _has_audience(inc.policy, old, audience.key):
                        start = max(start, changed)
            first = timedelta(seconds=audience.first_update)
            base = start + first
            rule = f"{prefix}: first update within {_mins(first)}"
            interval = first
        overrides = self.overrides.get(audience.key)
        if not overrides:
            return UpdatePlan(base, rule, interval)
        override = overrides[-1]
        at: datetime | None
        if override.kind == "update.sent":
            at = override.time("next_update_at")
            label = "promised"
        elif override.kind == "update.promised":
            at = override.time("at")
            label = "promised"
        else:
            at = override.time("until")
            label = "snoozed"
        assert at is not None
        made = override.occurred_at
        # No clock time in the rule: the due time is shown beside it, in the viewer's zone.
        plan = UpdatePlan(at, f"{label} by @{override.author}", max(at - made, timedelta(0)))
        changed_since = any(change_at > made for change_at, _, _ in changes)
        if changed_since and base < at:
            return UpdatePlan(base, rule, interval)
        return plan

    def _targets(self) -> list[Target]:
        """The level's response and resolution targets and escalation steps."""
        inc = self.inc
        level = inc.level
        if level is None or inc.declared_at is None:
            return []
        ms = inc.milestones
        stopped = None
        if not inc.is_active:
            stopped = ms.get("resolved") or inc.closed_at or inc.declared_at
        started = inc.started_at or inc.declared_at
        out: list[Target] = []

        def earliest(*times: datetime | None) -> datetime | None:
            known = [t for t in times if t is not None]
            return min(known) if known else None

        def add(name: str, label: str, base: datetime, within: int, met: Any, action: str) -> None:
            due = base + timedelta(seconds=within)
            end = None if met is not None else stopped
            out.append(Target(name, label, due, met, action, end))

        mitigated = earliest(ms.get("mitigated"), ms.get("resolved"))
        if level.respond_within is not None:
            add(
                "acknowledge",
                f"Acknowledge within {_mins(timedelta(seconds=level.respond_within))}",
                ms.get("detected") or inc.declared_at,
                level.respond_within,
                earliest(ms.get("acknowledged"), self.firsts.get("role:ic"), mitigated),
                "take command: /role ic @you, or /ms acknowledged",
            )
        if level.mitigate_within is not None:
            add(
                "mitigate",
                f"Mitigate within {_mins(timedelta(seconds=level.mitigate_within))}",
                started,
                level.mitigate_within,
                mitigated,
                "mitigation target missed: stop the bleeding (roll back, fail over) or escalate",
            )
        if level.resolve_within is not None:
            note = f" ({level.resolve_note})" if level.resolve_note else ""
            add(
                "resolve",
                f"Resolve within {_mins(timedelta(seconds=level.resolve_within))}{note}",
                started,
                level.resolve_within,
                ms.get("resolved"),
                "resolution target missed: tell stakeholders the new ETA, or that it is unknown",
            )
        made: dict[str, datetime] = {}
        for rec in inc.escalations:
            made.setdefault(rec.data.get("to", "").casefold(), rec.occurred_at)
        for number, step in enumerate(level.escalation, 1):
            add(
                f"escalate-{number}",
                f"Escalate to {step.to} after {_mins(timedelta(seconds=step.after))}",
                inc.declared_at,
                step.after,
                made.get(step.to.casefold()),
                step.action_text,
            )
        return out


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "y", "true", "1")
    return bool(value)


def _has_audience(policy: Policy, key: str, audience: str) -> bool:
    try:
        return policy.level(key).audience(audience) is not None
    except KeyError:
        return False


def _audience_word(data: dict[str, Any]) -> str:
    audience = data.get("audience", INTERNAL)
    return "" if audience == INTERNAL else f"{audience} "


def _mins(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


_HANDLERS = {
    "incident.declared": _Folder.declared_,
    "title.set": _Folder.title_,
    "summary.set": _Folder.summary_,
    "impact.set": _Folder.impact_,
    "context.set": _Folder.context_,
    "severity.set": _Folder.severity_,
    "status.set": _Folder.status_,
    "role.assigned": _Folder.role_assigned_,
    "role.released": _Folder.role_released_,
    "checklist.checked": _Folder.checked_,
    "checklist.unchecked": _Folder.unchecked_,
    "update.sent": _Folder.update_sent_,
    "update.promised": _Folder.override_,
    "update.snoozed": _Folder.override_,
    "timer.set": _Folder.timer_set_,
    "timer.cancelled": _Folder.timer_cancelled_,
    "timer.extended": _Folder.timer_extended_,
    "escalation.made": _Folder.escalated_,
    "milestone.set": _Folder.milestone_,
    "reminders.muted": _Folder.muted_,
    "reminders.unmuted": _Folder.muted_,
}

CONTEXT_LABELS = {
    "bridge": "Bridge",
    "channel": "Channel",
    "ticket": "Ticket",
    "customer_facing": "Customer-facing",
}


def describe(rec: Rec, inc: Incident, tz: tzinfo, runbook: Runbook | None = None) -> str:
    """A readable sentence for a state event, as the timeline shows it."""
    data = rec.data
    kind = rec.kind

    def at(key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            return "?"
        return parse_ts(value).astimezone(tz).strftime("%H:%M %Z").strip()

    if kind == "incident.declared":
        suffix = " (exercise)" if data.get("exercise") else ""
        return f"Declared {data.get('severity', '')}: {data.get('title', '')}{suffix}"
    if kind == "title.set":
        return f"Title set to: {data['title']}"
    if kind == "summary.set":
        return f"Summary: {data['summary']}"
    if kind == "impact.set":
        return f"Impact: {data['impact']}"
    if kind == "context.set":
        key, value = data["key"], data["value"]
        if key == "services":
            name = str(value)
            return f"Service removed: {name[1:]}" if name.startswith("-") else f"Service: {name}"
        if key == "customer_facing":
            return "Customer-facing: " + ("yes" if value else "no")
        return f"{CONTEXT_LABELS.get(key, key)}: {value}"
    if kind == "severity.set":
        return f"Severity set to {data['level']}"
    if kind == "status.set":
        reason = data.get("reason")
        text = f"Status set to {data['status']}"
        return f"{text} ({reason})" if reason else text
    if kind == "role.assigned":
        label = inc.role_label(data["role"])
        return f"{label}: @{data['handle']}"
    if kind == "role.released":
        return f"{inc.role_label(data['role'])} released"
    if kind in ("checklist.checked", "checklist.unchecked"):
        title = data["item"]
        if runbook is not None:
            item = runbook.item(data["item"])
            if item is not None:
                title = f"{item.title} ({item.id})"
        verb = "Checked" if kind == "checklist.checked" else "Unchecked"
        return f"{verb}: {title}"
    if kind == "update.sent":
        text = f"Update sent to {data.get('audience', 'internal')}"
        if data.get("text"):
            # A composed update is several lines; the timeline is one line an item (the
            # whole text is in the event, the export file and `cockpit show --json`).
            first, *rest = str(data["text"]).strip().splitlines() or [""]
            more = f" (+{len(rest)} line{'s' if len(rest) > 1 else ''})" if rest else ""
            text += f": {first}{more}"
        if data.get("next_update_at"):
            text += f" (next by {at('next_update_at')})"
        return text
    if kind == "update.promised":
        return f"Next {_audience_word(data)}update promised by {at('at')}"
    if kind == "update.snoozed":
        text = f"{_audience_word(data)}update reminder snoozed until {at('until')}"
        return text[0].upper() + text[1:]
    if kind == "timer.extended":
        return f"Timer {data['timer']} extended to {at('until')}"
    if kind == "escalation.made":
        text = f"Escalated to {data['to']}"
        return f"{text}: {data['text']}" if data.get("text") else text
    if kind == "timer.set":
        return f"Timer {data['timer']} until {at('until')}: {data.get('text', '')}".rstrip(": ")
    if kind == "timer.cancelled":
        return f"Timer {data['timer']} cancelled"
    if kind == "reminders.muted":
        return "Overdue-update reminders muted"
    if kind == "reminders.unmuted":
        return "Overdue-update reminders unmuted"
    if kind == "milestone.set":
        return f"Milestone {data['milestone']} at {at('at')}"
    return kind
