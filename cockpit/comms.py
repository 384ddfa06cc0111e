"""Stakeholder communication: message templates filled from an incident's state.

A template is data: `cockpit/data/templates/NAME.toml`, replaced whole by a file of the same
name in the user's config folder (`templates/NAME.toml`), loaded and reported like a policy
(`file:line: what was expected`). Its text holds `{placeholder}`s, each one of the names in
`FIELDS`; `{{` and `}}` stand for literal braces. Nothing is evaluated: a placeholder is a
name looked up in a plain mapping, and the incident's text goes in exactly as it was typed.

Filling is a pure function of (incident, now, tz): no store, no clock of its own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cockpit.config import ConfigError, config_dir, load_data
from cockpit.timefmt import format_duration

if TYPE_CHECKING:
    from cockpit.incident import Incident, TimelineItem
    from cockpit.records import Rec

TEMPLATE_DIR = "templates"
SHIPPED_TEMPLATES = ("ack", "internal", "executive", "status", "escalation", "resolution")
# Audience keys shared with the cadence code: "status" is the public (customer) status page.
AUDIENCES = ("internal", "executive", "status", "escalation")
PUBLIC_AUDIENCES = frozenset({"status"})
PUBLIC_STAGES = ("investigating", "identified", "monitoring", "resolved")
# The cockpit's statuses, as the public stages a status page knows.
STAGE_FOR_STATUS = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "mitigated": "monitoring",
    "resolved": "resolved",
    "closed": "resolved",
}
RECENT = 5  # how many recent actions {actions} lists
# What a message that names its next update promises when the level has no cadence.
FALLBACK_PROMISE = timedelta(minutes=30)
NAME_RE = r"^[a-z][a-z0-9_-]*$"

# Every placeholder a template may use, with what it holds (the README lists them too).
FIELDS: dict[str, str] = {
    "ref": "the incident's ref (INC-...)",
    "title": "the title",
    "severity": "the severity level (SEV-1)",
    "severity_label": "the level's label (Critical)",
    "status": "the status (investigating ... closed)",
    "stage": "the public stage: investigating, identified, monitoring or resolved",
    "impact": 'the impact as logged, or "still being assessed"',
    "public_impact": "the impact without @handles, role holders or service names",
    "customer_impact": "what customers see, from the customer-facing flag and the impact",
    "business_impact": "the severity, its label and the impact in one line",
    "what_happened": "the summary, else the impact, else the title",
    "services": "the services involved, comma-separated",
    "bridge": "the bridge link, or none",
    "channel": "the channel, or none",
    "actions": f"the last {RECENT} actions taken, one per line",
    "all_actions": "every action taken, one per line",
    "last_action": "the latest action taken",
    "decisions": "every decision, one per line",
    "hypotheses": "the open hypotheses, one per line",
    "todos": "the follow-ups, one per line",
    "roles": "who holds which role, one per line",
    "ic": "the incident commander's @handle, or unassigned",
    "comms": "the communications lead's @handle, or unassigned",
    "started": "when it started (local time)",
    "elapsed": "how long it has run (to resolution, once resolved)",
    "duration": "the same as elapsed",
    "resolved_at": "when it was resolved (local time)",
    "now": "the time of writing (local time)",
    "next_update": "when the next update is due (local time)",
    "next_update_in": "how long until then (15 minutes)",
    "next_update_minutes": "the same in whole minutes (15)",
    "eta": 'the expected time of resolution: "unknown" (edit it in)',
    "decision_needed": 'a decision wanted from the reader: "none at this time" (edit it in)',
    "escalate_to": "the next escalation step of the policy (engineering leadership)",
}
# What a public (status page) template may use: nothing that names people, systems or
# internal titles. The title is often the team's own shorthand ("db-3 disk full").
PUBLIC_FIELDS = frozenset(
    {
        "stage",
        "public_impact",
        "started",
        "elapsed",
        "duration",
        "resolved_at",
        "now",
        "next_update",
        "next_update_in",
        "next_update_minutes",
    }
)

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class TemplateError(ValueError):
    """Template text that cannot be filled; the message says what and where."""


# placeholders --------------------------------------------------------------------------
def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`, in order. Raises TemplateError on bad syntax."""
    names: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            line = text.count("\n", 0, match.start()) + 1
            raise TemplateError(
                f"a lone {token!r} on line {line} of the text; write {token * 2} for a literal "
                "brace"
            )
        name = match.group(1)
        if not _IDENT.match(name):
            raise TemplateError(
                f"{token} is not a placeholder; a placeholder is a name like {{title}} "
                "(write {{ and }} for literal braces)"
            )
        names.append(name)
    return names


def check_placeholders(text: str, allowed: frozenset[str] | None = None) -> None:
    """Refuse unknown placeholders (with a suggestion) and, when `allowed` is given, any
    known one outside it."""
    for name in placeholders(text):
        if name not in FIELDS:
            hint = difflib.get_close_matches(name, list(FIELDS), n=1)
            extra = f"; did you mean {{{hint[0]}}}?" if hint else ""
            raise TemplateError(f"unknown placeholder {{{name}}}{extra}")
        if allowed is not None and name not in allowed:
            public = ", ".join("{" + f + "}" for f in sorted(allowed))
            raise TemplateError(
                f"{{{name}}} may name people or internal systems, and this template goes to "
                f"the public status page; use one of {public}"
            )


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each `{name}` with `values[name]`, literally (a value is never read as a
    template itself). `{{` and `}}` become braces."""

    def replace(match: re.Match[str]) -> str:
        token = match.group()
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None or name not in values:
            raise TemplateError(f"unknown placeholder {token}")
        return values[name]

    placeholders(text)  # syntax errors first, with their line
    return _TOKEN.sub(replace, text)


# templates as data ---------------------------------------------------------------------
def _allowed(info: ValidationInfo) -> frozenset[str] | None:
    """The placeholders a template may use: the public ones for a public audience."""
    return PUBLIC_FIELDS if info.data.get("audience") in PUBLIC_AUDIENCES else None


class Template(BaseModel):
    """One message template. `stages` may give a text per public stage, used instead of
    `body` while the incident is at that stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""  # from the file name
    label: str = Field(min_length=1)
    audience: str = Field(pattern=NAME_RE)
    description: str = ""
    body: str = Field(min_length=1)
    stages: dict[Literal["investigating", "identified", "monitoring", "resolved"], str] = Field(
        default_factory=dict
    )

    @field_validator("body")
    @classmethod
    def _body(cls, value: str, info: ValidationInfo) -> str:
        try:
            check_placeholders(value, _allowed(info))
        except TemplateError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for stage, text in value.items():
            try:
                check_placeholders(text, _allowed(info))
            except TemplateError as exc:
                raise ValueError(f"{stage}: {exc}") from None
        return value

    def text_for(self, stage: str) -> str:
        """The text to fill at a public stage: that stage's own, else the body."""
        for key, text in self.stages.items():
            if key == stage:
                return text
        return self.body

    def uses(self, name: str) -> bool:
        texts = [self.body, *self.stages.values()]
        return any(name in placeholders(t) for t in texts)

    @property
    def promises_next_update(self) -> bool:
        """Does its text name the next update's time (so sending it promises that time)?"""
        return any(self.uses(n) for n in ("next_update", "next_update_in", "next_update_minutes"))


def template_names() -> list[str]:
    """Shipped templates and any the user added (`templates/*.toml` in the config folder)."""
    names = {n[:-5] for n in shipped_names_in(TEMPLATE_DIR)}
    user = config_dir() / TEMPLATE_DIR
    if user.is_dir():
        names.update(p.stem for p in user.glob("*.toml") if re.match(NAME_RE, p.stem))
    return sorted(names)


def shipped_names_in(folder: str) -> list[str]:
    from importlib import resources

    root = resources.files("cockpit").joinpath("data", folder)
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".toml"))


def load_template(name: str) -> tuple[Template, list[str]]:
    """The named template (the user's file replaces the shipped one) and any warnings.

    A broken user file is a warning and the shipped template is used; a broken template
    that only the user has raises ConfigError (`file:line: message`).
    """
    names = template_names()
    if name not in names:
        hint = difflib.get_close_matches(name, names, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ConfigError(
            name, None, f"no template is named {name!r} (known: {', '.join(names)}){extra}"
        )
    template, warnings = load_data(f"{TEMPLATE_DIR}/{name}.toml", Template)
    return template.model_copy(update={"name": name}), warnings


def load_templates() -> tuple[dict[str, Template], list[str]]:
    """Every template by name, with the warnings of any that fell back or failed."""
    out: dict[str, Template] = {}
    warnings: list[str] = []
    for name in template_names():
        try:
            template, more = load_template(name)
        except ConfigError as exc:
            warnings.append(str(exc))
            continue
        out[name] = template
        warnings.extend(more)
    return out, warnings


# the incident's state as text ------------------------------------------------------------
@dataclass(frozen=True)
class AudienceState:
    """One audience's updates: the last one sent (and by whom), and when the next is due
    (None when the level owes that audience nothing now)."""

    audience: str
    label: str
    last_update_at: datetime | None
    last_by: str | None
    due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and now >= self.due_at

    def to_json(self, now: datetime) -> dict[str, Any]:
        from cockpit.timefmt import format_ts

        return {
            "audience": self.audience,
            "label": self.label,
            "last_update_at": format_ts(self.last_update_at) if self.last_update_at else None,
            "last_update_by": self.last_by,
            "next_update_due_at": format_ts(self.due_at) if self.due_at else None,
            "overdue": self.overdue(now),
        }


def audience_states(inc: Incident) -> list[AudienceState]:
    """Every audience the level owes updates (the fold's `update_plans`), then any other
    that has been sent one; internal first."""
    last: dict[str, Rec] = {}
    for rec in inc.updates:
        last[rec.data.get("audience", "internal")] = rec
    states: dict[str, AudienceState] = {}
    for plan in inc.update_plans:
        latest = last.get(plan.audience)
        states[plan.audience] = AudienceState(
            plan.audience,
            plan.label,
            plan.last_update_at,
            latest.author if latest is not None else None,
            plan.due_at,
        )
    for audience, rec in last.items():
        if audience not in states:
            label = audience.capitalize()
            states[audience] = AudienceState(audience, label, rec.occurred_at, rec.author, None)
    order = {a: i for i, a in enumerate(AUDIENCES)}
    return sorted(states.values(), key=lambda s: (order.get(s.audience, len(order)), s.audience))


def cadence_for(inc: Incident, audience: str) -> timedelta | None:
    """How often the incident's level wants `audience` updated, or None."""
    level = inc.level
    if level is None:
        return None
    find = getattr(level, "audience", None)
    if find is not None:  # a policy with per-audience cadences
        found = find(audience)
        return timedelta(seconds=found.cadence) if found is not None else None
    if audience == "internal" and level.cadence is not None:
        return timedelta(seconds=level.cadence)
    return None


def default_next_update(inc: Incident, audience: str, now: datetime) -> datetime | None:
    """When an update sent now to `audience` would make the next one due: now plus the
    audience's cadence; None once the incident is no longer active, or when the level
    owes that audience no updates."""
    if not inc.is_active:
        return None
    cadence = cadence_for(inc, audience)
    return now + cadence if cadence is not None else None


def when(dt: datetime | None, tz: tzinfo, now: datetime | None = None) -> str:
    """`15:30 CET`, with the date when it is not today."""
    if dt is None:
        return "not set"
    local = dt.astimezone(tz)
    text = local.strftime("%H:%M %Z").strip()
    if now is not None and local.date() != now.astimezone(tz).date():
        text = local.strftime("%Y-%m-%d ") + text
    return text


def _lines(items: list[str], empty: str) -> str:
    return "\n".join(f"- {item}" for item in items) if items else f"- {empty}"


def _entry_line(item: TimelineItem, tz: tzinfo) -> str:
    return f"{item.occurred_at.astimezone(tz).strftime('%H:%M')} {item.text}"


_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9][A-Za-z0-9_.\-]*")


def scrub(text: str, names: list[str]) -> str:
    """`text` without @handles and without the given names (people, services), tidied: a
    parenthesis that named any of them goes whole."""
    patterns = [_HANDLE.pattern]
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        patterns.append(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])")
    named = re.compile("|".join(patterns), re.I)

    def paren(match: re.Match[str]) -> str:
        return "" if named.search(match.group()) else match.group()

    out = re.sub(r"\s*\([^()]*\)", paren, text)
    out = named.sub("", out)
    out = re.sub(r"\(\s*[,;:]?\s*\)", "", out)  # parentheses left empty
    out = re.sub(r"\s+([,.;:)])", r"\1", out)
    out = re.sub(r"([(])\s+", r"\1", out)
    out = re.sub(r"([,;:])(\s*[,;:])+", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out)
    return out.strip(" \t,;:-")


def fill_values(
    inc: Incident,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    audience: str = "internal",
    next_update_at: datetime | None = None,
) -> dict[str, str]:
    """The value of every placeholder in FIELDS for this incident at `now`.

    `tz` is the zone times are written in (the incident's own by default).
    `next_update_at` is the promise the message makes; by default, when an update sent now
    to `audience` would make the next one due.
    """
    tz = tz or inc.tz
    level = inc.level
    entries = inc.entries
    actions = [e for e in entries if e.kind == "entry.action"]
    decisions = [e for e in entries if e.kind == "entry.decision"]
    todos = [e for e in entries if e.kind == "entry.todo"]
    open_h = [h for h in inc.hypotheses() if h.state in (None, "open")]
    impact = inc.impact if inc.impact.strip() else ""  # as typed; blank is none
    people = {t.handle for t in inc.role_history} | {i.rec.author for i in inc.timeline}
    services = [str(s) for s in inc.context.get("services", []) or []]
    public = scrub(impact, [*people, *services, inc.ref]) if impact else ""
    facing = inc.context.get("customer_facing")
    if facing is False:
        customer = "none known (not customer-facing)"
    elif impact:
        customer = impact
    elif facing is True:
        customer = "customers are affected; the extent is being assessed"
    else:
        customer = "being assessed"
    if next_update_at is None:
        next_update_at = default_next_update(inc, audience, now)
    if next_update_at is not None:
        minutes = max(0, round((next_update_at - now).total_seconds() / 60))
        next_in = "1 minute" if minutes == 1 else f"{minutes} minutes"
        next_minutes = str(minutes)
    else:
        next_in = next_minutes = "no further updates are scheduled"
    roles = []
    for key, tenure in inc.roles.items():
        roles.append(f"{inc.role_label(key)}: @{tenure.handle}")
    resolved = inc.milestones.get("resolved")
    label = level.label if level is not None else ""
    severity = f"{inc.severity} ({label})" if label else inc.severity
    elapsed = format_duration(inc.elapsed(now))
    return {
        "ref": inc.ref,
        "title": inc.title,
        "severity": inc.severity,
        "severity_label": label or inc.severity,
        "status": inc.status,
        "stage": STAGE_FOR_STATUS.get(inc.status, "investigating"),
        "impact": impact or "still being assessed",
        "public_impact": public or "a problem affecting some of our services",
        "customer_impact": customer,
        "business_impact": f"{severity}: {impact or 'impact still being assessed'}",
        "what_happened": (inc.summary if inc.summary.strip() else "") or impact or inc.title,
        "services": ", ".join(services) or "none listed",
        "bridge": str(inc.context.get("bridge") or "none"),
        "channel": str(inc.context.get("channel") or "none"),
        "actions": _lines([_entry_line(a, tz) for a in actions[-RECENT:]], "none logged yet"),
        "all_actions": _lines([_entry_line(a, tz) for a in actions], "none logged"),
        "last_action": actions[-1].text if actions else "none yet",
        "decisions": _lines([_entry_line(d, tz) for d in decisions], "none logged"),
        "hypotheses": _lines([h.text for h in open_h], "none open"),
        "todos": _lines([t.text for t in todos], "none recorded yet"),
        "roles": _lines(roles, "no roles filled"),
        "ic": f"@{inc.roles['ic'].handle}" if "ic" in inc.roles else "unassigned",
        "comms": f"@{inc.roles['comms'].handle}" if "comms" in inc.roles else "unassigned",
        "started": when(inc.started_at, tz, now),
        "elapsed": elapsed,
        "duration": elapsed,
        "resolved_at": when(resolved, tz, now) if resolved else "not yet resolved",
        "now": when(now, tz),
        "next_update": (
            when(next_update_at, tz, now) if next_update_at else "no further updates are scheduled"
        ),
        "next_update_in": next_in,
        "next_update_minutes": next_minutes,
        "eta": "unknown",
        "decision_needed": "none at this time",
        "escalate_to": escalate_to(inc),
    }


def escalate_to(inc: Incident) -> str:
    """Whom the next escalation page goes to: the first of the level's escalation steps
    nobody has escalated to yet (the last step once all have been), or "the next level of
    on-call" for a level without steps."""
    level = inc.level
    steps = level.escalation if level is not None else []
    if not steps:
        return "the next level of on-call"
    pending = inc.pending_escalations()
    return pending[0].to if pending else steps[-1].to


def escalation_for(inc: Incident, audience: str) -> str | None:
    """Whom sending to `audience` escalates to: for the escalation audience at a level
    with escalation steps, the next step (pass it to `Cockpit.send_update(escalated_to=)`
    so the page also meets that step's target); otherwise None."""
    level = inc.level
    if audience != "escalation" or level is None or not level.escalation:
        return None
    return escalate_to(inc)


# drafts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateDraft:
    """A filled template, ready to edit and send: what `update.sent` will record."""

    template: str
    audience: str
    text: str
    next_update_at: datetime | None


def draft_update(
    inc: Incident,
    template: Template,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    audience: str | None = None,
    next_update_at: datetime | None = None,
) -> UpdateDraft:
    """Fill `template` for `inc` at `now`. The audience is the template's unless given;
    the promised next update is `next_update_at`, or (when the text names one) the
    audience's cadence from now."""
    audience = audience or template.audience
    promise = next_update_at
    if promise is None and template.promises_next_update and inc.is_active:
        promise = default_next_update(inc, audience, now) or now + FALLBACK_PROMISE
    values = fill_values(inc, now, tz, audience=audience, next_update_at=promise)
    stage = values["stage"]
    text = render(template.text_for(stage), values).strip("\n")
    return UpdateDraft(template.name, audience, text, promise)
