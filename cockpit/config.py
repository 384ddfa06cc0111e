"""Loading TOML data files into pydantic models, with errors a person can act on.

Shipped defaults live in `cockpit/data/`. A file of the same name in
`platformdirs.user_config_dir("cockpit")` (or `COCKPIT_CONFIG_DIR`) replaces the shipped one
whole. A broken user file is reported as `file:line: what was expected` and the shipped
default is used instead, so a typo never stops an incident from being run.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A data file that cannot be used; str() is `file:line: message`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


def config_dir() -> Path:
    override = os.environ.get("COCKPIT_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("cockpit"))


def shipped_text(name: str) -> str:
    return resources.files("cockpit").joinpath("data", name).read_text(encoding="utf-8")


def shipped_names(suffix: str = ".toml") -> list[str]:
    folder = resources.files("cockpit").joinpath("data")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(suffix))


def parse_model(text: str, model: type[M], path: str) -> M:
    """Parse TOML text into `model`, or raise ConfigError naming the line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ConfigError(path, line, f"not valid TOML: {message}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = locate(text, loc)
        raise ConfigError(path, line, describe(error, model)) from None


def describe(error: Any, model: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    dotted = ".".join(str(p) for p in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        message = f"{dotted}: unknown key"
        if hint:
            message += f"; did you mean {hint[0]!r}?"
        elif known:
            message += f"; expected one of {', '.join(sorted(known))}"
        return message
    if kind == "missing":
        return f"{dotted}: missing; this key is required"
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{dotted}: {msg}"


def _fields_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The field names a model expects at a location (through lists and nested models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def locate(text: str, loc: Sequence[Any]) -> int | None:
    """The best line for a pydantic error location in TOML text.

    Understands `[table]`, `[[array.of.tables]]` and `key = value` lines: enough for the
    files the cockpit ships. Falls back to the nearest enclosing table's line.
    """
    path = [str(p) for p in loc]
    counts: dict[str, int] = {}
    table: list[str] = []
    best: tuple[int, int] = (0, 0)  # (matched parts, line)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = [p.strip().strip("\"'") for p in header.group(2).split(".")]
            if header.group(1) == "[[":
                key = ".".join(name)
                counts[key] = counts.get(key, -1) + 1
                table = [*name[:-1], name[-1], str(counts[key])]
            else:
                table = name
            matched = _prefix_len(table, path)
            if matched == len(table) and matched > best[0]:
                best = (matched, number)
            continue
        key_match = _KEY.match(line)
        if key_match:
            full = [*table, key_match.group(1).strip("\"'")]
            matched = _prefix_len(full, path)
            if matched == len(full) and matched > best[0]:
                best = (matched, number)
    return best[1] or None


def _prefix_len(candidate: list[str], path: list[str]) -> int:
    n = 0
    for a, b in zip(candidate, path, strict=False):
        if a != b:
            break
        n += 1
    return n


def load_data(name: str, model: type[M]) -> tuple[M, list[str]]:
    """Load `name` (e.g. `sev.toml`): the user's file if it is good, else the shipped one.

    Returns the model and a list of warnings (a broken user file's error).
    """
    warnings: list[str] = []
    user = config_dir() / name
    if user.is_file():
        try:
            text = user.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(f"{user}: cannot be read ({exc}); using the shipped {name}")
        else:
            try:
                return parse_model(text, model, str(user)), warnings
            except ConfigError as exc:
                warnings.append(f"{exc} (using the shipped {name})")
    try:
        text = shipped_text(name)
    except FileNotFoundError:
        raise ConfigError(name, None, "no such file is shipped or configured") from None
    return parse_model(text, model, f"cockpit/data/{name}"), warnings
