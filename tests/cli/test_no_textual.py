"""Subcommands that do not need the screen never import Textual (nor the HTTP client):
they start faster, and work where the TUI's dependencies would not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from cockpit.cli import main

    codes = []
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        codes.append(main(["declare", "x", "--json"]))
        ref = json.loads(out.getvalue())["ref"]
        for argv in (
            ["log", ref, "! roll back"],
            ["log", ref, "/sev 1"],
            ["list"], ["list", "--json"], ["show", ref], ["show", ref, "--json"],
            ["timeline", ref], ["timeline", ref, "--json"], ["events", ref],
            ["search", "roll"], ["export", ref], ["export", ref, "-f", "csv"],
            ["policy"], ["policy", "show"], ["show", "INC-ZZZZZZ"],
        ):
            codes.append(main(argv))
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "httpx"))
    print(json.dumps({"codes": codes, "leaked": leaked}))
    """
)


def test_subcommands_never_import_textual() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["codes"] == [0] * 15 + [1]  # the unknown ref at the end fails, as it should
    assert report["leaked"] == []
