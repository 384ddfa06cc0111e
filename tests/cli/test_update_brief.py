"""`cockpit update` and `cockpit brief`, end to end through the real console script."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

from tests.cli.helpers import (
    Run,
    declare_in_process,
    events,
    log_lines,
    near,
    now_utc,
    show,
    ts,
)

HOSTILE = "[bold]x[/] \x1b[31mred\x1b[0m \u202eRTL\u202c 🔥"


def exports(ref: str) -> Path:
    # conftest points XDG_DATA_HOME into the test's temp home: never the real one
    return Path(os.environ["XDG_DATA_HOME"]) / "cockpit" / "exports" / ref


def setup_scene(ref: str) -> None:
    log_lines(
        ref,
        "/sev 1",
        "/role ic @alice",
        "/impact EU checkouts failing (@bob, payments-api)",
        "/service payments-api",
        "? pool exhausted after deploy 2291",
        "> rolled back deploy 2291",
    )


def test_update_from_a_template_records_writes_and_says_where(run: Run, ref: str) -> None:
    setup_scene(ref)
    result = run("update", ref, "--template", "internal").ok()
    lines = result.stdout.splitlines()
    assert lines[0].startswith("recorded update to internal (internal) ")
    assert "; next update promised by " in lines[0]
    assert "  | Impact: EU checkouts failing (@bob, payments-api)" in lines
    assert "  | - pool exhausted after deploy 2291" in lines
    written = lines[-1].removeprefix("wrote ")
    path = Path(written)
    assert path.parent == exports(ref)
    assert path.name.endswith("-internal.txt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    sent = [e for e in events(ref) if e["kind"] == "update.sent"]
    assert len(sent) == 1
    data = sent[0]["data"]
    assert data["audience"] == "internal" and data["template"] == "internal"
    assert path.read_text(encoding="utf-8") == data["text"] + "\n"
    promised = ts(data["next_update_at"])
    assert near(promised, now_utc() + timedelta(minutes=15))  # SEV-1: every 15 min
    state = show(ref)
    assert state["last_update_at"] == sent[0]["occurred_at"]
    assert ts(state["next_update_due_at"]) == promised


def test_update_json_shows_the_event_and_the_deliveries(run: Run, ref: str) -> None:
    data = run("update", ref, "-t", "executive", "--json").ok().json()
    assert data["event"]["kind"] == "update.sent"
    assert data["event"]["data"]["audience"] == "executive"
    [delivery] = data["deliveries"]
    assert delivery["publisher"] == "file" and delivery["ok"] is True
    assert Path(delivery["where"]).read_text(encoding="utf-8").startswith(ref)


def test_update_with_text_an_audience_and_a_promise(run: Run, ref: str) -> None:
    out = run(
        "update", ref, "-t", "ack", "--audience", "exec", "--text", "We know.", "--next", "20m"
    ).ok()
    assert out.stdout.splitlines()[1] == "  | We know."
    [event] = [e for e in events(ref) if e["kind"] == "update.sent"]
    assert event["data"]["text"] == "We know."
    assert event["data"]["audience"] == "executive"
    assert event["data"]["template"] == "ack"
    assert near(ts(event["data"]["next_update_at"]), now_utc() + timedelta(minutes=20))


def test_custom_text_without_next_promises_nothing(run: Run, ref: str) -> None:
    run("update", ref, "-t", "internal", "--text", "short and sweet").ok()
    [event] = [e for e in events(ref) if e["kind"] == "update.sent"]
    assert event["data"]["next_update_at"] is None


def test_update_text_from_stdin_is_kept_whole(run: Run, ref: str) -> None:
    text = f"line one\n{HOSTILE}\n\nlast line"
    out = run("update", ref, "-t", "status", "--text", "-", input=text + "\n").ok()
    [event] = [e for e in events(ref) if e["kind"] == "update.sent"]
    assert event["data"]["text"] == text  # stored as typed
    assert event["data"]["audience"] == "status"
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout  # shown, not obeyed
    assert "␛[31mred" in out.stdout
    written = Path(out.stdout.splitlines()[-1].removeprefix("wrote "))
    assert written.read_text(encoding="utf-8") == text + "\n"


def test_status_template_keeps_people_and_services_out(run: Run, ref: str) -> None:
    setup_scene(ref)
    out = run("update", ref, "-t", "status", "--dry-run").ok()
    assert out.stdout.startswith("Investigating: We are investigating EU checkouts failing.")
    for secret in ("@", "alice", "bob", "payments-api", "Checkout errors", "INC-"):
        assert secret not in out.stdout
    assert [e for e in events(ref) if e["kind"] == "update.sent"] == []  # dry run
    assert not exports(ref).exists()


def test_escalation_page_records_the_escalation(run: Run, ref: str) -> None:
    run("log", ref, "/sev", "1").ok()
    out = run("update", ref, "-t", "escalation").ok()
    assert "; escalated to engineering leadership" in out.stdout.splitlines()[0]
    kinds = [e["kind"] for e in events(ref)]
    assert kinds[-2:] == ["update.sent", "escalation.made"]


def test_hostile_titles_go_through_the_template_as_typed(run: Run, declare) -> None:
    ref = declare(HOSTILE, "--severity", "1")
    data = run("update", ref, "-t", "ack", "--json").ok().json()
    assert HOSTILE in data["event"]["data"]["text"]
    out = run("update", ref, "-t", "ack").ok()
    assert "\x1b" not in out.stdout


def test_bad_input_is_one_line_and_exit_1(run: Run, ref: str) -> None:
    cases = {
        ("-t", "intrnal"): "did you mean 'internal'?",
        ("-t", "ack", "--audience", "bosses"): "--audience: 'bosses' is not an audience",
        ("-t", "ack", "--next", "soon"): "--next: ",
        ("-t", "ack", "--text", "  "): "the update is empty; nothing was recorded",
    }
    for options, message in cases.items():
        line = run("update", ref, *options).error_line(1)
        assert message in line, (options, line)
    assert "--template" in run("update", ref).error_line(1)
    assert "INC-ZZZZZZ" in run("update", "INC-ZZZZZZ", "-t", "ack").error_line(1)
    empty = run("update", ref, "-t", "ack", "--text", "-", input="\n\n")
    assert "empty" in empty.error_line(1)
    bad = run("update", ref, "-t", "ack", "--text", "-", input=b"\xff\xfe")
    assert "not valid UTF-8" in bad.error_line(1)
    assert [e for e in events(ref) if e["kind"] == "update.sent"] == []


def test_a_broken_user_template_warns_and_the_shipped_one_is_used(run: Run, ref: str) -> None:
    folder = Path(os.environ["COCKPIT_CONFIG_DIR"]) / "templates"
    folder.mkdir(parents=True)
    (folder / "ack.toml").write_text('label = "x"\naudience = "internal"\nbody = "{sevrity}"\n')
    result = run("update", ref, "-t", "ack")
    assert result.returncode == 0
    assert result.stderr.startswith(f"cockpit: warning: {folder / 'ack.toml'}:3: body: unknown")
    assert "did you mean {severity}?" in result.stderr
    assert "We are aware of" in result.stdout


def test_a_broken_user_only_template_is_an_environment_error(run: Run, ref: str) -> None:
    folder = Path(os.environ["COCKPIT_CONFIG_DIR"]) / "templates"
    folder.mkdir(parents=True)
    (folder / "slack.toml").write_text('label = "x"\naudience = "internal"\nbody = "{x\n')
    line = run("update", ref, "-t", "slack").error_line(2)
    assert f"{folder / 'slack.toml'}:3:" in line


def test_a_failed_file_write_warns_and_keeps_the_update(run: Run, ref: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {**os.environ, "COCKPIT_EXPORT_DIR": str(blocker)}
    from tests.cli.helpers import run_cockpit

    result = run_cockpit("update", ref, "-t", "internal", env=env)
    assert result.returncode == 0
    assert result.stderr.startswith("cockpit: warning: the update is recorded, but file: ")
    assert len(result.stderr.splitlines()) == 1
    assert [e["kind"] for e in events(ref)].count("update.sent") == 1


def test_brief_text_and_json(run: Run, ref: str) -> None:
    setup_scene(ref)
    run("update", ref, "-t", "internal").ok()
    text = run("brief", ref).ok().stdout
    assert text.startswith(f"Handoff brief: {ref} SEV-1 (Critical), investigating: ")
    assert "Impact: EU checkouts failing (@bob, payments-api)" in text
    assert "pool exhausted after deploy 2291" in text
    assert "rolled back deploy 2291 (@tester)" in text
    assert "Incident commander" in text and "@alice" in text
    assert "  Internal: last " in text and "by @tester; next due " in text
    data = run("brief", ref, "--json").ok().json()
    assert data["ref"] == ref
    assert [h["text"] for h in data["hypotheses"]] == ["pool exhausted after deploy 2291"]
    assert data["updates"][0]["audience"] == "internal"
    assert data["updates"][0]["last_update_by"] == "tester"
    assert {i["id"] for i in data["unchecked"]} >= {"open-bridge", "what-changed"}


def test_brief_shows_hostile_text_without_obeying_it(run: Run, declare) -> None:
    ref = declare(HOSTILE)
    run("log", ref, "> " + HOSTILE).ok()
    out = run("brief", ref).ok().stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert "[bold]x[/]" in out and "🔥" in out
    data = run("brief", ref, "--json").ok().json()
    assert data["title"] == HOSTILE
    assert data["actions"][0]["text"] == HOSTILE


def test_brief_of_an_unknown_ref_is_exit_1(run: Run, isolated: Path) -> None:
    declare_in_process()  # the database exists (`brief` creates none at a path it is given)
    assert "INC-ZZZZZZ" in run("brief", "INC-ZZZZZZ").error_line(1)


NO_TEXTUAL = """
import contextlib, io, json, sys
import cockpit.brief, cockpit.comms, cockpit.publish
from cockpit.cli import main

codes = []
with contextlib.redirect_stdout(io.StringIO()):
    for argv in (
        ["update", REF, "-t", "internal"],
        ["update", REF, "-t", "status", "--dry-run", "--json"],
        ["brief", REF],
        ["brief", REF, "--json"],
    ):
        codes.append(main(argv))
forbidden = ("textual", "httpx", "widgets", "screens")
leaked = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
print(json.dumps({"codes": codes, "leaked": leaked}))
"""


def test_update_and_brief_never_import_textual(ref: str) -> None:
    import json
    import subprocess
    import sys

    code = f"REF = {ref!r}\n" + NO_TEXTUAL
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report == {"codes": [0, 0, 0, 0], "leaked": []}
