"""`TZ` that names no time zone (issue 10, item 17): the cockpit says so once per command,
on stderr, naming the zone it uses instead, and goes on; the zone it names is the zone it
really uses (the one a declaration records). A good TZ, in any form the C library takes
for a zone file, says nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.helpers import Result, events, run_cockpit


def with_tz(tz: str, *args: str, stdin: str | None = None) -> Result:
    env = dict(os.environ)
    env["TZ"] = tz
    return run_cockpit(*args, input=stdin, env=env)


def warning_of(result: Result) -> str:
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    return line


@pytest.mark.parametrize("tz", ["Not/AZone", "garbage", "Europe/Nowhere", "../../etc/passwd"])
def test_an_unknown_zone_is_said_once_and_the_zone_used_is_named(tz: str) -> None:
    declared = with_tz(tz, "declare", "Checkout errors", "--json")
    line = warning_of(declared)
    prefix = f"cockpit: warning: TZ={tz}: not a known time zone; using "
    assert line.startswith(prefix), line
    used = line.removeprefix(prefix).removesuffix(" (the system's zone)")
    ref = declared.json()["ref"]
    # the zone named is the zone the incident was declared in
    (declaration,) = [e for e in events(ref) if e["kind"] == "incident.declared"]
    assert declaration["data"]["zone"] == used
    # once per command, however many lines it logs
    logged = with_tz(tz, "log", ref, "-", stdin="one\ntwo\n/sev 1\n")
    assert warning_of(logged) == line
    assert warning_of(with_tz(tz, "show", ref)) == line


@pytest.mark.parametrize(
    ("tz", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        (":America/New_York", "America/New_York"),
        (":/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("UTC", "UTC"),
    ],
)
def test_a_known_zone_says_nothing(tz: str, zone: str, db: Path) -> None:
    if not Path("/usr/share/zoneinfo/Asia/Tokyo").exists():
        pytest.fail("the system's zoneinfo files are needed (Debian package tzdata)")
    ref = with_tz(tz, "declare", "x").ok().stdout.strip()
    (declaration,) = [e for e in events(ref) if e["kind"] == "incident.declared"]
    assert declaration["data"]["zone"] == zone


def test_an_unset_or_empty_tz_says_nothing(ref: str) -> None:
    with_tz("", "list").ok()
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    run_cockpit("list", env=env).ok()


def test_the_warning_shows_control_characters_as_symbols(ref: str) -> None:
    line = warning_of(with_tz("\x1b[31mred\u202e", "list"))
    assert "\x1b" not in line and "\u202e" not in line
    assert "TZ=␛[31mred" in line
