"""Events as the store hands them back: light, already-validated records, and the names
every reader needs (kinds, statuses, milestones).

Nothing here imports pydantic: the board, the fold and the screens read incidents through
`Rec`s, and only writing an event (`cockpit.events.Event`) needs validation. The first
frame therefore never waits for pydantic to load.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cockpit.timefmt import format_ts, from_us, parse_ts

if TYPE_CHECKING:
    from cockpit.events import Event

CONTEXT_KEYS = ("bridge", "channel", "ticket", "services", "customer_facing")
STATUSES = ("investigating", "identified", "monitoring", "mitigated", "resolved", "closed")
MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved")
ENTRY_KINDS = frozenset(
    ("entry.note", "entry.decision", "entry.hypothesis", "entry.action", "entry.todo")
)


class Rec:
    """A light, already-validated event: what the store hands the fold.

    Times are kept as integer microseconds (cheap to load and sort) and turned into
    datetimes on demand. The payload stays a JSON string until something reads `data`, and
    an entry's text comes from its own column, so loading 100k events decodes little.
    Treat a Rec as immutable.
    """

    __slots__ = (
        "_data",
        "_raw",
        "author",
        "id",
        "incident_id",
        "kind",
        "occurred_us",
        "origin",
        "recorded_us",
        "text",
    )

    def __init__(
        self,
        id: str,
        incident_id: str,
        kind: str,
        occurred_us: int,
        recorded_us: int,
        author: str,
        origin: str,
        data: dict[str, Any] | None = None,
        raw: str | None = None,
        text: str | None = None,
    ) -> None:
        self.id = id
        self.incident_id = incident_id
        self.kind = kind
        self.occurred_us = occurred_us
        self.recorded_us = recorded_us
        self.author = author
        self.origin = origin
        self._data = data
        self._raw = raw
        self.text = text

    @property
    def occurred_at(self) -> datetime:
        return from_us(self.occurred_us)

    @property
    def recorded_at(self) -> datetime:
        return from_us(self.recorded_us)

    @property
    def data(self) -> dict[str, Any]:
        """The payload in its JSON form (times as RFC 3339 strings)."""
        if self._data is None:
            if self._raw:
                self._data = json.loads(self._raw)
            elif self.text is not None and self.kind in ENTRY_KINDS:
                # Loaded without its JSON: an entry's payload follows from its text.
                from cockpit.entry import mentions

                self._data = {"text": self.text, "mentions": mentions(self.text)}
            else:
                self._data = {}
        return self._data

    def entry_text(self) -> str:
        if self.text is not None:
            return self.text
        value = self.data.get("text", "")
        return value if isinstance(value, str) else ""

    def __repr__(self) -> str:
        return f"Rec({self.kind} {self.id} at {format_ts(self.occurred_at)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rec):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.id)

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
        from cockpit.events import validate_event

        return validate_event(self.to_json())


def short_id(event_id: str) -> str:
    """How the screen names an entry: the last six characters of its ULID. (Events made
    in the same millisecond share their leading random characters; ids made then differ
    at the end.)"""
    return event_id[-6:]


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
