"""`cockpit declare TITLE [--severity LEVEL] [--at TIME] [--exercise] [--json]`."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.helpers import (
    BERLIN,
    REF_RE,
    ULID_RE,
    Run,
    clock_ago,
    db_rows,
    events,
    near,
    now_utc,
    show,
    ts,
)


def test_declare_prints_the_ref_and_nothing_else(run: Run, db: Path) -> None:
    result = run("declare", "Checkout", "is", "down").ok()
    ref = result.stdout.strip()
    assert result.stdout == ref + "\n"
    assert REF_RE.match(ref)
    data = show(ref)
    assert data["ref"] == ref
    assert data["title"] == "Checkout is down"  # the words are joined
    assert data["severity"] == "SEV-2"  # the sev policy's default level
    assert data["status"] == "investigating"
    assert data["exercise"] is False
    assert near(ts(data["declared_at"]), now_utc())
    assert db.exists()


def test_declare_json_gives_id_and_ref(run: Run) -> None:
    out = run("declare", "Payments failing", "--json").ok().json()
    assert set(out) == {"id", "ref"}
    assert ULID_RE.match(out["id"])
    assert out["ref"] == "INC-" + out["id"][10:16]
    # the id and the ref name the same incident
    assert show(out["id"])["ref"] == out["ref"]
    assert show(out["ref"])["id"] == out["id"]


@pytest.mark.parametrize("level", ["1", "SEV-1", "sev1"])
def test_declare_severity_forms(run: Run, declare: Callable[..., str], level: str) -> None:
    ref = declare("DB primary down", "--severity", level)
    data = show(ref)
    assert data["severity"] == "SEV-1"
    # SEV-1: first update within 10 minutes of the declaration
    due = ts(data["next_update_due_at"]) - ts(data["declared_at"])
    assert due == timedelta(minutes=10)


def test_declare_short_severity_option(declare: Callable[..., str]) -> None:
    assert show(declare("Low thing", "-s", "4"))["severity"] == "SEV-4"


def test_declare_unknown_severity_is_bad_input(run: Run) -> None:
    line = run("declare", "x", "--severity", "9").error_line(1)
    assert "SEV-1" in line and "'9'" in line
    assert "column" not in line  # an option, not a column of a grammar line
    assert run("list", "--all", "--json").ok().json() == []


def test_declare_backdated_by_duration(run: Run) -> None:
    before = now_utc()
    out = run("declare", "Started a while ago", "--at", "-5m", "--json").ok().json()
    data = show(out["ref"])
    declared = ts(data["declared_at"])
    assert near(declared, before - timedelta(minutes=5))
    assert data["milestones"]["declared"] == data["declared_at"]
    (declaration,) = events(out["ref"])
    assert declaration["kind"] == "incident.declared"
    # occurred is backdated, recorded is when it was typed
    assert ts(declaration["occurred_at"]) == declared
    assert near(ts(declaration["recorded_at"]), before)
    # SEV-2's first update is due 15 min after the (backdated) declaration
    assert ts(data["next_update_due_at"]) == declared + timedelta(minutes=15)


def test_declare_backdated_to_a_clock_time(run: Run) -> None:
    hhmm, expected = clock_ago(40)
    ref = run("declare", "Since lunch", "--at", hhmm).ok().stdout.strip()
    data = show(ref)
    assert ts(data["declared_at"]) == expected
    # 40 minutes in, SEV-2's first update (15 min) is overdue, and so is the 0-5 checklist
    assert data["update_overdue"] is True
    first = next(i for i in data["checklist"] if i["phase"] == "0-5")
    assert first["overdue"] is True


def test_declare_at_equals_form(declare: Callable[..., str]) -> None:
    ref = declare("x", "--at=-2m")
    assert near(ts(show(ref)["declared_at"]), now_utc() - timedelta(minutes=2))


@pytest.mark.parametrize("when", ["25:00", "-5x", "soon", "10m"])
def test_declare_bad_at_is_bad_input(run: Run, when: str) -> None:
    line = run("declare", "x", "--at", when).error_line(1)
    assert "--at" in line
    assert run("list", "--all", "--json").ok().json() == []


def test_declare_in_the_future_is_refused(run: Run) -> None:
    ahead = (now_utc() + timedelta(minutes=5)).astimezone(BERLIN)
    line = run("declare", "x", "--at", ahead.strftime("%H:%M")).error_line(1)
    assert "future" in line
    assert run("list", "--all", "--json").ok().json() == []


def test_declare_exercise(run: Run, declare: Callable[..., str]) -> None:
    ref = declare("Tabletop: region loss", "--exercise")
    assert show(ref)["exercise"] is True
    listed = run("list", "--json").ok().json()
    assert [(i["ref"], i["exercise"]) for i in listed] == [(ref, True)]
    assert "[EXERCISE]" in run("list").ok().stdout
    (declaration,) = events(ref)
    assert declaration["data"]["exercise"] is True


def test_declare_records_author_policy_and_zone(run: Run) -> None:
    ref = run("--as", "carol", "declare", "x").ok().stdout.strip()
    (declaration,) = events(ref)
    assert declaration["author"] == "carol"
    data = declaration["data"]
    assert data["zone"] == "Europe/Berlin"
    assert data["policy"]["name"] == "sev"
    assert [lv["key"] for lv in data["policy"]["levels"]] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    # --as after the subcommand works too; the default author is $COCKPIT_USER
    ref2 = run("declare", "y", "--as", "dave").ok().stdout.strip()
    assert events(ref2)[0]["author"] == "dave"
    ref3 = run("declare", "z").ok().stdout.strip()
    assert events(ref3)[0]["author"] == "tester"


def test_declare_empty_title_is_bad_input(run: Run) -> None:
    line = run("declare", "   ").error_line(1)
    assert "title" in line
    assert run("list", "--all", "--json").ok().json() == []


def test_new_database_is_private_and_in_wal_mode(run: Run, db: Path) -> None:
    run("declare", "x").ok()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert db_rows(db, "PRAGMA journal_mode") == [("wal",)]
