"""A really full disk (issue 10, item 9): a small tmpfs in a mount namespace of the test's
own (`unshare -rm`: no root needed where user namespaces are allowed, and CI runs as root),
filled to 100% and to nearly full. Both say the disk is full and that nothing was logged;
what was logged before stays, and stays readable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli import helpers
from tests.cli.helpers import COCKPIT

DRIVER = r"""
import json, os, subprocess, sys
folder, cockpit = sys.argv[1], sys.argv[2]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", folder], check=True)
os.environ["COCKPIT_DB"] = os.path.join(folder, "cockpit.db")
fill = os.path.join(folder, "fill")

def run(*args, stdin=None):
    p = subprocess.run([cockpit, *args], input=stdin, capture_output=True, text=True)
    return {"args": args[:2], "rc": p.returncode, "out": p.stdout, "err": p.stderr}

def fill_leaving(free):
    if os.path.exists(fill):
        os.unlink(fill)
    st = os.statvfs(folder)
    size = max(st.f_bavail * st.f_frsize - free, 0)
    fd = os.open(fill, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while size > 0:
            size -= os.write(fd, b"\0" * min(size, 1 << 16))
        while free == 0:  # to the last block
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # no space left on device: as meant
    os.close(fd)
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize

out = {}
out["declare"] = run("declare", "Disk full on db-3")
ref = out["declare"]["out"].strip()
out["before"] = run("log", ref, "logged before the disk filled")
out["free_at_full"] = fill_leaving(0)
out["full_log"] = run("log", ref, "at one hundred percent")
out["full_declare"] = run("declare", "another")
out["full_show"] = run("show", ref, "--json")
out["nearly_free"] = fill_leaving(96 * 1024)
big = "too big for what is left " * 20000  # 500 kB
out["nearly_log"] = run("log", ref, "-", stdin=big + "\n")
os.unlink(fill)
out["after"] = run("events", ref, "--jsonl")
print(json.dumps(out))
"""

FULL = "the disk is full; nothing was logged, and every entry logged before is safe"


def drive(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "disk"
    folder.mkdir()
    env = dict(os.environ)
    if helpers.PYCACHE is not None:
        env.setdefault("PYTHONPYCACHEPREFIX", str(helpers.PYCACHE))
    proc = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", DRIVER, str(folder), COCKPIT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"no full disk could be made here: {proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_a_full_disk_says_so_and_loses_nothing(tmp_path: Path) -> None:
    out = drive(tmp_path)
    assert out["declare"]["rc"] == 0 and out["before"]["rc"] == 0, out
    ref = out["declare"]["out"].strip()
    assert out["free_at_full"] == 0
    assert out["nearly_free"] > 0
    for step in ("full_log", "full_declare", "nearly_log"):
        result = out[step]
        lines = result["err"].splitlines()
        assert result["rc"] == 2, (step, result)
        assert len(lines) == 1 and lines[0].startswith("cockpit: error: "), (step, result)
        assert lines[0].endswith(FULL), (step, lines[0])
        assert "I/O error" not in lines[0]
        assert result["out"] == ""
    # reading needs no room: the full disk's incident still shows
    assert out["full_show"]["rc"] == 0, out["full_show"]
    assert json.loads(out["full_show"]["out"])["ref"] == ref
    # and once there is room again, the log holds exactly what was acknowledged
    assert out["after"]["rc"] == 0, out["after"]
    events = [json.loads(line) for line in out["after"]["out"].splitlines()]
    assert [e["data"].get("text") for e in events if e["kind"] == "entry.note"] == [
        "logged before the disk filled"
    ]
