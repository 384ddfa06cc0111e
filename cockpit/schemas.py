"""What a policy or runbook file must hold: the pydantic models that check a TOML file
(types, limits, keys that must be unique, "did you mean" for a misspelt key) before the
cockpit uses it.

Only loading a file needs these. The cockpit works with the plain dataclasses of
`cockpit.policy` and `cockpit.runbook`, built from a checked file or from the copy an
incident's declaration carries, so reading and drawing incidents never loads pydantic.
Each model here has the same fields as its dataclass (a test keeps them in step).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from cockpit import policy, runbook
from cockpit.plain import build
from cockpit.policy import AUDIENCE_KEY, COLOURS, INTERNAL
from cockpit.timefmt import parse_duration


def _seconds(value: Any) -> Any:
    if isinstance(value, str):
        if value.strip().lower() in ("", "none", "never"):
            return None
        try:
            return int(parse_duration(value).total_seconds())
        except ValueError as exc:
            raise ValueError(f'expected a duration like "15m", "1h" or "1h30m": {exc}') from None
    if isinstance(value, bool):
        raise ValueError('expected a duration like "15m"')
    return value


Seconds = Annotated[int, BeforeValidator(_seconds), Field(gt=0)]
OptSeconds = Annotated[Annotated[int, Field(gt=0)] | None, BeforeValidator(_seconds)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _holds(cls: type[Any], checked: BaseModel) -> None:
    """The rules the cockpit's own class keeps (its `__post_init__`, which also guards a
    declaration's copy), applied to a file: each rule is written once."""
    build(cls, checked.model_dump())


# policies ------------------------------------------------------------------------------
class Escalation(Strict):
    after: Seconds
    to: str = Field(min_length=1)
    action: str = ""


class Audience(Strict):
    key: str = Field(min_length=1, pattern=AUDIENCE_KEY)
    label: str = Field(min_length=1)
    first_update: Seconds
    cadence: Seconds
    customer_facing_only: bool = False


class Role(Strict):
    key: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_-]*$")
    label: str = Field(min_length=1)


class Level(Strict):
    key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    label: str = Field(min_length=1)
    meaning: str = ""
    response: str = ""
    respond_within: OptSeconds = None
    first_update: OptSeconds = None
    cadence: OptSeconds = None
    mitigate_within: OptSeconds = None
    resolve_within: OptSeconds = None
    resolve_note: str = ""
    escalation: list[Escalation] = Field(default_factory=list)
    audiences: list[Audience] = Field(default_factory=list)
    colour: str = "accent"

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if value not in COLOURS:
            raise ValueError(f"expected one of {', '.join(COLOURS)}")
        return value

    @model_validator(mode="after")
    def _first_update(self) -> Level:
        _holds(policy.Level, self)  # a cadence needs a first update
        keys = [a.key for a in self.audiences]
        if INTERNAL in keys:
            raise ValueError(
                f"{self.key}: the internal audience is the level's first_update and cadence; "
                "list only the other audiences"
            )
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"{self.key}: audience keys must be unique; repeated: {dupes}")
        return self


class Policy(Strict):
    name: str = Field(min_length=1)
    label: str = ""
    default_level: str | None = None
    roles: list[Role] = Field(min_length=1)
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        keys = [level.key for level in self.levels]
        dupes = {k for k in keys if keys.count(k) > 1}
        if dupes:
            repeated = ", ".join(repr(k) for k in sorted(dupes))
            raise ValueError(f"level keys must be unique; repeated: {repeated}")
        roles = [role.key for role in self.roles]
        if "ic" not in roles:
            raise ValueError('roles must include "ic" (the incident commander)')
        if self.default_level is not None and self.default_level not in keys:
            raise ValueError(f"default_level {self.default_level!r} is not one of {keys}")
        return self


# runbooks ------------------------------------------------------------------------------
class Phase(Strict):
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    start: int = 0
    end: Seconds

    @model_validator(mode="before")
    @classmethod
    def _durations(cls, values: object) -> object:
        if isinstance(values, dict) and isinstance(values.get("start"), str):
            try:
                values = {**values, "start": int(parse_duration(values["start"]).total_seconds())}
            except ValueError as exc:
                raise ValueError(f"start: {exc}") from None
        return values

    @model_validator(mode="after")
    def _in_order(self) -> Phase:
        _holds(runbook.Phase, self)  # it starts before it ends
        return self


DONE_WHEN = re.compile(
    r"^(role:[a-z][a-z0-9_-]*|update:[a-z][a-z0-9_-]*|context:[a-z_]+|promise|severity)$"
)


class Item(Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    phase: str
    title: str = Field(min_length=1)
    due: Seconds
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
        _holds(runbook.Runbook, self)  # every item is in one of the phases
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"item id {item.id!r} is repeated; ids must be unique")
            seen.add(item.id)
        return self
