"""Option values on the command line, checked before argparse sees them.

argparse has two holes for an option that takes a value (`--at TIME`):
- a value starting with `-` (`--at -5m`) is taken for an option, so `--at -5m` would be an
  error: it is joined here into `--at=-5m`;
- `--` as the value (`--at --`, `--at=--`) is silently dropped, leaving an empty list where
  a string was expected (an "unexpected AttributeError", or `--at` quietly ignored).
So every option that takes a value is checked here, whatever the command: a missing value,
an empty one, `--`, or another option in its place is a usage error naming the option and
what it expects. To give a value that starts with `--`, attach it: `--text=--verbose`.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence

# What a value is expected to be, by the option's metavar (a CLI-wide convention).
EXPECTED = {
    "TIME": "a time such as 15:23, 15:23:10, -5m or 2026-03-04T15:23Z",
    "LEVEL": "a severity level such as SEV-1 or 1",
    "PATH": "a database file",
    "HANDLE": "a handle such as alice",
    "NAME": "a name",
    "A": "an audience such as internal or executive",
    "TEXT": "the text (- reads it from standard input)",
    "WHEN": "a duration or a clock time such as 30m or 15:40",
    "FILE": "a file name",
}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {name: action for action in parser._actions for name in action.option_strings}


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _takes_value(action: argparse.Action | None) -> bool:
    return action is not None and action.nargs is None and bool(action.option_strings)


def _long_name(action: argparse.Action) -> str:
    longs = [s for s in action.option_strings if s.startswith("--")]
    return longs[0] if longs else action.option_strings[0]


def expected(action: argparse.Action) -> str:
    """What the option's value should be, in words."""
    if action.choices is not None:
        return "one of " + ", ".join(str(c) for c in action.choices)
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return EXPECTED.get(metavar, f"a {metavar}")


def _match(
    options: dict[str, argparse.Action], word: str
) -> tuple[argparse.Action | None, str, str | None]:
    """The option a word names (as argparse would read it), its name, and a value given in
    the same word (`--at=5m`, `-s1`), if any."""
    if word in options:
        return options[word], word, None
    if word.startswith("--"):
        name, eq, value = word.partition("=")
        if name in options:
            return options[name], name, value if eq else None
        found = {a for s, a in options.items() if s.startswith("--") and s.startswith(name)}
        if len(found) == 1:  # argparse takes a unique abbreviation (`--sev`)
            action = found.pop()
            return action, _long_name(action), value if eq else None
        return None, name, None
    if word.startswith("-") and len(word) > 2 and word[:2] in options:
        return options[word[:2]], word[:2], word[2:].removeprefix("=")
    return None, word, None


def _looks_like_option(options: dict[str, argparse.Action], word: str) -> bool:
    return word.startswith("--") or (word.startswith("-") and _match(options, word)[0] is not None)


def check_option_values(
    parser: argparse.ArgumentParser, argv: Sequence[str], *, empty_ok: Collection[str] = ()
) -> list[str]:
    """`argv` with `--opt -value` joined as `--opt=-value`; a usage error (the parser's own
    `error`, naming the option) for a value-taking option with no usable value.

    `empty_ok` names options whose empty value is left to the command to judge.
    """
    out: list[str] = []
    current = parser
    options = _options(parser)
    commands = _commands(parser)
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":  # every word after it is a positional, as argparse reads them
            out.extend(argv[i:])
            break
        action, name, attached = _match(options, word)
        if not word.startswith("-") or word == "-":
            if current is parser and word in commands:
                current = commands[word]
                options = _options(current)
            out.append(word)
            i += 1
            continue
        if action is None or not _takes_value(action):
            out.append(word)
            i += 1
            continue
        shown = name if name in action.option_strings else _long_name(action)
        want = f"{shown} needs a value: {expected(action)}"
        if attached is not None:
            value = attached
            step = 1
        elif i + 1 < len(argv):
            value = argv[i + 1]
            step = 2
        else:
            current.error(want)
        if value == "--":
            current.error(f"{want}, not '--'")
        if value == "" and shown not in empty_ok and _long_name(action) not in empty_ok:
            current.error(f"{want}, not an empty word")
        if step == 2 and value != "-" and _looks_like_option(options, value):
            current.error(
                f"{want}, not the option {value!r} (to give {value!r} itself, "
                f"write {_long_name(action)}={value})"
            )
        if step == 1:
            out.append(word)
        elif value.startswith("-"):
            out.append(f"{_long_name(action)}={value}")  # `--at -5m`: argparse needs `=`
        else:
            out.extend([word, value])
        i += step
    return out


def check_parsed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """After parsing: an option that takes one value must hold a string. (argparse drops a
    `--` given as the value in a form the check above cannot see, such as `-s--`, and leaves
    an empty list.)"""
    parsers = [parser]
    command = getattr(args, "command", None)
    if command is not None and command in _commands(parser):
        parsers.append(_commands(parser)[command])
    for each in parsers:
        for action in each._actions:
            if _takes_value(action) and isinstance(getattr(args, action.dest, None), list):
                each.error(f"{_long_name(action)} needs a value: {expected(action)}, not '--'")
