"""The core never imports Textual (or the widgets, screens or HTTP client).

Each check runs in a fresh interpreter, so what this test process has already imported
cannot hide or fake a leak.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

FORBIDDEN = ("textual", "widgets", "screens", "httpx")
CORE = (
    "cockpit.store",
    "cockpit.incident",
    "cockpit.entry",
    "cockpit.policy",
    "cockpit.runbook",
    "cockpit.service",
    "cockpit.cli",
    "cockpit.events",
    "cockpit.clock",
    "cockpit.config",
    "cockpit.text",
    "cockpit.timefmt",
    "cockpit.ulid",
    "cockpit.crash",
    "cockpit.tui",
)

REPORT = """
import json, sys
leaked = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {forbidden!r}
)
print("@@" + json.dumps(leaked))
"""


def run_python(code: str, cwd: Path) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Run `code` in a fresh interpreter; return the forbidden modules it had loaded."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("@@")]
    assert lines, f"no report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    return json.loads(lines[-1][2:]), result


def test_the_core_imports_without_textual(tmp_path: Path) -> None:
    code = "\n".join(f"import {name}" for name in CORE) + REPORT.format(forbidden=FORBIDDEN)
    leaked, result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert leaked == []


def test_the_check_itself_sees_textual(tmp_path: Path) -> None:
    # Guard against a check that can never fail: importing the TUI side must show up.
    code = "import textual.app\n" + REPORT.format(forbidden=FORBIDDEN)
    leaked, _ = run_python(code, tmp_path)
    assert "textual" in leaked


SETUP = """
import os, sys
from cockpit.clock import SystemClock
from cockpit.service import Cockpit
from cockpit.store import Store, default_path
from cockpit.incident import ref_for

store = Store(default_path(), SystemClock())
cockpit = Cockpit(store, SystemClock(), author="tester")
declared = cockpit.declare("Disk full on db-3", "SEV-1")
cockpit.log(declared.incident_id, "rolled back the disk cleanup job")
REF = ref_for(declared.incident_id)
store.close()
assert not any(m.split(".")[0] in {forbidden!r} for m in sys.modules), "setup leaked"
"""

RUN = """
import io, json
from contextlib import redirect_stdout
from cockpit.cli import main
results = []
for argv in {commands!r}:
    argv = [REF if arg == "REF" else arg for arg in argv]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(argv)
    leaked = sorted(n for n in sys.modules if n.split(".")[0] in {forbidden!r})
    results.append({{"argv": argv, "exit": code, "leaked": leaked}})
print("@@" + json.dumps(results))
"""

COMMANDS = [
    ["list"],
    ["list", "--all", "--json"],
    ["declare", "Checkout errors", "--severity", "2"],
    ["declare", "Checkout errors", "--json"],
    ["log", "REF", "!", "roll back"],
    ["log", "REF", "/sev", "2"],
    ["show", "REF"],
    ["show", "REF", "--json"],
    ["timeline", "REF"],
    ["timeline", "REF", "--jsonl"],
    ["events", "REF", "--jsonl"],
    ["search", "disk"],
    ["export", "REF", "--format", "md"],
    ["export", "REF", "--format", "csv"],
    ["policy", "list"],
    ["policy", "show"],
    ["show", "INC-NOPE00"],  # an error path, too
]


def test_cli_commands_do_not_import_textual(tmp_path: Path) -> None:
    # One interpreter runs the commands in turn; the first one that pulls in a forbidden
    # module is named (the ones after it would inherit the leak).
    code = SETUP.format(forbidden=FORBIDDEN) + RUN.format(commands=COMMANDS, forbidden=FORBIDDEN)
    results, result = run_python(textwrap.dedent(code), tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert [r["argv"][0] for r in results] == [argv[0] for argv in COMMANDS]
    for r in results:
        expected_exit = 1 if "INC-NOPE00" in r["argv"] else 0
        assert r["exit"] == expected_exit, (r, result.stderr)
        assert r["leaked"] == [], f"`cockpit {' '.join(r['argv'])}` imported {r['leaked']}"


def test_python_dash_m_cockpit_list_does_not_import_textual(tmp_path: Path) -> None:
    # The console script's own path: `python -m cockpit list`, checked at interpreter exit.
    code = textwrap.dedent(
        f"""
        import atexit, json, sys

        def report():
            leaked = sorted(n for n in sys.modules if n.split(".")[0] in {FORBIDDEN!r})
            sys.stdout.write("@@" + json.dumps(leaked) + "\\n")
            sys.stdout.flush()

        atexit.register(report)
        from cockpit.clock import SystemClock
        from cockpit.store import Store, default_path
        Store(default_path(), SystemClock()).close()  # `list` creates none at a given path
        sys.argv = ["cockpit", "list"]
        import runpy
        runpy.run_module("cockpit", run_name="__main__")
        """
    )
    leaked, result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No open incidents" in result.stdout
    assert leaked == []


# Reading needs no pydantic --------------------------------------------------------------
# The board's first frame only reads: loading pydantic and building the event models was
# most of what it spent beyond a bare Textual app. Validation is needed only to write an
# event or to load a policy or runbook file.

BOARD = """
import argparse, asyncio, json, sys
from cockpit import app as app_module
from cockpit.cli import _cockpit

{before}

async def run():
    app = app_module.make_app(_cockpit(argparse.Namespace(db=None, author=None)))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("IncidentTable")
        first = {{"rows": table.row_count, "pydantic": "pydantic" in sys.modules}}
        await app.workers.wait_for_complete()
        events = sys.modules.get("cockpit.events")
        ready = bool(events and events.Event.__pydantic_complete__)
    return {{**first, "writes_prepared": ready}}

print("@@" + json.dumps(asyncio.run(run())))
"""

NO_PREPARE = "app_module.CockpitApp._prepare_writes = lambda self: None"


def _declare_two(tmp_path: Path) -> None:
    from cockpit.clock import SystemClock
    from cockpit.service import Cockpit
    from cockpit.store import Store, default_path

    store = Store(default_path(), SystemClock())
    cockpit = Cockpit(store, SystemClock(), author="tester")
    incident = cockpit.declare("Checkout errors", "SEV-1").incident_id
    cockpit.log(incident, "/role ic @alice")
    cockpit.declare("Slow search", "SEV-3")
    store.close()


def test_the_boards_first_frame_loads_no_pydantic(tmp_path: Path) -> None:
    _declare_two(tmp_path)
    report, result = run_python(BOARD.format(before=NO_PREPARE), tmp_path)
    assert result.returncode == 0, result.stderr
    assert report["rows"] == 2
    assert report["pydantic"] is False


def test_the_app_prepares_writes_once_the_board_is_drawn(tmp_path: Path) -> None:
    # ... and, as a check that the one above can fail, pydantic is then loaded.
    _declare_two(tmp_path)
    report, result = run_python(BOARD.format(before=""), tmp_path)
    assert result.returncode == 0, result.stderr
    assert report["rows"] == 2
    assert report["writes_prepared"] is True


def test_reading_modules_import_without_pydantic(tmp_path: Path) -> None:
    code = (
        "import cockpit.incident, cockpit.policy, cockpit.runbook, cockpit.records, "
        "cockpit.service, cockpit.store, cockpit.app, screens.board\n"
        + REPORT.format(forbidden=("pydantic",))
    )
    leaked, result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert leaked == []
