"""Severity policies: levels, update cadence, response and resolution targets, roles.

A policy is data (`cockpit/data/NAME.toml`, overridable per user). The declaration of an
incident carries a copy of its policy's levels and roles, so every machine folds it alike.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from cockpit.config import ConfigError, config_dir, load_data, shipped_names
from cockpit.timefmt import duration_text, parse_duration

DEFAULT_POLICY = "sev"
RUNBOOK = "first-thirty.toml"
NOT_POLICIES = {RUNBOOK}


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

COLOURS = ("error", "warning", "accent", "success", "primary", "secondary")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Escalation(Strict):
    """`after` this long from the declaration, escalate `to` someone; `action` says how."""

    after: Seconds
    to: str = Field(min_length=1)
    action: str = ""

    @property
    def action_text(self) -> str:
        return self.action or f"escalate to {self.to}"


AUDIENCE_KEY = r"^[a-z][a-z0-9_-]*$"
INTERNAL = "internal"


class Audience(Strict):
    """Who gets updates at a level, the first one `first_update` in and then every
    `cadence`. `customer_facing_only`: owed only while the incident is customer-facing
    (the `customer_facing` context, `/customer yes`). The internal audience is the level's
    own `first_update` and `cadence`; `audiences` lists the others."""

    key: str = Field(min_length=1, pattern=AUDIENCE_KEY)
    label: str = Field(min_length=1)
    first_update: Seconds
    cadence: Seconds
    customer_facing_only: bool = False

    def rule_text(self) -> str:
        only = " (while customer-facing)" if self.customer_facing_only else ""
        return (
            f"{self.label}: first update {_minutes(self.first_update)}, "
            f"then every {_minutes(self.cadence)}{only}"
        )


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
        if self.cadence is not None and self.first_update is None:
            raise ValueError(f"{self.key}: a level with a cadence needs a first_update")
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

    def update_audiences(self, customer_facing: bool = True) -> list[Audience]:
        """Every audience owed updates at this level, internal first. Audiences marked
        `customer_facing_only` are left out unless `customer_facing`."""
        internal = self._internal
        out = [internal] if internal is not None else []
        out.extend(a for a in self.audiences if customer_facing or not a.customer_facing_only)
        return out

    @cached_property
    def _internal(self) -> Audience | None:
        """The internal audience, from the level's own first update and cadence (built
        once: the fold asks for it at every update sent)."""
        if self.cadence is None or self.first_update is None:
            return None
        return Audience(
            key=INTERNAL, label="Internal", first_update=self.first_update, cadence=self.cadence
        )

    def audience(self, key: str) -> Audience | None:
        for audience in self.update_audiences():
            if audience.key == key:
                return audience
        return None

    @property
    def has_updates(self) -> bool:
        return self.cadence is not None

    def rule_text(self) -> str:
        """`SEV-1: first update 10 min, then every 15 min` or `SEV-4: no updates required`."""
        if self.cadence is None:
            return f"{self.key}: no updates required"
        assert self.first_update is not None
        return (
            f"{self.key}: first update {_minutes(self.first_update)}, "
            f"then every {_minutes(self.cadence)}"
        )


def _minutes(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return duration_text(seconds)


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

    @property
    def default(self) -> str:
        return self.default_level or self.levels[len(self.levels) // 2].key

    def level(self, key: str) -> Level:
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    def find_level(self, text: str) -> Level | None:
        """A level from what a person typed: `SEV-1`, `sev1`, `1`, `p0`, `P0`."""
        wanted = text.strip().upper().replace("_", "-")
        compact = wanted.replace("-", "")
        for level in self.levels:
            if level.key.upper() == wanted or level.key.upper().replace("-", "") == compact:
                return level
        if wanted.isascii() and wanted.isdigit():
            for level in self.levels:
                digits = "".join(ch for ch in level.key if ch in "0123456789")
                if digits and int(digits) == int(wanted):
                    return level
            index = int(wanted) - 1
            if 0 <= index < len(self.levels):
                return self.levels[index]
        return None

    def audience_labels(self) -> dict[str, str]:
        """Every audience any level names, key -> label, internal first."""
        out = {INTERNAL: "Internal"}
        for level in self.levels:
            for audience in level.audiences:
                out.setdefault(audience.key, audience.label)
        return out

    def find_audience(self, text: str) -> str | None:
        """An audience key from what a person typed: `executive`, `exec`, `Status`."""
        wanted = text.strip().lower()
        keys = list(self.audience_labels())
        if wanted in keys:
            return wanted
        found = [k for k in keys if k.startswith(wanted)] if wanted else []
        return found[0] if len(found) == 1 else None

    def copy_for_event(self) -> dict[str, Any]:
        """What a declaration carries: the name, the levels and the roles."""
        return {
            "name": self.name,
            "levels": [level.model_dump(mode="json") for level in self.levels],
            "roles": [role.model_dump(mode="json") for role in self.roles],
        }

    @classmethod
    def from_copy(cls, data: dict[str, Any]) -> Policy:
        """Rebuild a policy from a declaration's copy."""
        roles = data.get("roles") or [{"key": "ic", "label": "Incident commander"}]
        return cls.model_validate({"name": data["name"], "roles": roles, "levels": data["levels"]})


def policy_names() -> list[str]:
    names = {n[:-5] for n in shipped_names() if n not in NOT_POLICIES}
    user = config_dir()
    if user.is_dir():
        names.update(
            p.stem for p in user.glob("*.toml") if p.name not in NOT_POLICIES and _is_policy(p)
        )
    return sorted(names)


def _is_policy(path: Any) -> bool:
    try:
        return "levels" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def load_policy(name: str) -> tuple[Policy, list[str]]:
    """The named policy (the user's file replaces the shipped one) and any warnings."""
    if not name or "/" in name or name.startswith(".") or name + ".toml" in NOT_POLICIES:
        raise ConfigError(name, None, "not a policy name")
    if name not in policy_names():
        import difflib

        hint = difflib.get_close_matches(name, policy_names(), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ConfigError(name, None, f"no such policy (known: {', '.join(policy_names())}){extra}")
    return load_data(name + ".toml", Policy)


def seconds(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)
