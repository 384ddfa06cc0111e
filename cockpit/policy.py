"""Severity policies: levels, update cadence, response and resolution targets, roles.

A policy is data (`cockpit/data/NAME.toml`, overridable per user), checked against
`cockpit.schemas` as it is loaded. The declaration of an incident carries a copy of its
policy's levels and roles, so every machine folds it alike. The classes here are plain
dataclasses: reading an incident never needs pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from cockpit.config import ConfigError, config_dir, load_data, shipped_names
from cockpit.plain import as_json, build, positive
from cockpit.timefmt import duration_text

DEFAULT_POLICY = "sev"
RUNBOOK = "first-thirty.toml"
NOT_POLICIES = {RUNBOOK}
COLOURS = ("error", "warning", "accent", "success", "primary", "secondary")
AUDIENCE_KEY = r"^[a-z][a-z0-9_-]*$"
INTERNAL = "internal"


@dataclass(frozen=True)
class Escalation:
    """`after` this long (seconds) from the declaration, escalate `to` someone; `action`
    says how."""

    after: int
    to: str
    action: str = ""

    def __post_init__(self) -> None:
        positive(self, "after")

    @property
    def action_text(self) -> str:
        return self.action or f"escalate to {self.to}"


@dataclass(frozen=True)
class Audience:
    """Who gets updates at a level, the first one `first_update` in and then every
    `cadence` (seconds). `customer_facing_only`: owed only while the incident is
    customer-facing (the `customer_facing` context, `/customer yes`). The internal audience
    is the level's own `first_update` and `cadence`; `audiences` lists the others."""

    key: str
    label: str
    first_update: int
    cadence: int
    customer_facing_only: bool = False

    def __post_init__(self) -> None:
        positive(self, "first_update", "cadence")

    def rule_text(self) -> str:
        only = " (while customer-facing)" if self.customer_facing_only else ""
        return (
            f"{self.label}: first update {_minutes(self.first_update)}, "
            f"then every {_minutes(self.cadence)}{only}"
        )


@dataclass(frozen=True)
class Role:
    key: str
    label: str


@dataclass(frozen=True)
class Level:
    """A severity level. Durations are in seconds; None means "no such target"."""

    key: str
    label: str
    meaning: str = ""
    response: str = ""
    respond_within: int | None = None
    first_update: int | None = None
    cadence: int | None = None
    mitigate_within: int | None = None
    resolve_within: int | None = None
    resolve_note: str = ""
    escalation: list[Escalation] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    colour: str = "accent"

    def __post_init__(self) -> None:
        positive(
            self, "respond_within", "first_update", "cadence", "mitigate_within", "resolve_within"
        )
        if self.cadence is not None and self.first_update is None:
            raise ValueError(f"{self.key}: a level with a cadence needs a first_update")

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


@dataclass(frozen=True)
class Policy:
    """Severity levels and roles, as checked from a file (`cockpit.schemas.Policy`)."""

    name: str
    label: str = ""
    default_level: str | None = None
    roles: list[Role] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.levels or not self.roles:
            raise ValueError(f"policy {self.name!r}: needs levels and roles")

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
            "levels": [as_json(level) for level in self.levels],
            "roles": [as_json(role) for role in self.roles],
        }

    @classmethod
    def from_copy(cls, data: Mapping[str, Any]) -> Policy:
        """Rebuild a policy from a declaration's copy (checked when it was declared)."""
        roles = data.get("roles") or [{"key": "ic", "label": "Incident commander"}]
        return build(cls, {"name": data["name"], "roles": roles, "levels": data["levels"]})


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
    from cockpit import schemas

    checked, warnings = load_data(name + ".toml", schemas.Policy)
    return build(Policy, checked.model_dump()), warnings


def seconds(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)
