"""The handoff brief: the incident's state now, for a new incident commander or a late
joiner. A pure function of (incident, runbook, now, tz): the same inputs give the same
brief, as JSON (`Brief.to_json`) or as plain text (`Brief.text`).

The text holds user text exactly as typed; whoever puts it on a screen makes control
characters visible (`cockpit.text.visible`), as for every other view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from cockpit.comms import AudienceState, audience_states, when
from cockpit.records import short_id
from cockpit.timefmt import format_clock, format_duration, format_ts

if TYPE_CHECKING:
    from cockpit.incident import Incident
    from cockpit.runbook import Runbook

RECENT_ACTIONS = 5


@dataclass(frozen=True)
class BriefEntry:
    id: str
    text: str
    at: datetime
    by: str


@dataclass(frozen=True)
class BriefTimer:
    id: str
    text: str
    until: datetime
    by: str


@dataclass(frozen=True)
class BriefRole:
    role: str
    label: str
    handle: str | None
    since: datetime | None


@dataclass(frozen=True)
class BriefItem:
    id: str
    title: str
    phase: str
    due_at: datetime


@dataclass
class Brief:
    ref: str
    title: str
    severity: str
    severity_label: str
    status: str
    exercise: bool
    impact: str
    summary: str
    started_at: datetime | None
    now: datetime
    elapsed_seconds: int
    tz: tzinfo
    hypotheses: list[BriefEntry] = field(default_factory=list)
    actions: list[BriefEntry] = field(default_factory=list)
    timers: list[BriefTimer] = field(default_factory=list)
    roles: list[BriefRole] = field(default_factory=list)
    updates: list[AudienceState] = field(default_factory=list)
    unchecked: list[BriefItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        now = self.now
        return {
            "ref": self.ref,
            "title": self.title,
            "severity": self.severity,
            "severity_label": self.severity_label,
            "status": self.status,
            "exercise": self.exercise,
            "impact": self.impact,
            "summary": self.summary,
            "started_at": format_ts(self.started_at) if self.started_at else None,
            "generated_at": format_ts(now),
            "elapsed_seconds": self.elapsed_seconds,
            "hypotheses": [
                {"id": h.id, "text": h.text, "since": format_ts(h.at), "by": h.by}
                for h in self.hypotheses
            ],
            "actions": [
                {"id": a.id, "text": a.text, "at": format_ts(a.at), "by": a.by}
                for a in self.actions
            ],
            "timers": [
                {
                    "id": t.id,
                    "text": t.text,
                    "until": format_ts(t.until),
                    "expired": now >= t.until,
                    "by": t.by,
                }
                for t in self.timers
            ],
            "roles": [
                {
                    "role": r.role,
                    "label": r.label,
                    "handle": r.handle,
                    "since": format_ts(r.since) if r.since else None,
                }
                for r in self.roles
            ],
            "updates": [u.to_json(now) for u in self.updates],
            "unchecked": [
                {
                    "id": i.id,
                    "title": i.title,
                    "phase": i.phase,
                    "due_at": format_ts(i.due_at),
                    "overdue": now > i.due_at,
                }
                for i in self.unchecked
            ],
        }

    def text(self) -> str:
        """Plain text, one fact a line, times in the brief's zone."""
        tz, now = self.tz, self.now

        def at(dt: datetime) -> str:
            return when(dt, tz, now)

        label = f" ({self.severity_label})" if self.severity_label != self.severity else ""
        lines = [f"Handoff brief: {self.ref} {self.severity}{label}, {self.status}: {self.title}"]
        if self.exercise:
            lines.append("EXERCISE: not a real incident")
        started = f"started {at(self.started_at)}, " if self.started_at else ""
        lines.append(f"{started}running {format_duration(self.elapsed_seconds)} (at {at(now)})")
        lines.append(f"Impact: {self.impact or 'not yet stated'}")
        if self.summary:
            lines.append(f"Summary: {self.summary}")
        lines.append("Open hypotheses:")
        lines += [f"  - {h.text} ({short_id(h.id)}, since {at(h.at)})" for h in self.hypotheses]
        if not self.hypotheses:
            lines.append("  none")
        lines.append("Actions in flight (latest first):")
        lines += [f"  - {at(a.at)} {a.text} (@{a.by})" for a in self.actions]
        if not self.actions:
            lines.append("  none logged")
        lines.append("Timers:")
        for t in self.timers:
            left = t.until - now
            state = (
                f"ran out {format_clock(-left)} ago"
                if left.total_seconds() <= 0
                else f"{format_clock(left)} left"
            )
            lines.append(f"  - {t.id} {t.text or '(no text)'}: {state}, at {at(t.until)}")
        if not self.timers:
            lines.append("  none running")
        lines.append("Roles:")
        width = max((len(r.label) for r in self.roles), default=0)
        for r in self.roles:
            who = f"@{r.handle} since {at(r.since)}" if r.handle and r.since else "(unfilled)"
            lines.append(f"  {r.label:<{width}}  {who}")
        lines.append("Updates:")
        for u in self.updates:
            last = f"last {at(u.last_update_at)}" if u.last_update_at else "none sent yet"
            if u.last_by and u.last_update_at:
                last += f" by @{u.last_by}"
            if u.due_at is None:
                due = "none due"
            elif u.overdue(now):
                due = f"OVERDUE by {format_clock(now - u.due_at)} (due {at(u.due_at)})"
            else:
                due = f"next due {at(u.due_at)} (in {format_clock(u.due_at - now)})"
            lines.append(f"  {u.label}: {last}; {due}")
        if not self.updates:
            lines.append("  none required")
        lines.append("Runbook items not done:")
        for i in self.unchecked:
            mark = "!" if now > i.due_at else " "
            lines.append(f"  [{mark}] {i.id}: {i.title} (due {at(i.due_at)})")
        if not self.unchecked:
            lines.append("  none")
        return "\n".join(lines)


def handoff_brief(
    inc: Incident, runbook: Runbook | None, now: datetime, tz: tzinfo | None = None
) -> Brief:
    """The brief for `inc` at `now`, its times written in `tz` (the incident's zone by
    default)."""
    level = inc.level
    open_h = [h for h in inc.hypotheses() if h.state in (None, "open")]
    actions = [e for e in inc.entries if e.kind == "entry.action"][-RECENT_ACTIONS:]
    roles = []
    keys = [r.key for r in inc.policy.roles] if inc.policy else []
    keys += [k for k in inc.roles if k not in keys]
    for key in keys:
        tenure = inc.roles.get(key)
        roles.append(
            BriefRole(
                key,
                inc.role_label(key),
                tenure.handle if tenure else None,
                tenure.start if tenure else None,
            )
        )
    unchecked: list[BriefItem] = []
    if runbook is not None and inc.declared_at is not None:
        for item in runbook.items:
            if inc.checklist_done(item) is None:
                due = inc.declared_at + timedelta(seconds=item.due)
                unchecked.append(BriefItem(item.id, item.title, item.phase, due))
    return Brief(
        ref=inc.ref,
        title=inc.title,
        severity=inc.severity,
        severity_label=level.label if level is not None else inc.severity,
        status=inc.status,
        exercise=inc.exercise,
        impact=inc.impact,
        summary=inc.summary,
        started_at=inc.started_at,
        now=now,
        elapsed_seconds=int(inc.elapsed(now).total_seconds()),
        tz=tz or inc.tz,
        hypotheses=[BriefEntry(h.id, h.text, h.occurred_at, h.rec.author) for h in open_h],
        actions=[BriefEntry(a.id, a.text, a.occurred_at, a.rec.author) for a in reversed(actions)],
        timers=[BriefTimer(t.id, t.text, t.until, t.author) for t in inc.active_timers()],
        roles=roles,
        updates=audience_states(inc),
        unchecked=unchecked,
    )
