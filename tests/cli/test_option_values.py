"""Every option that takes a value, on every command, refuses a missing value, `--`, an
empty word or another option in its place: one usage line naming the option and what it
expects, exit 1, nothing logged (issue 10, item 14: `declare t --at --` was an
"unexpected AttributeError", and `log REF x --at --` logged now, ignoring --at).

The options come from the real parser, so an option added later is covered too."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cockpit.argv import expected
from cockpit.cli import build_parser
from tests.cli.helpers import Run, db_rows, events, log_json, near, now_utc, ts

# Arguments a command needs before an option can be tried ({ref} is a declared incident).
BASE = {
    "declare": ["a title"],
    "log": ["{ref}", "a note"],
    "show": ["{ref}"],
    "timeline": ["{ref}"],
    "events": ["{ref}"],
    "export": ["{ref}"],
    "brief": ["{ref}"],
    "search": ["word"],
    "update": ["{ref}", "--template", "internal"],
}


def value_options() -> list[tuple[str, str, argparse.Action]]:
    """(command, option, action) for every option that takes exactly one value; the
    command is "" for the options given before any command."""
    parser = build_parser()
    found: list[tuple[str, str, argparse.Action]] = []
    commands: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands = dict(action.choices)
        elif action.option_strings and action.nargs is None:
            found += [("", name, action) for name in action.option_strings]
    for command, sub in commands.items():
        for action in sub._actions:
            if action.option_strings and action.nargs is None:
                found += [(command, name, action) for name in action.option_strings]
    return found


OPTIONS = value_options()


def test_the_parser_has_the_options_this_test_is_about() -> None:
    names = {(c, o) for c, o, _ in OPTIONS}
    for wanted in [
        ("", "--db"),
        ("", "--as"),
        ("declare", "--at"),
        ("declare", "--severity"),
        ("declare", "-s"),
        ("log", "--at"),
        ("log", "--db"),
        ("export", "--format"),
        ("export", "-o"),
        ("update", "--template"),
        ("update", "--audience"),
        ("update", "--text"),
        ("update", "--next"),
    ]:
        assert wanted in names


def argv_with(command: str, option: str, ref: str, *tail: str) -> list[str]:
    if not command:
        return [option, *tail] if tail else [option]
    base = [part.format(ref=ref) for part in BASE.get(command, [])]
    if command == "update" and option in ("--template", "-t"):
        base = base[:1]
    return [command, *base, option, *tail]


def count(db: Path) -> int:
    return int(db_rows(db, "SELECT count(*) FROM events")[0][0])


def refused(run: Run, db: Path, argv: list[str], option: str, action: argparse.Action) -> str:
    before = count(db)
    line = run(*argv).error_line(1)
    assert f"{option} needs a value: {expected(action)}" in line or (
        "needs a value" in line and any(s in line for s in action.option_strings)
    ), line
    assert "unexpected" not in line
    assert count(db) == before, "something was logged"
    return line


CASES = [(c, o, a) for c, o, a in OPTIONS if o not in ("-h", "--help")]
IDS = [f"{c or 'cockpit'} {o}" for c, o, _ in CASES]


@pytest.mark.parametrize(("command", "option", "action"), CASES, ids=IDS)
def test_a_missing_value_is_a_usage_error(
    run: Run, db: Path, ref: str, command: str, option: str, action: argparse.Action
) -> None:
    argv = argv_with(command, option, ref)
    refused(run, db, argv, option, action)


@pytest.mark.parametrize(("command", "option", "action"), CASES, ids=IDS)
def test_double_dash_as_the_value_is_a_usage_error(
    run: Run, db: Path, ref: str, command: str, option: str, action: argparse.Action
) -> None:
    after = ["list"] if not command else []
    line = refused(run, db, [*argv_with(command, option, ref, "--"), *after], option, action)
    assert "not '--'" in line
    # attached, the same (argparse would drop it and leave an empty list)
    attached = f"{option}=--" if option.startswith("--") else f"{option}--"
    argv = argv_with(command, attached, ref)
    line = refused(run, db, [*argv, *after], option, action)
    assert "not '--'" in line
    # and with more words after it
    refused(run, db, [*argv_with(command, option, ref, "--", "more"), *after], option, action)


@pytest.mark.parametrize(("command", "option", "action"), CASES, ids=IDS)
def test_another_option_as_the_value_is_a_usage_error(
    run: Run, db: Path, ref: str, command: str, option: str, action: argparse.Action
) -> None:
    other = "--db" if option == "--as" else "--as"
    after = ["list"] if not command else []
    line = refused(run, db, [*argv_with(command, option, ref, other, "x"), *after], option, action)
    assert f"not the option {other!r}" in line


# An empty --db is the database path's own check (another part of issue 10) to explain.
EMPTY = [(c, o, a) for c, o, a in CASES if "--db" not in a.option_strings]


@pytest.mark.parametrize(
    ("command", "option", "action"), EMPTY, ids=[f"{c or 'cockpit'} {o}" for c, o, _ in EMPTY]
)
def test_an_empty_value_is_a_usage_error(
    run: Run, db: Path, ref: str, command: str, option: str, action: argparse.Action
) -> None:
    after = ["list"] if not command else []
    line = refused(run, db, [*argv_with(command, option, ref, ""), *after], option, action)
    assert "not an empty word" in line


def test_log_at_double_dash_logs_nothing_and_says_so(run: Run, db: Path, ref: str) -> None:
    before = count(db)
    line = run("log", ref, "a note", "--at", "--").error_line(1)
    assert line.startswith("cockpit: error: --at needs a value: a time such as 15:23")
    assert "not '--'" in line
    line = run("log", ref, "a note", "--at", "").error_line(1)
    assert "--at needs a value" in line
    assert count(db) == before


def test_declare_at_double_dash_is_a_usage_error_not_a_crash(run: Run, db: Path) -> None:
    line = run("declare", "t", "--at", "--").error_line(1)
    assert line.startswith("cockpit: error: --at needs a value: a time such as 15:23")
    assert not db.exists() or count(db) == 0


def test_values_that_start_with_a_dash_still_work(run: Run, ref: str) -> None:
    for argv in (["--at", "-5m"], ["--at=-5m"]):
        event = log_json(ref, *argv, "backdated")
        assert near(ts(event["occurred_at"]), now_utc().replace(microsecond=0), 330)
    declared = run("declare", "t", "--at", "-2m", "--json").ok().json()
    assert declared["ref"].startswith("INC-")
    # a value that starts with -- is given attached
    dry = run("update", ref, "-t", "internal", "--text=--verbose", "--dry-run", "--json")
    assert dry.ok().json()["text"] == "--verbose"
    # after `--`, every word is text, `--at` too
    logged = run("log", ref, "--json", "--", "see", "--at", "--").ok().json()
    assert logged["data"]["text"] == "see --at --"
    assert [e["data"].get("text") for e in events(ref)][-1] == "see --at --"
