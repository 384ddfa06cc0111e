"""`cockpit log REF TEXT... [--at TIME] [--json]` and `cockpit log REF -` (lines on stdin)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.helpers import (
    BERLIN,
    ULID_RE,
    Run,
    clock_ago,
    events,
    log_json,
    near,
    now_utc,
    show,
    stored_kinds,
    timeline,
    ts,
)

EVENT_KEYS = {"id", "incident_id", "kind", "occurred_at", "recorded_at", "author", "origin", "data"}


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("checkout p99 is 4s", "entry.note", "checkout p99 is 4s"),
        ("! roll back 4.2.1", "entry.decision", "roll back 4.2.1"),
        ("? the new pool size is too small", "entry.hypothesis", "the new pool size is too small"),
        ("> restarted the payments pods", "entry.action", "restarted the payments pods"),
        ("todo: alert on pool saturation", "entry.todo", "alert on pool saturation"),
        ("TODO: page earlier", "entry.todo", "page earlier"),
        (
            "!important is a note, not a decision",
            "entry.note",
            "!important is a note, not a decision",
        ),
    ],
)
def test_entry_kinds(run: Run, ref: str, line: str, kind: str, text: str) -> None:
    event = log_json(ref, line)
    assert set(event) == EVENT_KEYS
    assert event["kind"] == kind
    assert event["data"] == {"text": text, "mentions": []}
    assert event["author"] == "tester"
    assert ULID_RE.match(event["id"])
    assert near(ts(event["occurred_at"]), now_utc())
    # it is in the timeline with its text, and counted as an entry
    items = {i["id"]: i for i in timeline(ref)}
    assert items[event["id"]]["kind"] == kind
    assert items[event["id"]]["text"] == text


def test_plain_output_names_kind_id_and_time(run: Run, ref: str) -> None:
    out = run("log", ref, "! fail over to eu-west").ok().stdout
    match = re.fullmatch(r"logged decision ([0-9A-Z]{26}) at (\d\d:\d\d:\d\d)\n", out)
    assert match, out
    (event,) = [e for e in events(ref) if e["kind"] == "entry.decision"]
    assert event["id"] == match.group(1)
    local = ts(event["occurred_at"]).astimezone(BERLIN)
    assert local.strftime("%H:%M:%S") == match.group(2)


def test_words_are_joined_into_one_line(run: Run, ref: str) -> None:
    run("log", ref, "!", "roll", "back", "now").ok()
    (item,) = [i for i in timeline(ref) if i["kind"] == "entry.decision"]
    assert item["text"] == "roll back now"


def test_mentions(ref: str) -> None:
    event = log_json(ref, "asked @alice and @bob.smith to look; mail ops@example.com, @alice")
    assert event["data"]["mentions"] == ["alice", "bob.smith"]


def test_backdate_by_duration(run: Run, ref: str) -> None:
    out = run("log", ref, "@-5m", "first 502s").ok().stdout
    assert "(backdated 5 min)" in out
    (event,) = [e for e in events(ref) if e["kind"] == "entry.note"]
    assert near(ts(event["occurred_at"]), now_utc() - timedelta(minutes=5))
    assert near(ts(event["recorded_at"]), now_utc())
    assert event["data"]["text"] == "first 502s"


def test_backdate_to_clock_time(ref: str) -> None:
    hhmm, expected = clock_ago(30)
    event = log_json(ref, f"@{hhmm} ! roll back")
    assert event["kind"] == "entry.decision"
    assert event["data"]["text"] == "roll back"
    assert ts(event["occurred_at"]) == expected


def test_backdate_to_clock_time_with_seconds_and_iso(ref: str) -> None:
    local = (now_utc() - timedelta(minutes=20)).astimezone(BERLIN).replace(microsecond=0)
    event = log_json(ref, f"@{local:%H:%M:%S} with seconds")
    assert ts(event["occurred_at"]) == local
    iso = (now_utc() - timedelta(hours=2)).replace(second=0, microsecond=0)
    event = log_json(ref, f"@{iso:%Y-%m-%dT%H:%M}Z iso time")
    assert ts(event["occurred_at"]) == iso


def test_timeline_is_sorted_by_occurred_time(ref: str) -> None:
    late = log_json(ref, "logged first, happened last")
    early = log_json(ref, "@-10m logged second, happened first")
    ids = [i["id"] for i in timeline(ref)]
    assert ids.index(early["id"]) < ids.index(late["id"])


def test_future_clock_time_is_refused(run: Run, ref: str, db: Path) -> None:
    ahead = (now_utc() + timedelta(minutes=5)).astimezone(BERLIN)
    line = run("log", ref, f"@{ahead:%H:%M} typo").error_line(1)
    assert "future" in line
    assert "column 1" in line
    assert stored_kinds(db) == ["incident.declared"]


def test_at_option_backdates(ref: str) -> None:
    event = log_json(ref, "--at", "-3m", "> drained the node")
    assert event["kind"] == "entry.action"
    assert event["data"]["text"] == "drained the node"
    assert near(ts(event["occurred_at"]), now_utc() - timedelta(minutes=3))
    hhmm, expected = clock_ago(12)
    event = log_json(ref, "--at", hhmm, "/sev 1")
    assert event["kind"] == "severity.set"
    assert ts(event["occurred_at"]) == expected


@pytest.mark.parametrize("line", ["@-2m already timed", "/ms detected @-2m", "/sev 1 @10:00"])
def test_at_and_inline_time_is_an_error(run: Run, ref: str, line: str, db: Path) -> None:
    err = run("log", ref, "--at", "-5m", line).error_line(1)
    assert "once" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_at_with_an_at_sign_in_the_text_is_fine(ref: str) -> None:
    # only a leading @time, or a trailing one after a command that takes it, is a time
    event = log_json(ref, "--at", "-1m", "/update next one @-5m or so")
    assert event["kind"] == "update.sent"
    assert event["data"]["text"] == "next one @-5m or so"
    assert near(ts(event["occurred_at"]), now_utc() - timedelta(minutes=1))


def test_columns_count_from_the_text_typed_not_from_the_at_option(run: Run, ref: str) -> None:
    err = run("log", ref, "--at", "-5m", "/sev 9").error_line(1)
    assert "column 6:" in err


def test_bad_at_is_bad_input(run: Run, ref: str, db: Path) -> None:
    line = run("log", ref, "--at", "yesterday", "hello").error_line(1)
    assert "--at" in line and "column" not in line
    assert stored_kinds(db) == ["incident.declared"]


def test_text_after_double_dash_is_text(run: Run, ref: str) -> None:
    event = run("log", ref, "--json", "--", "--at -5m is what I typed").ok().json()
    assert event["data"]["text"] == "--at -5m is what I typed"
    assert near(ts(event["occurred_at"]), now_utc())


@pytest.mark.parametrize(
    ("line", "column"),
    [("/nope", 1), ("/sev 9", 6), ("/status sideways", 9), ("@99:00 x", 1), ("@-5m", 5)],
)
def test_malformed_lines_name_the_column_and_log_nothing(
    run: Run, ref: str, line: str, column: int, db: Path
) -> None:
    err = run("log", ref, line).error_line(1)
    assert f"column {column}:" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_empty_line_with_at_is_bad_input(run: Run, ref: str) -> None:
    err = run("log", ref, "", "--at", "-1m").error_line(1)
    assert "nothing to log" in err
    assert "column" not in err


def test_multiline_argument_is_refused(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "one\ntwo").error_line(1)
    assert "one line" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_text_that_is_not_utf8_is_bad_input(run: Run, ref: str, db: Path) -> None:
    import os

    err = run("log", ref, os.fsdecode(b"caf\xe9")).error_line(1)
    assert "UTF-8" in err
    assert stored_kinds(db) == ["incident.declared"]


# stdin -----------------------------------------------------------------------------------
def test_stdin_lines_each_with_its_own_time(run: Run, ref: str) -> None:
    hhmm, at = clock_ago(9)
    lines = [
        f"@{hhmm} first alert fired",
        "",
        "   ",
        "! roll back",
        "@-3m /sev 1",
        "/role ic @alice",
        "? cache is cold",
        "/confirm last",
        "todo: write the postmortem",
    ]
    out = run("log", ref, "-", input="\n".join(lines) + "\n").ok().stdout.splitlines()
    assert [line.split()[1] for line in out] == [
        "note",
        "decision",
        "severity",
        "role",
        "hypothesis",
        "hypothesis",
        "follow-up",
    ]
    logged = [e for e in events(ref) if e["kind"] != "incident.declared"]
    assert len(logged) == 7
    by_kind = {e["kind"]: e for e in logged}
    assert ts(by_kind["entry.note"]["occurred_at"]) == at
    assert near(ts(by_kind["severity.set"]["occurred_at"]), now_utc() - timedelta(minutes=3))
    data = show(ref)
    assert data["severity"] == "SEV-1"
    assert data["roles"]["ic"]["handle"] == "alice"
    # /confirm last found the hypothesis logged earlier in the same batch
    assert [(h["text"], h["state"]) for h in data["hypotheses"]] == [("cache is cold", "confirmed")]


def test_stdin_json_is_always_a_list(ref: str, run: Run) -> None:
    one = run("log", ref, "-", "--json", input="only line\n").ok().json()
    assert isinstance(one, list) and len(one) == 1
    assert one[0]["data"]["text"] == "only line"
    two = run("log", ref, "-", "--json", input="a\r\nb\r\n").ok().json()
    assert [e["data"]["text"] for e in two] == ["a", "b"]  # CRLF is fine


def test_stdin_is_all_or_nothing(run: Run, ref: str, db: Path) -> None:
    lines = "fine\n! also fine\n/sev 1\n/nope\nnever logged\n"
    err = run("log", ref, "-", input=lines).error_line(1)
    assert "line 4" in err
    assert "/nope" in err
    assert "nothing was logged" in err
    assert stored_kinds(db) == ["incident.declared"]
    assert show(ref)["severity"] == "SEV-2"


def test_stdin_bad_time_names_the_line(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "-", input="ok\n\n@25:61 bad\n").error_line(1)
    assert "line 3" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_stdin_not_utf8_names_the_line(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "-", input=b"ok\n\xff\xfe broken\n").error_line(1)
    assert "line 2" in err and "UTF-8" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_stdin_empty_is_an_error(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "-", input="\n  \n").error_line(1)
    assert "nothing was logged" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_stdin_with_at_is_an_error(run: Run, ref: str, db: Path) -> None:
    err = run("log", ref, "-", "--at", "-5m", input="x\n").error_line(1)
    assert "--at" in err
    assert stored_kinds(db) == ["incident.declared"]


def test_author_option(run: Run, ref: str) -> None:
    run("--as", "erin", "log", ref, "hello").ok()
    run("log", "--as", "frank", ref, "hi").ok()
    authors = [e["author"] for e in events(ref) if e["kind"] == "entry.note"]
    assert sorted(authors) == ["erin", "frank"]
