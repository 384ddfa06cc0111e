"""The quick-entry grammar shared by the TUI and `cockpit log`."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.entry import COMMANDS, EntryContext, EntryError, parse, parse_time
from tests.conftest import T0
from tests.unit.factory import Log

TZ = ZoneInfo("Europe/Berlin")
NOW = T0 + timedelta(minutes=30)  # 15:30 in Berlin


def ctx(log: Log | None = None, now=NOW) -> EntryContext:
    log = log or Log(T0)
    return EntryContext(now=now, tz=TZ, incident=log.fold(), policy=log.policy, runbook=log.runbook)


def one(line: str, context: EntryContext | None = None):
    drafts = parse(line, context or ctx())
    assert len(drafts) == 1
    return drafts[0]


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("disk is filling up", "entry.note", "disk is filling up"),
        ("! roll back the deploy", "entry.decision", "roll back the deploy"),
        ("? connection pool exhausted", "entry.hypothesis", "connection pool exhausted"),
        ("> restarted api-3", "entry.action", "restarted api-3"),
        ("todo: add an alert on pool size", "entry.todo", "add an alert on pool size"),
        ("TODO: capital prefix", "entry.todo", "capital prefix"),
        ("!important is a note", "entry.note", "!important is a note"),
        ("what? a note", "entry.note", "what? a note"),
    ],
)
def test_prefixes(line, kind, text):
    draft = one(line)
    assert (draft.kind, draft.data["text"]) == (kind, text)
    assert draft.occurred_at == NOW
    assert not draft.backdated


def test_mentions_are_collected_once_each_and_emails_are_not_mentions():
    draft = one("paged @alice and @bob.smith; @alice again, mail ops@example.com")
    assert draft.data["mentions"] == ["alice", "bob.smith"]


@pytest.mark.parametrize(
    ("token", "expected_minutes"),
    [
        ("@15:23", -7),
        ("@15:23:10", -7 + 10 / 60),
        ("@-5m", -5),
        ("@-90s", -1.5),
        ("@-1h30m", -90),
        ("@-5", -5),
        ("@2026-03-04T14:23Z", -7),
        ("@2026-03-04T15:23", -7),
        ("@2026-03-04T15:23:00+01:00", -7),
    ],
)
def test_backdates(token, expected_minutes):
    draft = one(f"{token} ! roll back")
    assert draft.kind == "entry.decision"
    assert draft.data["text"] == "roll back"
    assert draft.occurred_at == NOW + timedelta(minutes=expected_minutes)
    assert draft.backdated


def test_a_clock_time_up_to_10_minutes_ahead_is_refused_not_moved_to_yesterday():
    with pytest.raises(EntryError) as err:
        one("@15:35 typo")
    assert err.value.column == 1
    assert "future" in err.value.message


def test_a_clock_time_further_ahead_means_yesterday():
    draft = one("@16:00 late night note")
    assert draft.occurred_at == NOW + timedelta(minutes=30) - timedelta(days=1)


def test_absolute_future_time_is_refused():
    with pytest.raises(EntryError, match="future"):
        one("@2026-03-04T15:00Z too late")


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("@25:00 x", 1, "not a time of day"),
        ("@-5x x", 1, "not a duration"),
        ("@15:23", 7, "after the time"),
        ("!", 2, "decision"),
        ("", 1, "nothing to log"),
        ("   ", 1, "nothing to log"),
        ("/frobnicate", 1, "unknown command"),
        ("/sevv 1", 1, "did you mean /sev"),
        ("/sev 9", 6, "not a level"),
        ("/sev", 5, "needs a level"),
        ("/status sleepy", 9, "not a status"),
        ("/role chef @bob", 7, "not a role"),
        ("/role ic", 9, "needs a handle"),
        ("/check clasify", 8, "did you mean 'classify'"),
        ("/next soon", 7, "not a duration"),
        ("/star zzzzzz", 7, "no entry"),
        ("/ms lunch", 5, "not a milestone"),
        ("/customer maybe", 11, "yes or no"),
        ("/close bored", 8, "not a reason"),
        ("/sev 1 extra", 8, "unexpected"),
        ("@15:00 /sev 1 @15:10", 15, "give the time once"),
        ("two\nlines", 1, "one line at a time"),
    ],
)
def test_errors_name_the_column_and_log_nothing(line, column, fragment):
    with pytest.raises(EntryError) as err:
        parse(line, ctx())
    assert err.value.column == column, str(err.value)
    assert fragment in err.value.message
    assert str(err.value).startswith(f"column {column}: ")


def test_severity_by_number_key_or_compact_key():
    assert one("/sev 1").data == {"level": "SEV-1"}
    assert one("/sev SEV-2").data == {"level": "SEV-2"}
    assert one("/sev sev3").data == {"level": "SEV-3"}
    assert one("/sev 2 @15:20").occurred_at == NOW - timedelta(minutes=10)


def test_p0_policy_numbers_name_the_level():
    context = ctx(Log(T0, policy="p0", severity="P2"))
    assert one("/sev 0", context).data == {"level": "P0"}
    assert one("/sev 1", context).data == {"level": "P1"}


def test_status_resolve_and_close():
    assert one("/status mitigated").data == {"status": "mitigated"}
    assert one("/status mit").data == {"status": "mitigated"}
    assert one("/resolve").data == {"status": "resolved"}
    assert one("/close").data == {"status": "closed", "reason": "resolved"}
    assert one("/close false-alarm").data == {"status": "closed", "reason": "false alarm"}
    assert one("/close cancelled").data == {"status": "closed", "reason": "cancelled"}
    assert one("/close duplicate inc-7kq2m9").data == {
        "status": "closed",
        "reason": "duplicate of INC-7KQ2M9",
    }


def test_roles():
    assert one("/role ic @alice").data == {"role": "ic", "handle": "alice"}
    assert one("/role comms bob").data == {"role": "comms", "handle": "bob"}
    assert one("/role scribe @carol @15:25").occurred_at == NOW - timedelta(minutes=5)
    assert one("/unrole tl").data == {"role": "tl"}


def test_checklist_ids_and_unambiguous_prefixes():
    assert one("/check classify").data == {"item": "classify"}
    assert one("/check third").data == {"item": "third-party"}
    assert one("/uncheck name-ic").kind == "checklist.unchecked"


def test_updates_promises_snoozes():
    update = one("/update Status: investigating, next update 15:45")
    assert update.kind == "update.sent"
    assert update.data["audience"] == "internal"
    assert update.data["text"] == "Status: investigating, next update 15:45"
    assert one("/next 20m").data == {"at": "2026-03-04T14:50:00Z"}
    assert one("/next 15:45").data == {"at": "2026-03-04T14:45:00Z"}
    assert one("/snooze 10m").data == {"until": "2026-03-04T14:40:00Z"}
    assert one("/snooze 10").data == {"until": "2026-03-04T14:40:00Z"}


def test_timers_and_cancel():
    timer = one("/timer 10m check replica lag with @db-oncall")
    assert timer.kind == "timer.set"
    assert timer.data["until"] == "2026-03-04T14:40:00Z"
    assert timer.data["text"] == "check replica lag with @db-oncall"
    log = Log(T0)
    log.draft(timer)
    cancel = one(f"/timer cancel {timer.data['timer']}", ctx(log))
    assert cancel.data == {"timer": timer.data["timer"]}


def test_milestones_take_an_optional_time():
    ms = one("/ms mitigated @15:20")
    assert ms.data == {"milestone": "mitigated", "at": "2026-03-04T14:20:00Z"}
    assert ms.occurred_at == NOW - timedelta(minutes=10)
    assert one("/ms ack").data["milestone"] == "acknowledged"


def test_text_and_context_commands():
    assert one("/title Payments API down").data == {"title": "Payments API down"}
    assert one("/summary Pool exhausted after deploy").kind == "summary.set"
    assert one("/impact 30% of checkouts fail").data == {"impact": "30% of checkouts fail"}
    assert one("/link bridge https://meet.example/abc").data == {
        "key": "bridge",
        "value": "https://meet.example/abc",
    }
    assert one("/service payments-api").data == {"key": "services", "value": "payments-api"}
    assert one("/customer yes").data == {"key": "customer_facing", "value": True}
    assert one("/customer no").data == {"key": "customer_facing", "value": False}


def test_entry_references_by_prefix_short_id_or_last():
    log = Log(T0)
    note = log.add("entry.note", {"text": "a", "mentions": []}, minutes=1)
    hyp = log.add("entry.hypothesis", {"text": "b", "mentions": []}, minutes=2)
    context = ctx(log)
    assert one(f"/star {note.id[:20]}", context).data == {"target": note.id}
    assert one(f"/star {note.id[-6:].lower()}", context).data == {"target": note.id}
    assert one("/retract last", context).data == {"target": hyp.id}
    assert one("/confirm last", context).data == {"target": hyp.id, "outcome": "confirmed"}
    assert one(f"/ruleout {hyp.id[-6:]}", context).data["outcome"] == "ruled_out"
    with pytest.raises(EntryError, match="not a hypothesis"):
        parse(f"/confirm {note.id[-6:]}", context)
    amend = one(f"/amend {note.id[-6:]} @15:05 new words", context)
    assert amend.data == {
        "target": note.id,
        "occurred_at": "2026-03-04T14:05:00Z",
        "text": "new words",
    }
    with pytest.raises(EntryError, match="needs a new @time or new text"):
        parse(f"/amend {note.id[-6:]}", context)


def test_ambiguous_prefix_lists_candidates():
    log = Log(T0)
    log.add("entry.note", {"text": "a", "mentions": []}, minutes=1)
    log.add("entry.note", {"text": "b", "mentions": []}, minutes=2)
    with pytest.raises(EntryError, match="ambiguous"):
        parse("/star 0", ctx(log))  # every ULID of this era starts with 0


def test_state_events_cannot_be_amended_or_retracted():
    log = Log(T0)
    sev = log.add("severity.set", {"level": "SEV-2"}, minutes=1)
    with pytest.raises(EntryError, match="is not an entry"):
        parse(f"/retract {sev.id[-6:]}", ctx(log))


def test_preview_says_what_the_line_will_become():
    draft = one("@15:26 ! roll back")
    assert draft.describe(NOW, TZ) == "decision at 15:26, backdated 4 min"
    assert one("plain").describe(NOW, TZ) == "note now (15:30)"


def test_every_command_has_usage_and_help():
    for name, command in COMMANDS.items():
        assert command.usage.startswith("/" + name)
        assert command.help


def test_parse_time_directly():
    assert parse_time("-5m", NOW, TZ) == NOW - timedelta(minutes=5)
    with pytest.raises(ValueError):
        parse_time("noon", NOW, TZ)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_no_input_crashes_the_parser(line):
    try:
        drafts = parse(line, ctx())
    except EntryError as err:
        assert err.column >= 1
    else:
        assert drafts and all(d.occurred_at <= NOW for d in drafts if d.kind.startswith("entry"))


COMMAND_WORDS = st.sampled_from(
    ["/" + c for c in COMMANDS] + ["@15:20", "@-5m", "@x", "!", "?", ">", "todo:", "last"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(COMMAND_WORDS, st.text(min_size=1, max_size=8)), max_size=6))
def test_no_command_shaped_input_crashes_the_parser(words):
    log = Log(T0)
    log.add("entry.note", {"text": "a", "mentions": []}, minutes=1)
    log.add("entry.hypothesis", {"text": "b", "mentions": []}, minutes=2)
    try:
        parse(" ".join(words), ctx(log))
    except EntryError as err:
        assert err.column >= 1


# daylight saving (Europe/Berlin: forward 2026-03-29 02:00 -> 03:00, back 2026-10-25 03:00 -> 02:00)
def berlin(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "typed", "expected"),
    [
        # fall back, second pass through 02:xx (CET): 02:50 was 30 min ago, in CEST
        ("2026-10-25T02:20:00+01:00", "02:50", "2026-10-25T02:50:00+02:00"),
        # after the fall back, the most recent 02:30 is the CET one, 40 min ago
        ("2026-10-25T03:10:00+01:00", "02:30", "2026-10-25T02:30:00+01:00"),
        # an ordinary night
        ("2026-03-04T00:05:00+01:00", "23:50", "2026-03-03T23:50:00+01:00"),
        # spring forward: 01:55 happened, in CET
        ("2026-03-29T03:10:00+02:00", "01:55", "2026-03-29T01:55:00+01:00"),
    ],
)
def test_clock_times_across_daylight_saving(now, typed, expected):
    assert parse_time(typed, berlin(now), TZ) == berlin(expected)


def test_a_clock_time_the_clocks_skipped_is_refused_not_moved_to_yesterday():
    with pytest.raises(ValueError, match="skipped"):
        parse_time("02:30", berlin("2026-03-29T03:40:00+02:00"), TZ)


def test_just_after_midnight_typed_just_before_is_the_future():
    with pytest.raises(ValueError, match="future"):
        parse_time("00:03", berlin("2026-03-04T23:58:00+01:00"), TZ)


def test_next_with_a_clock_time_that_has_passed_is_refused():
    with pytest.raises(EntryError, match="has passed"):
        one("/next 15:25")  # it is 15:30
    assert one("/next 16:10").data == {"at": "2026-03-04T15:10:00Z"}
    assert one("/next 01:00").data == {"at": "2026-03-05T00:00:00Z"}  # 9.5 h ahead


def test_snooze_takes_durations_only():
    with pytest.raises(EntryError, match="duration"):
        one("/snooze 15:40")


@pytest.mark.parametrize(
    "line", ["/var/log/syslog is full", "/api/checkout returns 500", "/ alone", "/2fa broken"]
)
def test_a_first_word_that_is_not_a_command_word_is_a_note(line):
    assert one(line).kind == "entry.note"
    assert one(line).data["text"] == line


def test_double_slash_escapes_a_note_that_looks_like_a_command():
    draft = one("//sev is what we call the severity command")
    assert draft.kind == "entry.note"
    assert draft.data["text"] == "/sev is what we call the severity command"


def test_last_means_your_own_latest_entry():
    log = Log(T0)
    mine = log.add("entry.note", {"text": "typo'd", "mentions": []}, minutes=1, author="alice")
    log.add("entry.decision", {"text": "roll back", "mentions": []}, minutes=2, author="bob")
    context = ctx(log)
    context.author = "alice"
    assert one("/retract last", context).data == {"target": mine.id}
    context.author = "carol"
    with pytest.raises(EntryError, match="you have logged no entry"):
        parse("/retract last", context)


def test_confirm_last_means_the_latest_open_hypothesis():
    log = Log(T0)
    h1 = log.add("entry.hypothesis", {"text": "dns", "mentions": []}, minutes=1)
    h2 = log.add("entry.hypothesis", {"text": "pool", "mentions": []}, minutes=2)
    log.add("hypothesis.resolved", {"target": h2.id, "outcome": "ruled_out"}, minutes=3)
    assert one("/confirm last", ctx(log)).data == {"target": h1.id, "outcome": "confirmed"}


@pytest.mark.parametrize("line", ["@-5m /retract last", "@15:20 /star last", "@-1m /amend last x"])
def test_corrections_cannot_be_backdated(line):
    log = Log(T0)
    log.add("entry.note", {"text": "a", "mentions": []}, minutes=1)
    with pytest.raises(EntryError, match="cannot be backdated"):
        parse(line, ctx(log))


@pytest.mark.parametrize(
    "line",
    [
        "/sev ²",
        "/sev ١",
        "@9999-12-31T23:00-05:00 hi",
        "@0001-01-01T00:00+05:00 x",
        "/next 99999999999m",
        "@-99999999999d x",
    ],
)
def test_odd_digits_and_extreme_times_are_errors_not_crashes(line):
    with pytest.raises(EntryError):
        parse(line, ctx())
