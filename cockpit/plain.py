"""Plain frozen dataclasses from their JSON form, checked without pydantic.

Policies and runbooks reach the fold either from a file (checked in full by
`cockpit.schemas`) or from the copy an incident's declaration carries. A copy may come
from another cockpit or a damaged database, so `build` checks each field's type against
the dataclass's annotations and the classes check what their methods rely on
(`__post_init__`); what is wrong raises ValueError, which the fold reports as a warning
rather than letting one bad incident stop the board.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar, cast

T = TypeVar("T")
Check = Callable[[Any, str], Any]


def build(cls: type[T], data: Any) -> T:
    """`cls` from its JSON form. Keys the class does not know are left out (a newer
    cockpit's additions) and missing ones take their defaults; a value of the wrong type,
    or a missing required key, raises ValueError naming it."""
    name = cls.__name__
    if not isinstance(data, Mapping):
        raise ValueError(f"{name}: expected a table, not {type(data).__name__}")
    checks = _checks(cls)
    values = {
        key: checks[key](value, f"{name}.{key}") for key, value in data.items() if key in checks
    }
    try:
        return cls(**values)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{name}: {exc}") from None


def as_json(obj: Any) -> dict[str, Any]:
    """The JSON form `build` reads back."""
    return asdict(obj)


def positive(obj: Any, *names: str) -> None:
    """For `__post_init__`: each of these fields is None or a number of seconds > 0."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and value <= 0:
            raise ValueError(f"{type(obj).__name__}.{name}: expected seconds > 0, not {value}")


_CHECKS: dict[type[Any], dict[str, Check]] = {}


def _checks(cls: type[Any]) -> dict[str, Check]:
    found = _CHECKS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cast(Any, cls))
        found = _CHECKS[cls] = {f.name: _check_for(hints[f.name]) for f in fields}
    return found


def _check_for(hint: Any) -> Check:
    if hint in (str, int, bool):
        return _scalar(hint)
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _check_for(next(a for a in args if a is not type(None)))
        return lambda value, where: None if value is None else inner(value, where)
    if origin is list and len(args) == 1:
        item = args[0]
        each: Check = (
            (lambda value, where: build(cast(type[Any], item), value))
            if dataclasses.is_dataclass(item)
            else _check_for(item)
        )

        def check_list(value: Any, where: str) -> list[Any]:
            if not isinstance(value, list):
                raise ValueError(f"{where}: expected a list, not {type(value).__name__}")
            return [each(v, f"{where}[{i}]") for i, v in enumerate(value)]

        return check_list
    raise TypeError(f"no check for {hint!r}")  # a new kind of field: teach this module


def _scalar(kind: type[Any]) -> Check:
    def check(value: Any, where: str) -> Any:
        # bool is an int in Python, but not in a policy
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{where}: expected {kind.__name__}, not {value!r}")
        return value

    return check
