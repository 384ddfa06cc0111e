"""Reading back: list, show, timeline, events, search and export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.clock import SystemClock
from cockpit.store import Store
from tests.cli.helpers import (
    BERLIN,
    Run,
    declare_in_process,
    events,
    log_json,
    near,
    now_utc,
    show,
    timeline,
    ts,
)

TIMELINE_KEYS = {"id", "kind", "occurred_at", "recorded_at", "author", "text", "starred", "amended"}
SHOW_KEYS = {
    "id",
    "ref",
    "title",
    "severity",
    "status",
    "exercise",
    "declared_at",
    "context",
    "milestones",
    "roles",
    "role_history",
    "checklist",
    "hypotheses",
    "last_update_at",
    "next_update_due_at",
    "update_overdue",
    "warnings",
    "entry_count",
}
MILESTONES = ["started", "detected", "acknowledged", "declared", "mitigated", "resolved"]
CHECKLIST = [
    ("confirm-impact", "0-5"),
    ("classify", "0-5"),
    ("open-bridge", "0-5"),
    ("name-ic", "0-5"),
    ("internal-update", "5-10"),
    ("customer-ack", "5-10"),
    ("name-comms", "5-10"),
    ("what-changed", "10-30"),
    ("dashboards", "10-30"),
    ("third-party", "10-30"),
    ("rollback-decision", "10-30"),
    ("promise-next", "10-30"),
]


# list ------------------------------------------------------------------------------------
def test_list_shows_open_incidents_only(run: Run, db: Path) -> None:
    Store(db, SystemClock()).close()  # `list` creates no database at a path it is given
    assert run("list").ok().stdout.startswith("No open incidents.")
    assert run("list", "--json").ok().json() == []
    closed = declare_in_process("Old one")
    run("log", closed, "/close").ok()
    open_ = declare_in_process("New one", "SEV-1")
    listed = run("list", "--json").ok().json()
    assert [i["ref"] for i in listed] == [open_]
    assert listed[0]["title"] == "New one"
    assert listed[0]["severity"] == "SEV-1"
    every = run("list", "--all", "--json").ok().json()
    assert {i["ref"]: i["status"] for i in every} == {open_: "investigating", closed: "closed"}
    plain = run("list").ok().stdout.splitlines()
    assert plain[0].split() == ["REF", "SEV", "STATUS", "ELAPSED", "NEXT", "UPDATE", "TITLE"]
    assert len(plain) == 2 and plain[1].startswith(open_) and plain[1].endswith("New one")
    assert closed in run("list", "--all").ok().stdout


def test_list_newest_first_and_columns_line_up(run: Run) -> None:
    old = run("declare", "older", "--at", "-3h").ok().stdout.strip()
    new = run("declare", "newer").ok().stdout.strip()
    assert [i["ref"] for i in run("list", "--json").ok().json()] == [new, old]
    lines = run("list").ok().stdout.splitlines()
    # the title column starts at the same place on every line, however long the elapsed time
    titles = ["TITLE", "newer", "older"]
    starts = {line.index(title) for line, title in zip(lines, titles, strict=True)}
    assert len(starts) == 1


def test_list_json_summary(run: Run) -> None:
    ref = run("declare", "x", "--severity", "1", "--at", "-15m").ok().stdout.strip()
    run("log", ref, "/role ic @alice").ok()
    run("log", ref, "note").ok()
    (item,) = run("list", "--json").ok().json()
    assert item["ref"] == ref
    assert item["ic"] == "alice"
    assert item["entry_count"] == 1
    assert item["update_overdue"] is True  # SEV-1's first update was due after 10 min
    assert item["exercise"] is False


# show ------------------------------------------------------------------------------------
def test_show_json_holds_the_promised_keys(run: Run, ref: str) -> None:
    run("log", ref, "/role ic @alice").ok()
    run("log", ref, "/role ic @bob").ok()
    run("log", ref, "/check classify").ok()
    run("log", ref, "? bad deploy").ok()
    run("log", ref, "a note").ok()
    data = show(ref)
    assert set(data) >= SHOW_KEYS
    assert data["ref"] == ref and data["id"][10:16] == ref[4:]
    assert list(data["milestones"]) == MILESTONES
    assert set(data["roles"]) == {"ic"}
    assert set(data["roles"]["ic"]) == {"handle", "since"}
    assert [set(t) for t in data["role_history"]] == [{"role", "handle", "from", "to"}] * 2
    assert [(c["id"], c["phase"]) for c in data["checklist"]] == CHECKLIST
    for item in data["checklist"]:
        assert set(item) == {"id", "title", "phase", "due_at", "done_at", "overdue"}
        assert item["title"]
        assert ts(item["due_at"]) > ts(data["declared_at"])
        assert item["overdue"] is False  # just declared
    due = {c["id"]: ts(c["due_at"]) - ts(data["declared_at"]) for c in data["checklist"]}
    assert due["classify"] == timedelta(minutes=5)
    assert due["internal-update"] == timedelta(minutes=10)
    (hypothesis,) = data["hypotheses"]
    assert hypothesis["text"] == "bad deploy" and hypothesis["state"] == "open"
    assert data["last_update_at"] is None
    assert isinstance(data["update_overdue"], bool)
    assert data["warnings"] == []
    assert data["entry_count"] == 2  # the note and the hypothesis; commands are not entries
    assert data["context"] == {}


def test_show_sev4_has_no_update_due(run: Run) -> None:
    ref = run("declare", "cosmetic", "--severity", "4", "--at", "-2h").ok().stdout.strip()
    data = show(ref)
    assert data["next_update_due_at"] is None
    assert data["update_overdue"] is False
    assert "next update: none required" in run("show", ref).ok().stdout


def test_show_overdue_update_and_checklist(run: Run) -> None:
    ref = run("declare", "x", "--severity", "1", "--at", "-12m").ok().stdout.strip()
    data = show(ref)
    assert data["update_overdue"] is True
    overdue = {c["id"] for c in data["checklist"] if c["overdue"]}
    assert overdue == {c for c, phase in CHECKLIST if phase in ("0-5", "5-10")}
    assert "OVERDUE" in run("show", ref).ok().stdout


def test_show_plain(run: Run, ref: str) -> None:
    run("log", ref, "/role ic @alice").ok()
    run("log", ref, "/check classify").ok()
    out = run("show", ref).ok().stdout
    assert out.splitlines()[0].split()[:3] == [ref, "SEV-2", "investigating"]
    assert "@alice" in out
    assert re.search(r"\[x\] 0-5\s+classify", out)
    assert "next update: in " in out


# timeline --------------------------------------------------------------------------------
def test_timeline_json_items(run: Run, ref: str) -> None:
    log_json(ref, "? pool too small")
    log_json(ref, "/sev 1")
    log_json(ref, "@-3m earlier note")
    items = timeline(ref)
    for item in items:
        assert set(item) == TIMELINE_KEYS, item
        assert item["author"] == "tester"
        assert ts(item["recorded_at"]) >= ts(item["occurred_at"])
    assert [i["occurred_at"] for i in items] == sorted(i["occurred_at"] for i in items)
    texts = [i["text"] for i in items]
    assert texts[0] == "earlier note"
    assert "Severity set to SEV-1" in texts
    assert "Declared SEV-2: Checkout errors" in texts
    # --jsonl: the same items, one a line
    assert run("timeline", ref, "--jsonl").ok().jsonl() == items


def test_timeline_all_includes_retracted(ref: str) -> None:
    gone = log_json(ref, "oops")
    log_json(ref, "/retract last")
    assert gone["id"] not in [i["id"] for i in timeline(ref)]
    everything = timeline(ref, "--all")
    flagged = {i["id"]: i["retracted"] for i in everything}
    assert flagged[gone["id"]] is True
    assert sum(flagged.values()) == 1
    for item in everything:
        assert set(item) == TIMELINE_KEYS | {"retracted"}


def test_timeline_plain_local_and_utc(run: Run, ref: str) -> None:
    note = log_json(ref, "database failover started")
    local = ts(note["occurred_at"]).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S")
    utc = ts(note["occurred_at"]).strftime("%Y-%m-%d %H:%M:%SZ")
    plain = run("timeline", ref).ok().stdout
    line = next(x for x in plain.splitlines() if "database failover started" in x)
    assert line.startswith(local + " ")
    assert note["id"][-6:] in line
    line = next(
        x
        for x in run("timeline", ref, "--utc").ok().stdout.splitlines()
        if "database failover started" in x
    )
    assert line.startswith(utc + " ")


def test_timeline_json_and_jsonl_exclude_each_other(run: Run, ref: str) -> None:
    run("timeline", ref, "--json", "--jsonl").error_line(1)


# events ----------------------------------------------------------------------------------
def test_events_jsonl_are_the_raw_events(run: Run, ref: str) -> None:
    log_json(ref, "! roll back")
    log_json(ref, "/star last")
    raw = run("events", ref, "--jsonl").ok()
    assert raw.stdout == run("events", ref).ok().stdout  # jsonl is the default
    lines = raw.stdout.splitlines()
    assert all(line.startswith("{") and "\n" not in line for line in lines)
    items = raw.jsonl()
    incident_id = show(ref)["id"]
    assert [e["kind"] for e in items] == ["incident.declared", "entry.decision", "entry.starred"]
    for event in items:
        assert set(event) == {
            "id",
            "incident_id",
            "kind",
            "occurred_at",
            "recorded_at",
            "author",
            "origin",
            "data",
        }
        assert event["incident_id"] == incident_id
        assert event["author"] == "tester"
        assert event["occurred_at"].endswith("Z") and event["recorded_at"].endswith("Z")
        assert ts(event["recorded_at"]) >= ts(event["occurred_at"])
    assert items[2]["data"] == {"target": items[1]["id"]}
    assert len({e["origin"] for e in items}) == 1


# search ----------------------------------------------------------------------------------
def test_search_finds_words_across_incidents(run: Run) -> None:
    a = declare_in_process("A")
    b = declare_in_process("B")
    run("log", a, "database connection pool exhausted").ok()
    run("log", b, "? the Database is slow after the deploy").ok()
    run("log", b, "unrelated").ok()
    found = run("search", "database", "--json").ok().json()
    assert sorted(r["ref"] for r in found) == sorted([a, b])
    for r in found:
        assert {"ref", "id", "kind", "occurred_at", "text"} <= set(r)
    both = run("search", "pool", "DATABASE", "--json").ok().json()  # every word, any case
    assert [r["text"] for r in both] == ["database connection pool exhausted"]
    assert run("search", "nowhere", "--json").ok().json() == []
    assert run("search", "nowhere").ok().stdout == "No entries match.\n"
    plain = run("search", "deploy").ok().stdout
    assert plain.startswith(b) and "the Database is slow after the deploy" in plain


SEARCH_SYNTAX = ['"', "AND OR", "NEAR(", "*", "-", "NOT", "a OR", "col:umn", "(", "^x", "'", '""']


def test_search_never_a_syntax_error(run: Run, ref: str) -> None:
    run("log", ref, "NEAR( the AND gate, a * b - c: NOT OR").ok()
    for words in SEARCH_SYNTAX:
        result = run("search", "--json", "--", words).ok()
        assert isinstance(result.json(), list), words
    assert len(run("search", "--json", "--", "NEAR(", "gate").ok().json()) == 1


def test_search_operators_are_plain_words(run: Run, ref: str) -> None:
    run("log", ref, "the AND gate is stuck").ok()
    run("log", ref, "something else").ok()
    found = run("search", "AND", "--json").ok().json()
    assert [r["text"] for r in found] == ["the AND gate is stuck"]


def test_search_hides_retracted_entries(run: Run, ref: str) -> None:
    run("log", ref, "pasted the password hunter2 by mistake").ok()
    run("log", ref, "/retract last").ok()
    assert run("search", "hunter2", "--json").ok().json() == []
    assert "hunter2" not in run("search", "hunter2").ok().stdout


def test_search_shows_an_amended_entry_once_with_its_current_text(run: Run, ref: str) -> None:
    note = log_json(ref, "failover to the old wording")
    run("log", ref, "/amend last failover to the new wording").ok()
    found = run("search", "failover", "--json").ok().json()
    assert [(r["id"], r["text"]) for r in found] == [(note["id"], "failover to the new wording")]
    assert found[0]["kind"] == "entry.note"
    assert run("search", "old", "--json").ok().json() == []


# export ----------------------------------------------------------------------------------
@pytest.fixture
def busy(run: Run, ref: str) -> str:
    lines = [
        "! roll back | now",
        '=HYPERLINK("http://evil.example","x")',
        "+1 more customers",
        "-5 percent",
        "@alice please look",
        "/star last",
        "todo: add an alert",
        "typo",
        "/retract last",
    ]
    run("log", ref, "-", input="\n".join(lines) + "\n").ok()
    run("--as", "=cmd|' /C calc'!A0", "log", ref, "from a strange handle").ok()
    return ref


def test_export_markdown_to_stdout(run: Run, busy: str) -> None:
    md = run("export", busy).ok().stdout
    assert md.startswith(f"# {busy}: Checkout errors\n")
    assert "## Timeline" in md and "## Milestones" in md
    assert "roll back \\| now" in md  # a pipe cannot break the table
    assert "## Follow-ups" in md and "- [ ] add an alert" in md
    assert "typo" not in md  # retracted
    assert md == run("export", busy, "--format", "md").ok().stdout


def test_export_json_file(run: Run, busy: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "incident.json"
    target.parent.mkdir()
    result = run("export", busy, "-f", "json", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert str(target) in result.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["ref"] == busy
    texts = [i["text"] for i in data["timeline"]]
    assert "typo" in texts  # the full record, retracted entries too
    assert "roll back | now" in texts


def test_export_jsonl_is_the_raw_log(run: Run, busy: str, tmp_path: Path) -> None:
    target = tmp_path / "events.jsonl"
    run("export", busy, "--format", "jsonl", "--output", str(target))
    assert target.read_text(encoding="utf-8").splitlines() == (
        run("events", busy).ok().stdout.splitlines()
    )
    assert run("export", busy, "-f", "jsonl").ok().stdout == target.read_text(encoding="utf-8")


def test_export_csv_neutralises_formulas(run: Run, busy: str, tmp_path: Path) -> None:
    out = run("export", busy, "-f", "csv").ok().stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "id",
        "kind",
        "occurred_at",
        "recorded_at",
        "author",
        "text",
        "starred",
        "amended",
    ]
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    texts = [row[5] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in texts
    assert "'+1 more customers" in texts
    assert "'-5 percent" in texts
    assert "'@alice please look" in texts
    assert "typo" not in texts
    authors = {row[4] for row in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in authors
    target = tmp_path / "t.csv"
    run("export", busy, "-f", "csv", "-o", str(target))
    assert target.read_text(encoding="utf-8") == out


def test_export_to_an_unwritable_place(run: Run, ref: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    err = run("export", ref, "-o", str(blocker / "out.md")).error_line(2)
    assert "cannot write" in err


def test_times_in_every_json_output_are_utc_with_z(run: Run, ref: str) -> None:
    note = log_json(ref, "@-1m x")
    assert near(ts(note["occurred_at"]), now_utc() - timedelta(minutes=1))
    for event in events(ref):
        assert event["occurred_at"].endswith("Z")
    data = show(ref)
    assert data["declared_at"].endswith("Z") and data["next_update_due_at"].endswith("Z")
