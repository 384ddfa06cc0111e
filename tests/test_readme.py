"""The README is a contract: its JSON examples match real output, and every subcommand and
grammar command it should document is there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import COMMANDS as CLI_COMMANDS
from cockpit.entry import COMMANDS as ENTRY_COMMANDS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
COCKPIT = str(Path(sys.executable).parent / "cockpit")


def examples() -> dict[str, Any]:
    found = re.findall(r"<!-- json: (\w+) -->\s*```json\n(.*?)```", README, re.S)
    return {name: json.loads(body) for name, body in found}


def shape(value: Any) -> Any:
    """Keys and types, recursively (first item of lists), ignoring None vs a value."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    return type(value).__name__


def same_shape(example: Any, real: Any, path: str = "$") -> None:
    if isinstance(example, dict):
        assert isinstance(real, dict), path
        assert set(example) == set(real), f"{path}: README {sorted(example)} != {sorted(real)}"
        for key in example:
            same_shape(example[key], real[key], f"{path}.{key}")
    elif isinstance(example, list):
        assert isinstance(real, list), path
        if example and real:
            same_shape(example[0], real[0], f"{path}[0]")
    elif example is not None and real is not None:
        assert type(example) is type(real), f"{path}: {example!r} vs {real!r}"


def run(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [COCKPIT, *args],
        capture_output=True,
        text=True,
        env=os.environ,
        input=stdin,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def real() -> dict[str, Any]:
    declared = json.loads(
        run("declare", "Checkout returns 500s", "--severity", "1", "--at", "-6m", "--json")
    )
    ref = declared["ref"]
    logged = json.loads(run("log", ref, "@-4m ? connection pool exhausted", "--json"))
    run("log", ref, "/role ic @alice")
    run("log", ref, "/check classify")
    return {
        "declare": declared,
        "log": logged,
        "list": json.loads(run("list", "--json")),
        "show": json.loads(run("show", ref, "--json")),
        "timeline": [
            i for i in json.loads(run("timeline", ref, "--json")) if i["kind"] == "entry.hypothesis"
        ],
        "search": json.loads(run("search", "pool", "--json")),
        "policy": json.loads(run("policy", "list", "--json")),
        "update": json.loads(run("update", ref, "--template", "internal", "--json")),
        "brief": json.loads(run("brief", ref, "--json")),
        "doctor": json.loads(run("doctor", "--json")),
    }


def test_every_json_example_matches_real_output(real):
    found = examples()
    assert set(found) == set(real), "README needs one JSON example per command"
    for name, example in found.items():
        same_shape(example, real[name], name)


def test_every_subcommand_is_documented():
    for name in CLI_COMMANDS:
        assert f"cockpit {name}" in README


def test_every_grammar_command_is_documented():
    for name in ENTRY_COMMANDS:
        assert f"`/{name}" in README or f", `/{name}" in README, name


def test_set_up_commands_match_ci():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in README and "pip install -q -e '.[test]'" in ci
    assert ".venv/bin/python -m pytest -q" in README and ".venv/bin/python -m pytest -q" in ci
