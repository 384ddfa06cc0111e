"""Loading TOML data files, checked by pydantic models, with errors a person can act on.

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
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # loading a file needs pydantic; the rest of the cockpit does not
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


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
    from pydantic import ValidationError

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
        errors = exc.errors()
        # A misspelt key also makes its correct name "missing": report the misspelling.
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(error["loc"])
        message = describe(error, model)
        line = locate(text, loc, message)
        raise ConfigError(path, line, message) from None


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
    return f"{dotted}: {msg}" if dotted else msg


def _fields_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The field names a model expects at a location (through lists and nested models)."""
    from pydantic import BaseModel

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
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def locate(text: str, loc: Sequence[Any], message: str = "") -> int | None:
    """The best line for a pydantic error location in TOML text.

    Understands `[table]`, `[[array.of.tables]]` (nested ones counted per parent),
    `key = value` lines and arrays of inline tables spread over several lines: enough for
    the files the cockpit ships. Falls back to the nearest enclosing table's line, and for
    an error about the whole file, to the line holding a value the message quotes.
    """
    path = [str(p) for p in loc]
    lines = text.splitlines()
    counts: dict[tuple[str, ...], int] = {}
    table: list[str] = []
    best: tuple[int, int] = (0, 0)  # (matched parts, line)
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            names = [p.strip().strip("\"'") for p in header.group(2).split(".")]
            parent = _resolve(names[:-1], table)
            if header.group(1) == "[[":
                key = (*parent, names[-1])
                counts[key] = counts.get(key, -1) + 1
                table = [*parent, names[-1], str(counts[key])]
            else:
                table = [*parent, names[-1]]
            matched = _prefix_len(table, path)
            if matched == len(table) and matched > best[0]:
                best = (matched, number)
            continue
        key_match = _KEY.match(line)
        if not key_match:
            continue
        full = [*table, key_match.group(1).strip("\"'")]
        matched = _prefix_len(full, path)
        if matched != len(full) or matched <= best[0]:
            continue
        best = (matched, number)
        rest = path[matched:]
        if rest and rest[0].isdigit():
            inner = _inline_item(lines, number - 1, line.index("=") + 1, int(rest[0]), rest[1:])
            if inner is not None:
                best = (len(path), inner)
    if best[1]:
        return best[1]
    return _line_of_quoted_value(lines, message)


def _resolve(names: list[str], table: list[str]) -> list[str]:
    """The parent path of a header, with the array indexes of the current table."""
    out: list[str] = []
    j = 0
    for name in names:
        if j < len(table) and table[j] == name:
            out.append(name)
            j += 1
            if j < len(table) and table[j].isdigit():
                out.append(table[j])
                j += 1
        else:
            out.append(name)
            j = len(table)
    return out


def _inline_item(lines: list[str], row: int, col: int, index: int, rest: list[str]) -> int | None:
    """The line of item `index` of an array starting at (row, col), or of a key in it."""
    depth = 0
    seen = -1
    in_item = False
    for r in range(row, len(lines)):
        text = lines[r]
        start = col if r == row else 0
        c = start
        while c < len(text):
            ch = text[c]
            if ch == "#":
                break
            if ch in "[{":
                depth += 1
                if depth == 2:
                    seen += 1
                    if seen == index:
                        in_item = True
                        if not rest:
                            return r + 1
            elif ch in "]}":
                if depth == 2 and in_item:
                    return None
                depth -= 1
                if depth == 0:
                    return None
            elif in_item and rest and text.startswith(rest[0], c):
                after = text[c + len(rest[0]) :].lstrip()
                before = text[c - 1] if c else " "
                if after.startswith("=") and not (before.isalnum() or before == "_"):
                    return r + 1
            c += 1
    return None


def _line_of_quoted_value(lines: list[str], message: str) -> int | None:
    """For a whole-file error: the last line assigning a value the message quotes."""
    for value in re.findall(r"'([^']+)'|\"([^\"]+)\"", message):
        wanted = value[0] or value[1]
        hits = [
            n
            for n, line in enumerate(lines, start=1)
            if re.search(r"=\s*[\"']" + re.escape(wanted) + r"[\"']", line)
        ]
        if hits:
            return hits[-1]
    return None


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
    user_error: ConfigError | None = None
    if user.is_file():
        try:
            text = user.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            user_error = ConfigError(str(user), None, f"cannot be read ({reason})")
        else:
            try:
                return parse_model(text, model, str(user)), warnings
            except ConfigError as exc:
                user_error = exc
    try:
        text = shipped_text(name)
    except FileNotFoundError:
        if user_error is not None:
            raise user_error from None
        raise ConfigError(name, None, "no such file is shipped or configured") from None
    if user_error is not None:
        warnings.append(f"{user_error} (using the shipped {name})")
    return parse_model(text, model, f"cockpit/data/{name}"), warnings
