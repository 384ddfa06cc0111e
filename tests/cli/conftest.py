"""CLI tests run the real `cockpit` console script as a subprocess, with the environment the
root conftest pins (HOME, XDG folders, COCKPIT_DB under tmp_path, COCKPIT_USER, TZ)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli import helpers
from tests.cli.helpers import REF_RE, Run, declare_in_process, run_cockpit


@pytest.fixture(scope="session", autouse=True)
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    helpers.PYCACHE = tmp_path_factory.getbasetemp() / "pycache"


@pytest.fixture
def run() -> Run:
    """`run("declare", "x")` runs the real console script; returns a Result."""
    return run_cockpit


@pytest.fixture
def db(isolated: Path) -> Path:
    """The database file the CLI uses (COCKPIT_DB)."""
    return Path(os.environ["COCKPIT_DB"])


@pytest.fixture
def declare(run: Run) -> Callable[..., str]:
    """Declare an incident through the CLI; returns its ref."""

    def _declare(title: str = "Checkout errors", *options: str) -> str:
        result = run("declare", title, *options).ok()
        ref = result.stdout.strip()
        assert REF_RE.match(ref), result.stdout
        return ref

    return _declare


@pytest.fixture
def ref(isolated: Path) -> str:
    """A freshly declared SEV-2 incident (the sev policy's default level)."""
    return declare_in_process()
