"""The cockpit's services: what both faces (CLI and TUI) do to incidents.

Everything that happens to an incident takes one path: a line of the grammar (or a form)
becomes drafts, the drafts become validated events, `store.append` commits them, and the
incident is folded again from the log.
"""

from __future__ import annotations

import gc
import getpass
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from cockpit.clock import Clock, local_zone_name, zone
from cockpit.entry import Draft, EntryContext, EntryError, check_text, is_command, parse, parse_time
from cockpit.records import Rec
from cockpit.store import Store, StoreError
from cockpit.timefmt import format_ts
from cockpit.ulid import new_ulid

if TYPE_CHECKING:  # imported when first needed: `cockpit log REF note` needs none of them
    from cockpit.events import Event
    from cockpit.incident import Incident, LiveFold
    from cockpit.policy import Policy
    from cockpit.publish import Delivery, Publisher
    from cockpit.runbook import Runbook
    from cockpit.writer import Writer

DEFAULT_POLICY = "sev"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects at once.

    Loading a 100k-event incident makes a few hundred thousand objects and no cycles; the
    collector would otherwise rescan the growing heap again and again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def default_author() -> str:
    env = os.environ.get("COCKPIT_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class LineError(Exception):
    """A line of a batch that cannot be logged; nothing in the batch was logged."""

    line: int
    error: EntryError

    def __str__(self) -> str:
        return f"line {self.line}: {self.error}"


class Watch:
    """One view's look at the store: has anything been committed since it last looked
    (two tiny queries when nothing has), and which incidents the new events belong to.
    New events are fed to the incidents the cockpit holds folded (`Cockpit.feed`)."""

    def __init__(self, cockpit: Cockpit) -> None:
        self.cockpit = cockpit
        self.version = cockpit.store.data_version()
        self.seq = cockpit.store.newest_seq()
        # Why the last look failed (another process holding the file locked, damage), or
        # None: a screen shows what it last read and says so, rather than stopping.
        self.trouble: str | None = None
        self._untold: str | None = None

    def changes(self) -> set[str] | None:
        """None if nothing changed (or the store cannot be read just now: see `trouble`);
        else the incidents with new events (maybe none). It never waits for a lock: a
        screen looks every second and must not stall while another process holds one."""
        store = self.cockpit.store
        try:
            with store.impatient():
                version, seq = store.data_version(), store.newest_seq()
                if (version, seq) == (self.version, self.seq):
                    self.trouble = self._untold = None
                    return None
                recs, newest = store.recs_since(self.seq) if seq != self.seq else ([], seq)
        except StoreError as exc:
            if self.trouble is None:
                self._untold = str(exc)
            self.trouble = str(exc)
            return None
        self.trouble = self._untold = None
        self.version, self.seq = version, newest
        return self.cockpit.feed(recs) if recs else set()

    def news(self) -> str | None:
        """A trouble not yet told (once per spell of trouble), for the screen to say."""
        told, self._untold = self._untold, None
        return told


@dataclass
class Cockpit:
    store: Store
    clock: Clock
    author: str = field(default_factory=default_author)
    zone_name: str = field(default_factory=local_zone_name)
    warnings: list[str] = field(default_factory=list)
    _policy: Policy | None = None
    _runbook: Runbook | None = None
    _live: dict[str, LiveFold] = field(default_factory=dict, repr=False)
    _writer: Writer | None = field(default=None, repr=False)

    @property
    def tz(self) -> tzinfo:
        return zone(self.zone_name)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def writer(self) -> Writer:
        """Commits off the caller's thread, in order, on a connection of its own: what the
        full-screen cockpit writes through, so that its event loop never waits on a lock."""
        if self._writer is None:
            from cockpit.writer import Writer

            self._writer = Writer(self)
        return self._writer

    # policy and runbook ------------------------------------------------------------------
    @property
    def policy_name(self) -> str:
        return self.store.get_setting("policy") or DEFAULT_POLICY

    @property
    def policy(self) -> Policy:
        """The database's policy, for new incidents. If it cannot be loaded (a custom file
        deleted or broken), the shipped default is used with a warning: declaring an
        incident must never be blocked by a config file."""
        if self._policy is None:
            from cockpit.config import ConfigError
            from cockpit.policy import load_policy

            try:
                policy, warnings = load_policy(self.policy_name)
            except ConfigError as exc:
                policy, warnings = load_policy(DEFAULT_POLICY)
                warnings = [f"{exc}; using the shipped {DEFAULT_POLICY} policy", *warnings]
            self.warnings.extend(warnings)
            self._policy = policy
        return self._policy

    @property
    def runbook(self) -> Runbook:
        if self._runbook is None:
            from cockpit.runbook import load_runbook

            runbook, warnings = load_runbook()
            self.warnings.extend(warnings)
            self._runbook = runbook
        return self._runbook

    def _fallback_runbook(self) -> Runbook:
        """For incidents declared before declarations carried their runbook (loaded only
        when such an incident is folded: reading needs no config file)."""
        return self.runbook

    def runbook_for(self, incident: Incident | None) -> Runbook:
        """The incident's checklist: the runbook it was declared with."""
        if incident is not None and incident.runbook is not None:
            return incident.runbook
        return self.runbook

    def use_policy(self, name: str) -> Policy:
        from cockpit.policy import load_policy

        policy, warnings = load_policy(name)
        self.warnings.extend(warnings)
        self.store.set_setting("policy", name)
        self._policy = policy
        return policy

    # incidents ---------------------------------------------------------------------------
    def declare(
        self,
        title: str,
        severity: str | None = None,
        *,
        at: datetime | None = None,
        exercise: bool = False,
    ) -> Event:
        event = self.declaration(title, severity, at=at, exercise=exercise)
        self.store.append([event])
        return event

    def declaration(
        self,
        title: str,
        severity: str | None = None,
        *,
        at: datetime | None = None,
        exercise: bool = False,
    ) -> Event:
        """The `incident.declared` event `declare` commits: checked, not yet stored."""
        policy = self.policy
        if not title.strip():
            raise EntryError("an incident needs a title")
        check_text(title, "the title")
        if severity is None:
            level = policy.level(policy.default)
        else:
            found = policy.find_level(severity)
            if found is None:
                keys = ", ".join(lv.key for lv in policy.levels)
                raise EntryError(
                    f"{severity!r} is not a level of the {policy.name} policy ({keys})"
                )
            level = found
        recorded = self.now()
        incident_id = self._new_incident_id(recorded)
        return self.store.new_event(
            incident_id,
            "incident.declared",
            {
                "title": title.strip(),
                "severity": level.key,
                "policy": policy.copy_for_event(),
                "runbook": self.runbook.copy_for_event(),
                "exercise": exercise,
                "zone": self.zone_name,
            },
            author=self.author,
            occurred_at=at or recorded,
            recorded_at=recorded,
        )

    def _new_incident_id(self, when: datetime) -> str:
        from cockpit.incident import ref_for

        ms = int(when.timestamp() * 1000)
        while True:
            candidate = new_ulid(ms, monotonic=False)
            if not self.store.ref_taken(ref_for(candidate)):
                return candidate

    def incident(self, incident_id: str) -> Incident:
        from cockpit.incident import fold

        with gc_paused():
            return fold(self.store.recs(incident_id), self._fallback_runbook, ordered=True)

    def live(self, incident_id: str) -> LiveFold:
        """The incident held folded for the screens: read from the store once per process,
        then kept current by `feed`. The board and the incident screen share it, so opening
        an incident from the board reads nothing again."""
        held = self._live.get(incident_id)
        if held is None:
            from cockpit.incident import LiveFold

            with gc_paused():
                held = LiveFold(self.store.recs(incident_id), self._fallback_runbook)
            # A big incident is a million long-lived objects with no cycles among them. In
            # the collector's oldest generation each full collection would scan them all
            # (150 ms stalls at 50k items); frozen, reference counting still frees them.
            gc.freeze()
            self._live[incident_id] = held
        return held

    def feed(self, recs: list[Rec]) -> set[str]:
        """Apply new events to the incidents held folded; returns the incidents they
        belong to (held or not), so a screen knows what to redraw."""
        by_incident: dict[str, list[Rec]] = {}
        for rec in recs:
            by_incident.setdefault(rec.incident_id, []).append(rec)
        for incident_id, group in by_incident.items():
            held = self._live.get(incident_id)
            if held is not None:
                held.add(group)
        return set(by_incident)

    def context(self, incident: Incident | None, now: datetime | None = None) -> EntryContext:
        """What a line is parsed against; `now` is when it was typed (default: now)."""
        # An incident carries its own policy; the database's is needed only without one.
        needs_policy = incident is None or incident.policy is None
        return EntryContext(
            now=now or self.now(),
            tz=self.tz,
            incident=incident,
            policy=self.policy if needs_policy else None,
            runbook=self.runbook_for(incident),
            author=self.author,
        )

    def parse_time(self, text: str) -> datetime:
        """A time in the grammar's forms (`15:23`, `-5m`, ...), without the `@`."""
        return parse_time(text.removeprefix("@"), self.now(), self.tz)

    def drafts(self, incident: Incident, line: str, now: datetime | None = None) -> list[Draft]:
        return parse(line, self.context(incident, now))

    def events_for(self, incident_id: str, drafts: list[Draft]) -> list[Event]:
        recorded = self.now()
        return [
            self.store.new_event(
                incident_id,
                d.kind,
                d.data,
                author=self.author,
                occurred_at=d.occurred_at,
                recorded_at=recorded,
            )
            for d in drafts
        ]

    def log(self, incident_id: str, line: str, *, incident: Incident | None = None) -> list[Event]:
        """Parse one line against the incident and commit what it stands for.

        Only a /command needs the incident's state; an entry is parsed without folding. A
        caller that already holds the folded incident (a screen) passes it, and nothing
        is folded again.
        """
        events = self.line_events(incident_id, line, incident=incident)
        self.store.append(events)
        return events

    def line_events(
        self, incident_id: str, line: str, *, incident: Incident | None = None
    ) -> list[Event]:
        """The events `log` commits for a line: parsed and checked, not yet stored."""
        if is_command(line):
            drafts = self.drafts(incident or self.incident(incident_id), line)
        else:
            drafts = parse(line, EntryContext(now=self.now(), tz=self.tz))
        return self.events_for(incident_id, drafts)

    def amend(
        self, incident: Incident, item_id: str, *, text: str | None = None, at: str | None = None
    ) -> list[Event]:
        """Correct an entry's text and/or occurred time (a form's fields, not a grammar
        line: the text is taken as it is, even if it starts with @ or /). `at` is a time
        as a backdate takes it (`15:23`, `-5m`, ISO). Nothing changed is an error."""
        events = self.amendment(incident, item_id, text=text, at=at)
        self.store.append(events)
        return events

    def amendment(
        self, incident: Incident, item_id: str, *, text: str | None = None, at: str | None = None
    ) -> list[Event]:
        """The events `amend` commits: checked, not yet stored."""
        item = incident.items.get(item_id)
        if item is None or not item.is_entry:
            raise EntryError(f"{item_id!r} is not an entry of this incident")
        data: dict[str, object] = {"target": item.id}
        if at is not None and at.strip():
            try:
                when = parse_time(at.strip().removeprefix("@"), self.now(), self.tz)
            except ValueError as exc:
                raise EntryError(f"time: {exc}") from None
            if when != item.occurred_at:
                data["occurred_at"] = format_ts(when)
        if text is not None:
            check_text(text)
            if not text.strip():
                raise EntryError("the text cannot be empty (retract the entry instead)")
            if text != item.text:
                data["text"] = text
        if len(data) == 1:
            raise EntryError("nothing changed")
        return self.events_for(incident.id, [Draft("entry.amended", data, self.now(), False)])

    def log_many(self, incident_id: str, lines: list[tuple[int, str]]) -> list[Event]:
        """Several lines, all or nothing: every line is checked before any is committed.

        The incident is folded once, at the first /command; the events of the lines before
        each later /command are then applied to that fold (a LiveFold), so a line sees the
        ones before it (`? x` then `/confirm last`) without the incident being read or
        folded again.
        """
        from cockpit.incident import LiveFold

        live: LiveFold | None = None
        pending: list[Event] = []
        applied = 0  # pending[:applied] are in the fold
        for number, line in lines:
            try:
                if is_command(line):
                    with gc_paused():
                        if live is None:
                            live = LiveFold(self.store.recs(incident_id), self._fallback_runbook)
                        live.add(e.to_rec() for e in pending[applied:])
                    applied = len(pending)
                    drafts = self.drafts(live.incident, line)
                else:
                    drafts = parse(line, EntryContext(now=self.now(), tz=self.tz))
            except EntryError as exc:
                raise LineError(number, exc) from None
            pending.extend(self.events_for(incident_id, drafts))
        self.store.append(pending)
        return pending

    # stakeholder updates -----------------------------------------------------------------
    def send_update(
        self,
        incident_id: str,
        *,
        text: str,
        audience: str = "internal",
        template: str = "quick",
        next_update_at: datetime | None = None,
        escalated_to: str | None = None,
    ) -> Event:
        """Record that an update went out (`update.sent`); returns once it has committed.

        The text is stored exactly as given. `escalated_to` (an escalation page) also
        records `escalation.made` to them, in the same transaction. Delivering the text (a
        file, the clipboard) comes after, from the returned event: see `publish_update`.
        """
        events = self.update_events(
            incident_id,
            text=text,
            audience=audience,
            template=template,
            next_update_at=next_update_at,
            escalated_to=escalated_to,
        )
        self.store.append(events)
        return events[0]

    def update_events(
        self,
        incident_id: str,
        *,
        text: str,
        audience: str = "internal",
        template: str = "quick",
        next_update_at: datetime | None = None,
        escalated_to: str | None = None,
    ) -> list[Event]:
        """The events `send_update` commits (`update.sent` first): checked, not yet stored."""
        import re

        from cockpit.comms import NAME_RE

        check_text(text, "the update")
        if not text.strip():
            raise EntryError("an update needs some text")
        if not re.match(NAME_RE, audience):
            raise EntryError(
                f"{audience!r} is not an audience name (lower-case letters, digits, - and _)"
            )
        now = self.now()
        if next_update_at is not None and next_update_at <= now:
            raise EntryError("the next update must be promised for a time after now")
        data: dict[str, object] = {"audience": audience, "template": template, "text": text}
        if next_update_at is not None:
            data["next_update_at"] = format_ts(next_update_at)
        event = self.store.new_event(
            incident_id, "update.sent", data, author=self.author, occurred_at=now, recorded_at=now
        )
        events = [event]
        if escalated_to:
            events.append(
                self.store.new_event(
                    incident_id,
                    "escalation.made",
                    {"to": escalated_to},
                    author=self.author,
                    occurred_at=now,
                    recorded_at=now,
                )
            )
        return events

    def publish_update(
        self, event: Event, publishers: Iterable[Publisher] | None = None
    ) -> list[Delivery]:
        """Hand a committed `update.sent` event to publishers (by default, the file
        publisher). Failures come back as Deliveries with ok=False; nothing raises, and the
        event stays recorded whatever happens here."""
        from cockpit.publish import SentUpdate, default_publishers, publish_all

        chosen = default_publishers() if publishers is None else list(publishers)
        return publish_all(SentUpdate.from_event(event), chosen)
