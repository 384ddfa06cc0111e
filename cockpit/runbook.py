"""Runbooks: checklists grouped into time-boxed phases (the first thirty minutes)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.config import load_data
from cockpit.policy import Seconds

FIRST_THIRTY = "first-thirty.toml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(Strict):
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    start: int = 0
    end: Seconds

    @model_validator(mode="before")
    @classmethod
    def _durations(cls, values: object) -> object:
        if isinstance(values, dict) and isinstance(values.get("start"), str):
            from cockpit.timefmt import parse_duration

            try:
                values = {**values, "start": int(parse_duration(values["start"]).total_seconds())}
            except ValueError as exc:
                raise ValueError(f"start: {exc}") from None
        return values


DONE_WHEN = re.compile(
    r"^(role:[a-z][a-z0-9_-]*|update:[a-z][a-z0-9_-]*|context:[a-z_]+|promise|severity)$"
)


class Item(Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    phase: str
    title: str = Field(min_length=1)
    due: Seconds
    # Events that tick the item by themselves: "role:ic" (the role is filled),
    # "update:internal" (an update went to that audience), "context:bridge" (a bridge link
    # was set), "promise" (a next update was promised), "severity" (the severity was set).
    # A /check or /uncheck overrides them.
    done_when: list[str] = Field(default_factory=list)

    @field_validator("done_when")
    @classmethod
    def _done_when(cls, values: list[str]) -> list[str]:
        for value in values:
            if not DONE_WHEN.match(value):
                raise ValueError(
                    f"{value!r}: expected role:KEY, update:AUDIENCE, context:KEY, promise "
                    "or severity"
                )
        return values


class Runbook(Strict):
    name: str
    label: str = ""
    phases: list[Phase] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Runbook:
        phases = {p.key for p in self.phases}
        seen: set[str] = set()
        for item in self.items:
            if item.phase not in phases:
                raise ValueError(f"item {item.id!r}: phase {item.phase!r} is not one of {phases}")
            if item.id in seen:
                raise ValueError(f"item id {item.id!r} is repeated; ids must be unique")
            seen.add(item.id)
        return self

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


def load_runbook(name: str = FIRST_THIRTY) -> tuple[Runbook, list[str]]:
    return load_data(name, Runbook)
