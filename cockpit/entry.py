"""The quick-entry grammar: one line of text -> the events it stands for.

Shared by the TUI's quick entry and `cockpit log`. `parse` never logs anything: it returns
drafts (kind, payload, occurred time) or raises `EntryError` naming the column.

    text                 note            ! text       decision
    ? text               hypothesis      > text       action taken
    todo: text           follow-up       @handle      a mention, anywhere in the text
    @15:23 text          backdated (also @15:23:10, @-5m, @2026-03-04T15:23Z)
    /command args        see COMMANDS
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from cockpit.records import ENTRY_KINDS, MILESTONES, STATUSES, short_id
from cockpit.timefmt import (
    EPOCH,
    ascii_digits,
    format_duration,
    format_ts,
    parse_duration,
    to_utc,
)

if TYPE_CHECKING:  # imported lazily: logging a plain note needs none of them
    from cockpit.incident import Incident, TimelineItem
    from cockpit.policy import Policy
    from cockpit.runbook import Runbook

FUTURE_GRACE = timedelta(minutes=10)
PREFIXES = (
    ("todo:", "entry.todo"),
    ("!", "entry.decision"),
    ("?", "entry.hypothesis"),
    (">", "entry.action"),
)
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z])")
_TOKEN = re.compile(r"\S+")
_CLOCK = re.compile(r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")
# A command is `/word`; `/var/log/syslog is full` or `/api/checkout 500s` is a note.
_COMMAND_WORD = re.compile(r"^/[A-Za-z]+$")
CLOSE_REASONS = {
    "resolved": "resolved",
    "false-alarm": "false alarm",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "duplicate": "duplicate",
}


class EntryError(ValueError):
    """A line that cannot be logged. `column` is 1-based; str() says where and why."""

    def __init__(self, message: str, column: int = 1) -> None:
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}")


@dataclass
class Draft:
    """An event not yet logged: what a line of the grammar stands for."""

    kind: str
    data: dict[str, Any]
    occurred_at: datetime
    backdated: bool = False

    def describe(self, now: datetime, tz: tzinfo) -> str:
        """What the line will become: `decision at 15:23, backdated 4 min`."""
        word = KIND_WORDS.get(self.kind, self.kind)
        local = self.occurred_at.astimezone(tz)
        stamp = local.strftime("%H:%M:%S" if local.second else "%H:%M")
        if local.date() != now.astimezone(tz).date():
            stamp = local.strftime("%Y-%m-%d ") + stamp
        if not self.backdated:
            return f"{word} now ({stamp})"
        return f"{word} at {stamp}, backdated {format_duration(now - self.occurred_at)}"


KIND_WORDS = {
    "entry.note": "note",
    "entry.decision": "decision",
    "entry.hypothesis": "hypothesis",
    "entry.action": "action",
    "entry.todo": "follow-up",
    "severity.set": "severity change",
    "status.set": "status change",
    "role.assigned": "role assignment",
    "role.released": "role release",
    "checklist.checked": "checklist tick",
    "checklist.unchecked": "checklist untick",
    "update.sent": "update",
    "update.promised": "update promise",
    "update.snoozed": "snooze",
    "timer.set": "timer",
    "timer.cancelled": "timer cancellation",
    "timer.extended": "timer extension",
    "escalation.made": "escalation",
    "milestone.set": "milestone",
    "reminders.muted": "mute",
    "reminders.unmuted": "unmute",
    "title.set": "title",
    "summary.set": "summary",
    "impact.set": "impact",
    "context.set": "context",
    "hypothesis.resolved": "hypothesis outcome",
    "entry.starred": "star",
    "entry.unstarred": "unstar",
    "entry.amended": "amendment",
    "entry.retracted": "retraction",
}


@dataclass
class EntryContext:
    """What parsing needs to know: now, the local zone, and the incident if there is one."""

    now: datetime
    tz: tzinfo
    incident: Incident | None = None
    policy: Policy | None = None
    runbook: Runbook | None = None
    author: str | None = None  # whose entry `last` means

    @property
    def active_policy(self) -> Policy | None:
        if self.incident is not None and self.incident.policy is not None:
            return self.incident.policy
        return self.policy


@dataclass
class _Tok:
    text: str
    col: int  # 1-based


@dataclass
class Command:
    name: str
    usage: str
    help: str
    handler: Callable[[_Args], list[Draft]] = field(repr=False)
    trailing_time: bool = True


def mentions(text: str) -> list[str]:
    """The handles mentioned in a text, in order, without repeats."""
    seen: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1)
        if handle not in seen:
            seen.append(handle)
    return seen


def looks_like_time(token: str) -> bool:
    """`@15:23`, `@-5m`, `@2026-...`: a backdate rather than a handle."""
    return len(token) > 1 and token[0] == "@" and (token[1].isdigit() or token[1] == "-")


def parse_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    """A backdate (without its `@`): `15:23`, `15:23:10`, `-5m`, `2026-03-04T15:23Z`.

    A bare clock time is local and means the most recent such time, except that a time up
    to 10 minutes ahead is refused as in the future. Every time in the future is refused.
    Around a daylight-saving change the actual instants are compared: a time the clocks
    skipped is refused, and of a time that happened twice the most recent one is taken.
    """
    ascii_digits(text, "times")
    try:
        return _parse_time(text, to_utc(now), tz)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None


def _parse_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    if text.startswith("-"):
        try:
            delta = parse_duration(text[1:])
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}") from None
        return now - delta
    clock = _CLOCK.match(text)
    if clock:
        hms = _clock_parts(clock, text)
        today = now.astimezone(tz).date()
        local_now = now.astimezone(tz)
        if not _instants(today, hms, tz):
            raise ValueError(f"{text} did not happen today: the clocks skipped it")
        candidates = [
            instant
            for day in (today - timedelta(days=1), today, today + timedelta(days=1))
            for instant in _instants(day, hms, tz)
        ]
        ahead = [c for c in candidates if c > now]
        if ahead and min(ahead) - now <= FUTURE_GRACE:
            raise ValueError(f"{text} is in the future (it is {local_now:%H:%M} now)")
        past = [c for c in candidates if c <= now]
        if not past:
            raise ValueError(f"{text} is in the future (it is {local_now:%H:%M} now)")
        return max(past)
    if len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a date and time; expected one like 2026-03-04T15:23Z"
            ) from None
        if value.year < 1969:  # before any offset or zone can bring it to 1970
            raise ValueError(f"{text!r} is too far in the past (before 1970)")
        if value.tzinfo is None:
            hms = (value.hour, value.minute, value.second, value.microsecond)
            instants = _instants(value.date(), hms, tz)
            if not instants:
                raise ValueError(f"{text} did not happen here: the clocks skipped it")
            past = [i for i in instants if i <= now]
            value = max(past) if past else min(instants)
        value = to_utc(value)
        if value < EPOCH:  # the instant, not the wall time: 00:30+01:00 is 23:30 in 1969
            raise ValueError(f"{text!r} is too far in the past ({format_ts(value)}, before 1970)")
        if value > now:
            raise ValueError(f"{format_ts(value)} is in the future")
        return value
    raise ValueError(f"{text!r} is not a time; expected 15:23, 15:23:10, -5m or 2026-03-04T15:23Z")


def _clock_parts(clock: re.Match[str], text: str) -> tuple[int, int, int, int]:
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time of day; expected HH:MM or HH:MM:SS")
    return hour, minute, second, 0


def _instants(day: date, hms: tuple[int, int, int, int], tz: tzinfo) -> list[datetime]:
    """The UTC instants at which the local clock read this time on this day: none in a
    spring-forward gap, two in a fall-back overlap, one otherwise."""
    out: set[datetime] = set()
    for fold in (0, 1):
        wall = datetime(day.year, day.month, day.day, *hms, fold=fold)
        instant = wall.replace(tzinfo=tz).astimezone(UTC)
        back = instant.astimezone(tz).replace(tzinfo=None, fold=0)
        if back == wall.replace(fold=0):
            out.add(instant)
    return sorted(out)


PROMISE_HORIZON = timedelta(hours=12)


def parse_future(text: str, now: datetime, tz: tzinfo, *, clock_times: bool = True) -> datetime:
    """A time ahead: a duration (`20m`, bare minutes) or the next such clock time.

    A clock time must be within the next 12 hours: `/next 19:48` typed at 19:53 is a typo,
    not a promise for tomorrow evening.
    """
    now = to_utc(now)
    ascii_digits(text, "times and durations" if clock_times else "durations")
    clock = _CLOCK.match(text)
    if clock and clock_times:
        hms = _clock_parts(clock, text)
        today = now.astimezone(tz).date()
        candidates = [
            instant
            for day in (today, today + timedelta(days=1))
            for instant in _instants(day, hms, tz)
            if instant > now
        ]
        local_now = now.astimezone(tz)
        if not candidates or min(candidates) - now > PROMISE_HORIZON:
            raise ValueError(
                f"{text} has passed (it is {local_now:%H:%M} now); give a duration such as 20m"
            )
        return min(candidates)
    try:
        delta = parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"{exc}; expected a duration like 10m") from None
    if delta <= timedelta(0):
        raise ValueError("expected a duration above zero, like 20m")
    return now + delta


def check_text(text: str, what: str = "the text") -> None:
    """Refuse text that cannot be stored: lone surrogates (bytes that were not UTF-8)."""
    for index, ch in enumerate(text):
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise EntryError(f"{what} is not valid UTF-8 (at character {index + 1})", index + 1)


def is_command(line: str) -> bool:
    """Does the line (after an optional leading @time) start with a /command?"""
    words = line.split(maxsplit=2)
    if words and looks_like_time(words[0]):
        words = words[1:]
    return bool(words) and bool(_COMMAND_WORD.match(words[0]))


def parse(line: str, ctx: EntryContext) -> list[Draft]:
    """Parse one line of the grammar. Raises EntryError; never logs anything."""
    if "\n" in line or "\r" in line:
        raise EntryError("one line at a time; a paste of several lines is logged line by line")
    check_text(line)
    tokens = [_Tok(m.group(), m.start() + 1) for m in _TOKEN.finditer(line)]
    if not tokens:
        raise EntryError("nothing to log: type a note, or a /command")
    occurred = to_utc(ctx.now)
    backdated = False
    rest_col = tokens[0].col
    if looks_like_time(tokens[0].text):
        occurred = _time_at(tokens[0], ctx)
        backdated = True
        if len(tokens) == 1:
            raise EntryError(
                "expected text or a /command after the time", tokens[0].col + len(tokens[0].text)
            )
        tokens = tokens[1:]
        rest_col = tokens[0].col
    rest = line[rest_col - 1 :].rstrip()
    if rest.startswith("//"):
        rest, rest_col = rest[1:], rest_col + 1  # `//text` is a note that starts with /
    elif _COMMAND_WORD.match(tokens[0].text):
        return _command(tokens, line, ctx, occurred, backdated)
    kind, text, col = "entry.note", rest, rest_col
    lower = rest.lower()
    for prefix, prefix_kind in PREFIXES:
        if lower.startswith(prefix) and (
            len(rest) == len(prefix) or rest[len(prefix)] == " " or prefix == "todo:"
        ):
            kind = prefix_kind
            text = rest[len(prefix) :].strip()
            col = rest_col + len(prefix)
            if not text:
                word = KIND_WORDS[kind]
                raise EntryError(f"expected the {word}'s text after {prefix!r}", col)
            break
    return [Draft(kind, {"text": text, "mentions": mentions(text)}, occurred, backdated)]


def _time_at(tok: _Tok, ctx: EntryContext) -> datetime:
    try:
        return parse_time(tok.text[1:], ctx.now, ctx.tz)
    except ValueError as exc:
        raise EntryError(str(exc), tok.col) from None


@dataclass
class _Args:
    ctx: EntryContext
    line: str
    name: _Tok
    args: list[_Tok]
    occurred: datetime
    backdated: bool
    end_col: int

    def draft(self, kind: str, data: dict[str, Any], occurred: datetime | None = None) -> Draft:
        when = occurred if occurred is not None else self.occurred
        return Draft(kind, data, when, self.backdated or occurred is not None)

    def text_after(self, index: int) -> str:
        """The rest of the line, as typed, from argument `index` on."""
        if index >= len(self.args):
            return ""
        return self.line[self.args[index].col - 1 :].strip()

    def need(self, index: int, what: str) -> _Tok:
        if index >= len(self.args):
            raise EntryError(f"/{self.name.text[1:]} needs {what}", self.end_col)
        return self.args[index]

    def no_more(self, index: int) -> None:
        if index < len(self.args):
            tok = self.args[index]
            raise EntryError(f"unexpected {tok.text!r}; usage: {COMMANDS[self.cmd].usage}", tok.col)

    @property
    def cmd(self) -> str:
        return self.name.text[1:].lower()

    @property
    def incident(self) -> Incident:
        if self.ctx.incident is None:
            raise EntryError(f"/{self.cmd} needs an incident", self.name.col)
        return self.ctx.incident

    def entry(
        self, tok: _Tok, *, entries_only: bool = False, hypothesis: bool = False
    ) -> TimelineItem:
        incident = self.incident
        if tok.text.lower() == "last":
            if hypothesis:
                found = [h for h in incident.hypotheses() if h.state == "open"]
                item = max(found, key=lambda i: (i.rec.recorded_us, i.id)) if found else None
                if item is None:
                    raise EntryError("there is no open hypothesis", tok.col)
                return item
            item = incident.last_entry(self.ctx.author)
            if item is None:
                who = "you have" if self.ctx.author else "nobody has"
                raise EntryError(f"{who} logged no entry yet; name one by its id", tok.col)
            return item
        matches = incident.find_entries(tok.text)
        if entries_only and any(m.is_entry for m in matches):
            matches = [m for m in matches if m.is_entry]
        if not matches:
            raise EntryError(f"no entry has an id starting {tok.text!r}", tok.col)
        if len(matches) > 1:
            names = ", ".join(short_id(m.id) for m in matches[:5])
            more = "" if len(matches) <= 5 else f" and {len(matches) - 5} more"
            raise EntryError(f"{tok.text!r} is ambiguous: {names}{more}", tok.col)
        item = matches[0]
        if hypothesis and item.kind != "entry.hypothesis":
            raise EntryError(f"{short_id(item.id)} is not a hypothesis", tok.col)
        if entries_only and item.kind not in ENTRY_KINDS:
            raise EntryError(f"{short_id(item.id)} is not an entry", tok.col)
        return item


def _command(
    tokens: list[_Tok], line: str, ctx: EntryContext, occurred: datetime, backdated: bool
) -> list[Draft]:
    name = tokens[0]
    key = name.text[1:].lower()
    command = COMMANDS.get(key)
    if command is None:
        import difflib

        hint = difflib.get_close_matches(key, list(COMMANDS), n=1)
        extra = (
            f"; did you mean /{hint[0]}?"
            if hint
            else "; commands are " + " ".join("/" + c for c in COMMANDS)
        )
        raise EntryError(f"unknown command {name.text!r}{extra}", name.col)
    args = tokens[1:]
    end_col = len(line.rstrip()) + 1
    if command.trailing_time and args and looks_like_time(args[-1].text):
        if backdated:
            raise EntryError("give the time once: at the start or at the end", args[-1].col)
        occurred = _time_at(args[-1], ctx)
        backdated = True
        end_col = args[-1].col
        args = args[:-1]
    return command.handler(_Args(ctx, line, name, args, occurred, backdated, end_col))


# command handlers -----------------------------------------------------------------------
def _sev(a: _Args) -> list[Draft]:
    tok = a.need(0, "a level, e.g. /sev 1")
    a.no_more(1)
    policy = a.ctx.active_policy
    if policy is None:
        raise EntryError("no policy is loaded", tok.col)
    level = policy.find_level(tok.text)
    if level is None:
        keys = ", ".join(lv.key for lv in policy.levels)
        raise EntryError(
            f"{tok.text!r} is not a level of the {policy.name} policy ({keys})", tok.col
        )
    return [a.draft("severity.set", {"level": level.key})]


def _status(a: _Args) -> list[Draft]:
    tok = a.need(0, f"a status ({', '.join(STATUSES)})")
    word = tok.text.lower()
    found = [s for s in STATUSES if s.startswith(word)]
    if len(found) != 1:
        raise EntryError(
            f"{tok.text!r} is not a status; expected one of {', '.join(STATUSES)}", tok.col
        )
    if found[0] == "closed":
        return _close_reason(a, 1)
    a.no_more(1)
    return [a.draft("status.set", {"status": found[0]})]


def _resolve(a: _Args) -> list[Draft]:
    a.no_more(0)
    return [a.draft("status.set", {"status": "resolved"})]


def _close(a: _Args) -> list[Draft]:
    return _close_reason(a, 0)


def _close_reason(a: _Args, index: int) -> list[Draft]:
    if index >= len(a.args):
        return [a.draft("status.set", {"status": "closed", "reason": "resolved"})]
    tok = a.args[index]
    reason = CLOSE_REASONS.get(tok.text.lower())
    if reason is None:
        raise EntryError(
            f"{tok.text!r} is not a reason to close; expected false-alarm, "
            "duplicate REF or cancelled",
            tok.col,
        )
    if reason == "duplicate":
        ref = a.need(index + 1, "the incident it duplicates, e.g. duplicate INC-7KQ2M9")
        a.no_more(index + 2)
        reason = f"duplicate of {ref.text.upper()}"
    else:
        a.no_more(index + 1)
    return [a.draft("status.set", {"status": "closed", "reason": reason})]


def _role_key(a: _Args, tok: _Tok) -> str:
    policy = a.ctx.active_policy
    roles = policy.roles if policy is not None else []
    word = tok.text.lower()
    for role in roles:
        if role.key == word:
            return role.key
    starts = [r.key for r in roles if r.label.lower().startswith(word)]
    if len(starts) == 1:
        return starts[0]
    keys = ", ".join(r.key for r in roles) or "ic"
    raise EntryError(f"{tok.text!r} is not a role; expected one of {keys}", tok.col)


def _role(a: _Args) -> list[Draft]:
    role_tok = a.need(0, "a role and a handle, e.g. /role ic @alice")
    role = _role_key(a, role_tok)
    handle_tok = a.need(1, "a handle, e.g. /role ic @alice")
    a.no_more(2)
    handle = handle_tok.text.lstrip("@")
    if not handle:
        raise EntryError("expected a handle after @", handle_tok.col)
    return [a.draft("role.assigned", {"role": role, "handle": handle})]


def _unrole(a: _Args) -> list[Draft]:
    role = _role_key(a, a.need(0, "a role, e.g. /unrole ic"))
    a.no_more(1)
    return [a.draft("role.released", {"role": role})]


def _item(a: _Args) -> str:
    tok = a.need(0, "a checklist item id, e.g. /check classify")
    a.no_more(1)
    runbook = a.ctx.runbook
    if runbook is None:
        return tok.text
    ids = [i.id for i in runbook.items]
    if tok.text in ids:
        return tok.text
    found = [i for i in ids if i.startswith(tok.text.lower())]
    if len(found) == 1:
        return found[0]
    import difflib

    hint = difflib.get_close_matches(tok.text, ids, n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else f"; expected one of {', '.join(ids)}"
    raise EntryError(f"{tok.text!r} is not a checklist item{extra}", tok.col)


def _check(a: _Args) -> list[Draft]:
    return [a.draft("checklist.checked", {"item": _item(a)})]


def _uncheck(a: _Args) -> list[Draft]:
    return [a.draft("checklist.unchecked", {"item": _item(a)})]


def _update(a: _Args) -> list[Draft]:
    text = a.text_after(0)
    return [a.draft("update.sent", {"audience": "internal", "template": "quick", "text": text})]


def _mute(kind: str) -> Callable[[_Args], list[Draft]]:
    def handler(a: _Args) -> list[Draft]:
        a.no_more(0)
        return [a.draft(kind, {})]

    return handler


def _future(a: _Args, tok: _Tok, *, clock_times: bool = True) -> datetime:
    try:
        return parse_future(tok.text, a.occurred, a.ctx.tz, clock_times=clock_times)
    except ValueError as exc:
        raise EntryError(str(exc), tok.col) from None


def _audience_and_time(a: _Args, example: str) -> tuple[dict[str, Any], _Tok]:
    """`[AUDIENCE] WHEN`: an audience only when two words are given, so `/next 20m`
    stays internal and a typo in the time is never read as an audience."""
    tok = a.need(0, f"when, e.g. {example}")
    if len(a.args) < 2:
        return {}, tok
    a.no_more(2)
    policy = a.ctx.active_policy
    known = policy.audience_labels() if policy is not None else {"internal": "Internal"}
    key = policy.find_audience(tok.text) if policy is not None else None
    if key is None and tok.text.lower() in known:
        key = tok.text.lower()
    if key is None:
        raise EntryError(
            f"{tok.text!r} is not an audience; expected one of {', '.join(known)}", tok.col
        )
    return ({} if key == "internal" else {"audience": key}), a.args[1]


def _next(a: _Args) -> list[Draft]:
    data, tok = _audience_and_time(a, "/next 20m, /next 15:40 or /next executive 30m")
    at = _future(a, tok)
    return [a.draft("update.promised", {"at": format_ts(at), **data})]


def _snooze(a: _Args) -> list[Draft]:
    data, tok = _audience_and_time(a, "/snooze 10m or /snooze status 10m")
    until = _future(a, tok, clock_times=False)
    return [a.draft("update.snoozed", {"until": format_ts(until), **data})]


def _find_timer(a: _Args, tok: _Tok) -> str:
    """A running (not cancelled) timer by its id or a prefix of it."""
    incident = a.incident
    running = [t.id for t in incident.active_timers()]
    wanted = tok.text.lower()
    found = [t for t in running if t.lower() == wanted] or [
        t for t in running if t.lower().startswith(wanted)
    ]
    if len(found) != 1:
        known = ", ".join(running) or "none"
        raise EntryError(f"{tok.text!r} is not a running timer (timers: {known})", tok.col)
    return found[0]


def _timer(a: _Args) -> list[Draft]:
    first = a.need(0, "a duration and what it is for, e.g. /timer 10m check replica lag")
    word = first.text.lower()
    if word == "cancel":
        tok = a.need(1, "a timer id, e.g. /timer cancel t3k9")
        a.no_more(2)
        return [a.draft("timer.cancelled", {"timer": _find_timer(a, tok)})]
    if word == "extend":
        tok = a.need(1, "a timer id and how much longer, e.g. /timer extend t3k9 5m")
        by = a.need(2, "how much longer, e.g. /timer extend t3k9 5m")
        a.no_more(3)
        timer_id = _find_timer(a, tok)
        timer = a.incident.timers[timer_id]
        try:
            delta = parse_duration(by.text)
        except ValueError as exc:
            raise EntryError(f"{exc}; expected a duration like 5m", by.col) from None
        if delta <= timedelta(0):
            raise EntryError("expected a duration above zero, like 5m", by.col)
        # A timer that already ran out runs again from now.
        until = max(timer.until, to_utc(a.occurred)) + delta
        return [a.draft("timer.extended", {"timer": timer_id, "until": format_ts(until)})]
    until = _future(a, first)
    text = a.text_after(1)
    existing = set(a.ctx.incident.timers) if a.ctx.incident is not None else set()
    timer_id = _new_timer_id(existing)
    return [a.draft("timer.set", {"timer": timer_id, "until": format_ts(until), "text": text})]


def _escalate(a: _Args) -> list[Draft]:
    """`/escalate` alone: the level's next escalation step not yet made; `/escalate WHO`:
    a step whose `to` starts with WHO, else WHO as typed."""
    incident = a.incident
    level = incident.level
    steps = level.escalation if level is not None else []
    text = a.text_after(0)
    if not text:
        pending = incident.pending_escalations()
        if not pending:
            where = f"{level.key} has no escalation step left" if level else "no level is set"
            raise EntryError(f"/escalate needs whom you escalated to: {where}", a.end_col)
        return [a.draft("escalation.made", {"to": pending[0].to})]
    wanted = text.casefold()
    found = [s.to for s in steps if s.to.casefold().startswith(wanted)]
    return [a.draft("escalation.made", {"to": found[0] if len(found) == 1 else text})]


def _new_timer_id(existing: set[str]) -> str:
    alphabet = "23456789abcdefghjkmnpqrstvwxyz"
    while True:
        candidate = "t" + "".join(secrets.choice(alphabet) for _ in range(3))
        if candidate not in existing:
            return candidate


def _ms(a: _Args) -> list[Draft]:
    tok = a.need(0, f"a milestone ({', '.join(MILESTONES)})")
    a.no_more(1)
    word = tok.text.lower()
    found = [m for m in MILESTONES if m.startswith(word)] if word else []
    if word in MILESTONES:
        found = [word]
    if len(found) != 1:
        raise EntryError(
            f"{tok.text!r} is not a milestone; expected one of {', '.join(MILESTONES)}", tok.col
        )
    at = a.occurred
    return [Draft("milestone.set", {"milestone": found[0], "at": format_ts(at)}, at, a.backdated)]


def _text_command(kind: str, key: str, what: str) -> Callable[[_Args], list[Draft]]:
    def handler(a: _Args) -> list[Draft]:
        text = a.text_after(0)
        if not text:
            raise EntryError(f"/{a.cmd} needs {what}", a.end_col)
        return [a.draft(kind, {key: text})]

    return handler


def _link(a: _Args) -> list[Draft]:
    kind_tok = a.need(0, "bridge, channel or ticket and a link")
    key = kind_tok.text.lower()
    if key not in ("bridge", "channel", "ticket"):
        raise EntryError(f"{kind_tok.text!r}: expected bridge, channel or ticket", kind_tok.col)
    a.need(1, f"the {key} link")
    return [a.draft("context.set", {"key": key, "value": a.text_after(1)})]


def _service(a: _Args) -> list[Draft]:
    tok = a.need(0, "a service name, e.g. /service payments-api")
    a.no_more(1)
    return [a.draft("context.set", {"key": "services", "value": tok.text})]


def _customer(a: _Args) -> list[Draft]:
    tok = a.need(0, "yes or no")
    a.no_more(1)
    word = tok.text.lower()
    if word not in ("yes", "no", "y", "n", "true", "false"):
        raise EntryError(f"{tok.text!r}: expected yes or no", tok.col)
    value = word in ("yes", "y", "true")
    return [a.draft("context.set", {"key": "customer_facing", "value": value})]


def _outcome(outcome: str) -> Callable[[_Args], list[Draft]]:
    def handler(a: _Args) -> list[Draft]:
        tok = a.need(0, "a hypothesis id (or last)")
        a.no_more(1)
        item = a.entry(tok, hypothesis=True)
        return [a.draft("hypothesis.resolved", {"target": item.id, "outcome": outcome})]

    return handler


def _star(kind: str) -> Callable[[_Args], list[Draft]]:
    def handler(a: _Args) -> list[Draft]:
        _now_only(a)
        tok = a.need(0, "an entry id (or last)")
        a.no_more(1)
        item = a.entry(tok)
        return [a.draft(kind, {"target": item.id})]

    return handler


def _now_only(a: _Args) -> None:
    """Corrections take effect when they are made; a backdate on one would be lost."""
    if a.backdated:
        raise EntryError(
            f"/{a.cmd} takes effect now and cannot be backdated; to change an entry's time, "
            "use /amend ID @TIME",
            a.name.col,
        )


def _amend(a: _Args) -> list[Draft]:
    _now_only(a)
    tok = a.need(0, "an entry id (or last), then a new @time and/or text")
    item = a.entry(tok, entries_only=True)
    data: dict[str, Any] = {"target": item.id}
    index = 1
    if index < len(a.args) and looks_like_time(a.args[index].text):
        data["occurred_at"] = format_ts(_time_at(a.args[index], a.ctx))
        index += 1
    text = a.text_after(index)
    if text:
        data["text"] = text
    if len(data) == 1:
        raise EntryError("/amend needs a new @time or new text (or both)", a.end_col)
    return [Draft("entry.amended", data, to_utc(a.ctx.now), False)]


def _retract(a: _Args) -> list[Draft]:
    _now_only(a)
    tok = a.need(0, "an entry id (or last)")
    a.no_more(1)
    item = a.entry(tok, entries_only=True)
    return [Draft("entry.retracted", {"target": item.id}, to_utc(a.ctx.now), False)]


def _command_list() -> dict[str, Command]:
    table = [
        ("sev", "/sev LEVEL", "set the severity (/sev 1 or /sev SEV-1)", _sev, True),
        (
            "status",
            "/status STATUS",
            "investigating, identified, monitoring, mitigated, resolved or closed",
            _status,
            True,
        ),
        ("resolve", "/resolve", "set the status to resolved", _resolve, True),
        (
            "close",
            "/close [false-alarm|duplicate REF|cancelled]",
            "close the incident",
            _close,
            True,
        ),
        (
            "role",
            "/role ROLE HANDLE",
            "give a role (ic, tl, comms, scribe) to someone",
            _role,
            True,
        ),
        ("unrole", "/unrole ROLE", "leave a role unfilled", _unrole, True),
        ("check", "/check ID", "tick a first-thirty-minutes checklist item", _check, True),
        ("uncheck", "/uncheck ID", "untick a checklist item", _uncheck, True),
        ("update", "/update [TEXT]", "record that a stakeholder update went out", _update, False),
        (
            "next",
            "/next [AUDIENCE] 20m|15:40",
            "promise the next update (internal unless an audience is named)",
            _next,
            False,
        ),
        (
            "snooze",
            "/snooze [AUDIENCE] 10m",
            "put off the update reminder (internal unless an audience is named)",
            _snooze,
            False,
        ),
        (
            "mute",
            "/mute",
            "stop the 5-minute reminder while an update is overdue",
            _mute("reminders.muted"),
            False,
        ),
        ("unmute", "/unmute", "bring the overdue reminder back", _mute("reminders.unmuted"), False),
        (
            "timer",
            "/timer 10m TEXT | /timer cancel ID | /timer extend ID 5m",
            "start, cancel or extend a countdown",
            _timer,
            False,
        ),
        (
            "escalate",
            "/escalate [WHO]",
            "record an escalation (alone: the level's next escalation step)",
            _escalate,
            True,
        ),
        (
            "ms",
            "/ms MILESTONE",
            "started, detected, acknowledged, declared, mitigated, resolved",
            _ms,
            True,
        ),
        (
            "title",
            "/title TEXT",
            "rename the incident",
            _text_command("title.set", "title", "the new title"),
            False,
        ),
        (
            "summary",
            "/summary TEXT",
            "set the summary",
            _text_command("summary.set", "summary", "the summary text"),
            False,
        ),
        (
            "impact",
            "/impact TEXT",
            "set the customer impact",
            _text_command("impact.set", "impact", "the impact text"),
            False,
        ),
        (
            "link",
            "/link bridge|channel|ticket URL",
            "record where the incident is run",
            _link,
            False,
        ),
        ("service", "/service NAME", "add an affected service (-NAME removes it)", _service, True),
        ("customer", "/customer yes|no", "whether customers are affected", _customer, True),
        ("confirm", "/confirm ID", "mark a hypothesis confirmed", _outcome("confirmed"), True),
        ("ruleout", "/ruleout ID", "mark a hypothesis ruled out", _outcome("ruled_out"), True),
        ("star", "/star ID", "star an entry for the postmortem", _star("entry.starred"), False),
        ("unstar", "/unstar ID", "remove a star", _star("entry.unstarred"), False),
        ("amend", "/amend ID [@TIME] [TEXT]", "correct an entry's time or text", _amend, False),
        ("retract", "/retract ID", "hide an entry (kept in the audit trail)", _retract, False),
    ]
    return {
        name: Command(name, usage, help_, handler, trailing)
        for name, usage, help_, handler, trailing in table
    }


COMMANDS: dict[str, Command] = _command_list()
