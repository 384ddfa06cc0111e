"""Runbooks: checklists grouped into time-boxed phases (the first thirty minutes).

A runbook is data (`cockpit/data/first-thirty.toml`, overridable per user), checked against
`cockpit.schemas` as it is loaded. An incident's declaration carries a copy, so its
checklist stays the one it was declared with and every machine folds it alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.config import load_data
from cockpit.plain import as_json, build, positive

FIRST_THIRTY = "first-thirty.toml"


@dataclass(frozen=True)
class Phase:
    """From `start` to `end` seconds after the declaration."""

    key: str
    label: str
    start: int = 0
    end: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"phase {self.key!r}: start must be before end")


@dataclass(frozen=True)
class Item:
    id: str
    phase: str
    title: str
    due: int  # seconds after the declaration
    # Events that tick the item by themselves: "role:ic" (the role is filled),
    # "update:internal" (an update went to that audience), "context:bridge" (a bridge link
    # was set), "promise" (a next update was promised), "severity" (the severity was set).
    # A /check or /uncheck overrides them.
    done_when: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        positive(self, "due")


@dataclass(frozen=True)
class Runbook:
    name: str
    label: str = ""
    phases: list[Phase] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def __post_init__(self) -> None:
        phases = {p.key for p in self.phases}
        for item in self.items:
            if item.phase not in phases:
                raise ValueError(f"item {item.id!r}: phase {item.phase!r} is not one of {phases}")

    def item(self, item_id: str) -> Item | None:
        for item in self.items:
            if item.id == item_id:
                return item
        return None

    def phase(self, key: str) -> Phase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(key)

    def copy_for_event(self) -> dict[str, Any]:
        """What a declaration carries."""
        return as_json(self)

    @classmethod
    def from_copy(cls, data: Mapping[str, Any]) -> Runbook:
        """Rebuild a runbook from a declaration's copy (checked when it was declared)."""
        return build(cls, data)


def load_runbook(name: str = FIRST_THIRTY) -> tuple[Runbook, list[str]]:
    from cockpit import schemas

    checked, warnings = load_data(name, schemas.Runbook)
    return build(Runbook, checked.model_dump()), warnings
