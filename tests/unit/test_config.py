"""Policies and the runbook as data: the shipped numbers, user overrides, broken user files."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from cockpit import config, schemas
from cockpit import policy as policy_module
from cockpit import runbook as runbook_module
from cockpit.config import ConfigError, locate, parse_model, shipped_text
from cockpit.plain import build
from cockpit.policy import Policy, load_policy, policy_names
from cockpit.runbook import Runbook, load_runbook
from tests.unit.factory import SMALL_RUNBOOK

MIN = 60
HOUR = 3600

# (key, first_update, cadence) in seconds, in the order the policy lists its levels.
SHIPPED = {
    "sev": [
        ("SEV-1", 10 * MIN, 15 * MIN),
        ("SEV-2", 15 * MIN, 30 * MIN),
        ("SEV-3", 30 * MIN, 60 * MIN),
        ("SEV-4", None, None),
    ],
    "p3": [
        ("P1", 10 * MIN, 30 * MIN),
        ("P2", 30 * MIN, 60 * MIN),
        ("P3", None, None),
    ],
    "bank": [
        ("P1", 10 * MIN, 15 * MIN),
        ("P2", 15 * MIN, 30 * MIN),
        ("P3", 60 * MIN, 60 * MIN),
    ],
    "p0": [
        ("P0", 5 * MIN, 15 * MIN),
        ("P1", 10 * MIN, 30 * MIN),
        ("P2", 30 * MIN, 60 * MIN),
        ("P3", None, None),
    ],
}

RUNBOOK_ITEMS = {
    "0-5": ["confirm-impact", "classify", "open-bridge", "name-ic"],
    "5-10": ["internal-update", "customer-ack", "name-comms"],
    "10-30": ["what-changed", "dashboards", "third-party", "rollback-decision", "promise-next"],
}


def user_file(name: str, text: str) -> Path:
    folder = config.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """The 1-based number of the nth line that is exactly `needle` (stripped)."""
    numbers = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == needle]
    assert len(numbers) > nth, f"{needle!r} not in the text"
    return numbers[nth]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the text"
    return text.replace(old, new)


def shipped_policy(name: str) -> Policy:
    return build(
        Policy, parse_model(shipped_text(name + ".toml"), schemas.Policy, name).model_dump()
    )


# the shipped data -------------------------------------------------------------------------
def test_policy_names_are_the_shipped_presets() -> None:
    assert policy_names() == ["bank", "p0", "p3", "sev"]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_policy_levels_match_the_issue(name: str) -> None:
    policy, warnings = load_policy(name)
    assert warnings == []
    assert policy.name == name
    got = [(lv.key, lv.first_update, lv.cadence) for lv in policy.levels]
    assert got == SHIPPED[name]
    for level in policy.levels:
        assert level.has_updates == (level.cadence is not None)
        assert level.label


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_policies_have_the_standard_roles(name: str) -> None:
    policy, _ = load_policy(name)
    keys = [role.key for role in policy.roles]
    assert {"ic", "tl", "comms", "scribe"} <= set(keys)
    assert policy.default in [lv.key for lv in policy.levels]


def test_sev_response_targets() -> None:
    policy, _ = load_policy("sev")
    responds = {lv.key: lv.respond_within for lv in policy.levels}
    assert responds["SEV-1"] == 5 * MIN
    assert responds["SEV-2"] == 15 * MIN
    assert responds["SEV-3"] == HOUR
    assert "next business day" in policy.level("SEV-4").response
    assert policy.level("SEV-1").rule_text() == "SEV-1: first update 10 min, then every 15 min"
    assert policy.level("SEV-4").rule_text() == "SEV-4: no updates required"


def test_bank_restore_targets() -> None:
    policy, _ = load_policy("bank")
    assert policy.level("P1").resolve_within == 4 * HOUR
    assert "1-4 h" in policy.level("P1").resolve_note
    assert policy.level("P2").resolve_within == 8 * HOUR
    assert "4-8 h" in policy.level("P2").resolve_note


def test_p0_escalates_at_5_and_15_minutes() -> None:
    policy, _ = load_policy("p0")
    steps = [(step.after, step.to) for step in policy.level("P0").escalation]
    assert steps == [(5 * MIN, "senior engineers"), (15 * MIN, "executives")]
    assert policy.level("P1").escalation == []


def test_runbook_phases_and_items() -> None:
    runbook, warnings = load_runbook()
    assert warnings == []
    assert [(p.key, p.start, p.end) for p in runbook.phases] == [
        ("0-5", 0, 5 * MIN),
        ("5-10", 5 * MIN, 10 * MIN),
        ("10-30", 10 * MIN, 30 * MIN),
    ]
    by_phase: dict[str, list[str]] = {}
    for item in runbook.items:
        by_phase.setdefault(item.phase, []).append(item.id)
    # The ids are stable: `/check ID` and sync depend on them.
    assert by_phase == RUNBOOK_ITEMS
    ids = [item.id for item in runbook.items]
    assert len(ids) == len(set(ids))


def test_runbook_items_are_due_within_their_phase() -> None:
    runbook, _ = load_runbook()
    for item in runbook.items:
        phase = runbook.phase(item.phase)
        assert phase.start < item.due <= phase.end, item.id
        assert item.title


# user overrides ---------------------------------------------------------------------------
ONE_LEVEL = """\
name = "sev"
label = "Our own scale"

[[roles]]
key = "ic"
label = "Incident commander"

[[levels]]
key = "SEV-1"
label = "Everything is down"
first_update = "5m"
cadence = "10m"
"""


def test_user_policy_replaces_the_shipped_one_whole() -> None:
    user_file("sev.toml", ONE_LEVEL)
    policy, warnings = load_policy("sev")
    assert warnings == []
    assert policy.label == "Our own scale"
    assert [(lv.key, lv.first_update, lv.cadence) for lv in policy.levels] == [
        ("SEV-1", 5 * MIN, 10 * MIN)
    ]
    assert [role.key for role in policy.roles] == ["ic"]
    # Other presets are untouched.
    assert load_policy("p0")[0] == shipped_policy("p0")


def test_user_only_policy_is_listed_and_loads() -> None:
    user_file("ours.toml", ONE_LEVEL.replace('name = "sev"', 'name = "ours"'))
    assert "ours" in policy_names()
    policy, warnings = load_policy("ours")
    assert warnings == []
    assert policy.name == "ours"


def test_user_runbook_replaces_the_shipped_one_whole() -> None:
    user_file("first-thirty.toml", SMALL_RUNBOOK)
    runbook, warnings = load_runbook()
    assert warnings == []
    assert [item.id for item in runbook.items] == ["breathe"]
    assert [phase.key for phase in runbook.phases] == ["now"]


def test_unknown_policy_name_suggests_a_known_one() -> None:
    with pytest.raises(ConfigError, match="did you mean 'sev'"):
        load_policy("sevv")


@pytest.mark.parametrize("name", ["", "../sev", ".hidden", "first-thirty"])
def test_names_that_are_not_policies_are_refused(name: str) -> None:
    with pytest.raises(ConfigError):
        load_policy(name)


# broken user files --------------------------------------------------------------------------
SEV = shipped_text("sev.toml")


def _syntax_error() -> tuple[str, int]:
    text = replace_once(SEV, 'respond_within = "15m"', 'respond_within = "15m')
    return text, line_of(text, 'respond_within = "15m')


def _unknown_key() -> tuple[str, int]:
    text = replace_once(SEV, '\ncadence = "30m"', '\ncadance = "30m"')
    return text, line_of(text, 'cadance = "30m"')


def _bad_duration() -> tuple[str, int]:
    text = replace_once(SEV, '\ncadence = "1h"', '\ncadence = "fast"')
    return text, line_of(text, 'cadence = "fast"')


def _missing_key() -> tuple[str, int]:
    # SEV-2 loses its label: the right line is the header of SEV-2's table.
    text = replace_once(SEV, 'label = "Major"\n', "")
    header = line_of(text, 'key = "SEV-2"') - 1
    assert text.splitlines()[header - 1] == "[[levels]]"
    return text, header


def _wrong_type() -> tuple[str, int]:
    text = replace_once(SEV, 'label = "Major"', "label = 5")
    return text, line_of(text, "label = 5")


def _bad_colour() -> tuple[str, int]:
    text = replace_once(SEV, 'colour = "warning"', 'colour = "purple"')
    return text, line_of(text, 'colour = "purple"')


def _bad_escalation_in_multiline_array() -> tuple[str, int]:
    # The shipped files write escalation steps one per line; a typo in the second step
    # is on that step's line, not on the `escalation = [` line.
    text = replace_once(
        SEV,
        '{ after = "30m", to = "executives"',
        '{ after = "30x", to = "executives"',
    )
    lines = text.splitlines()
    return text, next(i for i, line in enumerate(lines, 1) if 'after = "30x"' in line)


def _absurd_duration() -> tuple[str, int]:
    text = replace_once(SEV, '\ncadence = "1h"', '\ncadence = "99999999999999m"')
    return text, line_of(text, 'cadence = "99999999999999m"')


def _duplicate_level() -> tuple[str, int]:
    text = replace_once(SEV, 'key = "SEV-2"', 'key = "SEV-1"')
    return text, line_of(text, 'key = "SEV-1"', nth=1)


BROKEN = {
    "syntax error": (_syntax_error, "not valid TOML"),
    "unknown key": (_unknown_key, "did you mean 'cadence'"),
    "bad duration": (_bad_duration, "duration"),
    "missing key": (_missing_key, "label"),
    "wrong type": (_wrong_type, "string"),
    "bad colour": (_bad_colour, "expected one of"),
    "bad escalation step": (_bad_escalation_in_multiline_array, "duration"),
    "absurd duration": (_absurd_duration, "duration"),
    "duplicate level": (_duplicate_level, "SEV-1"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_user_policy_warns_with_file_and_line_and_shipped_one_works(case: str) -> None:
    make, expected = BROKEN[case]
    text, line = make()
    path = user_file("sev.toml", text)

    policy, warnings = load_policy("sev")

    assert policy == shipped_policy("sev")
    assert len(warnings) == 1
    warning = warnings[0]
    match = re.match(rf"^{re.escape(str(path))}:(\d+): (.+)$", warning)
    assert match, warning
    assert int(match.group(1)) == line, warning
    message = match.group(2)
    assert expected in message
    assert not message.startswith(":"), warning  # a location, not an empty one
    assert "shipped" in message  # says the default is in use


def test_unknown_key_names_the_key_and_the_suggestion() -> None:
    text, line = _unknown_key()
    path = user_file("sev.toml", text)
    _, warnings = load_policy("sev")
    assert warnings[0].startswith(
        f"{path}:{line}: levels.1.cadance: unknown key; did you mean 'cadence'?"
    )


def test_missing_required_key_says_which() -> None:
    text = replace_once(SEV, '[[levels]]\nkey = "SEV-3"\n', "[[levels]]\n")
    path = user_file("sev.toml", text)
    _, warnings = load_policy("sev")
    header = text.splitlines().index('label = "Minor"')  # the line before it is the header
    assert warnings[0].startswith(f"{path}:{header}: levels.2.key: missing")


def test_broken_user_runbook_warns_and_shipped_one_works() -> None:
    shipped = shipped_text("first-thirty.toml")
    text = replace_once(shipped, 'due = "25m"', 'due = "soon"')
    path = user_file("first-thirty.toml", text)
    runbook, warnings = load_runbook()
    assert runbook == build(Runbook, parse_model(shipped, schemas.Runbook, "x").model_dump())
    line = line_of(text, 'due = "soon"')
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:{line}: items.9.due: ")


def test_unreadable_user_file_warns_and_shipped_one_works() -> None:
    folder = config.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sev.toml").write_bytes(b'name = "sev"\n\xff\xfe broken bytes\n')
    policy, warnings = load_policy("sev")
    assert policy == shipped_policy("sev")
    assert len(warnings) == 1
    assert warnings[0].startswith(str(folder / "sev.toml"))


def test_undecodable_unrelated_user_file_does_not_break_policies() -> None:
    folder = config.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scratch.toml").write_bytes(b"\xff\xfe not UTF-8 at all\n")
    policy, _ = load_policy("sev")
    assert policy == shipped_policy("sev")
    assert "sev" in policy_names()


def test_broken_user_only_policy_reports_its_own_error() -> None:
    # There is no shipped `ours` to fall back on: the error must still say what is wrong
    # and where, not that the policy does not exist.
    text = ONE_LEVEL.replace('name = "sev"', 'name = "ours"').replace("cadence", "cadance")
    path = user_file("ours.toml", text)
    assert "ours" in policy_names()
    with pytest.raises(ConfigError) as info:
        load_policy("ours")
    line = line_of(text, 'cadance = "10m"')
    assert str(info.value).startswith(f"{path}:{line}: levels.0.cadance: unknown key")
    assert "did you mean 'cadence'" in str(info.value)


def test_config_error_str_is_path_line_message() -> None:
    error = ConfigError("a/b.toml", 7, "levels.0.cadence: expected a duration")
    assert str(error) == "a/b.toml:7: levels.0.cadence: expected a duration"
    assert str(ConfigError("a/b.toml", None, "missing")) == "a/b.toml: missing"


# locate -----------------------------------------------------------------------------------
LEVELS = """\
name = "x"

[[roles]]
key = "ic"

[[levels]]
key = "A"
cadence = "5m"

[[ levels ]]  # the second one
key = "B"
cadence = "bad"

[[levels]]
key = "C"
"""


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("name",), 1),
        (("roles", 0, "key"), 4),
        (("levels", 0, "key"), 7),
        (("levels", 0, "cadence"), 8),
        (("levels", 1), 10),
        (("levels", 1, "key"), 11),
        (("levels", 1, "cadence"), 12),
        (("levels", 2, "key"), 15),
        (("levels", 2, "cadence"), 14),  # missing: the header of its table
        (("levels", 2, "label"), 14),
    ],
)
def test_locate_counts_array_of_tables(loc: tuple[str | int, ...], line: int) -> None:
    assert locate(LEVELS, loc) == line


NESTED = """\
name = "x"

[[levels]]
key = "A"

[[levels.escalation]]
after = "5m"
to = "leads"

[[levels]]
key = "B"

[[levels.escalation]]
after = "1m"
to = "leads"

[[levels.escalation]]
after = "bad"
to = "execs"
"""


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("levels", 0, "escalation", 0, "after"), 7),
        (("levels", 0, "escalation", 0, "to"), 8),
        (("levels", 1, "key"), 11),
        (("levels", 1, "escalation", 0, "after"), 14),
        (("levels", 1, "escalation", 1, "after"), 18),
        (("levels", 1, "escalation", 1, "to"), 19),
        (("levels", 1, "escalation", 1), 17),
    ],
)
def test_locate_nested_arrays_of_tables_count_per_parent(
    loc: tuple[str | int, ...], line: int
) -> None:
    assert locate(NESTED, loc) == line


def test_nested_table_error_in_a_user_file_names_its_line() -> None:
    text = """\
name = "sev"

[[roles]]
key = "ic"
label = "Incident commander"

[[levels]]
key = "SEV-1"
label = "Critical"
first_update = "10m"
cadence = "15m"

[[levels.escalation]]
after = "15m"
to = "leads"

[[levels]]
key = "SEV-2"
label = "Major"

[[levels.escalation]]
after = "soon"
to = "leads"
"""
    path = user_file("sev.toml", text)
    policy, warnings = load_policy("sev")
    assert policy == shipped_policy("sev")
    assert warnings[0].startswith(f"{path}:22: levels.1.escalation.0.after: ")


def test_the_nested_style_loads_when_correct() -> None:
    text = """\
name = "sev"

[[roles]]
key = "ic"
label = "Incident commander"

[[levels]]
key = "SEV-1"
label = "Critical"
first_update = "10m"
cadence = "15m"

[[levels.escalation]]
after = "15m"
to = "leads"
"""
    user_file("sev.toml", text)
    policy, warnings = load_policy("sev")
    assert warnings == []
    assert [(s.after, s.to) for s in policy.level("SEV-1").escalation] == [(15 * MIN, "leads")]


def test_a_misspelt_nested_key_is_reported_as_unknown_not_as_the_missing_one() -> None:
    text = shipped_text_of("sev.toml").replace('{ after = "15m"', '{ afer = "15m"')
    with pytest.raises(ConfigError) as info:
        parse_model(text, schemas.Policy, "sev.toml")
    assert "afer: unknown key; did you mean 'after'?" in str(info.value)
    assert info.value.line == next(
        n for n, line in enumerate(text.splitlines(), start=1) if "afer" in line
    )


def shipped_text_of(name: str) -> str:
    from cockpit.config import shipped_text

    return shipped_text(name)


@pytest.mark.parametrize(
    ("checked", "plain"),
    [
        (schemas.Policy, Policy),
        (schemas.Level, policy_module.Level),
        (schemas.Audience, policy_module.Audience),
        (schemas.Escalation, policy_module.Escalation),
        (schemas.Role, policy_module.Role),
        (schemas.Runbook, Runbook),
        (schemas.Phase, runbook_module.Phase),
        (schemas.Item, runbook_module.Item),
    ],
)
def test_each_file_schema_has_the_fields_of_the_class_the_cockpit_uses(
    checked: type, plain: type
) -> None:
    # The schema checks a file; the dataclass is what the fold and the screens use. A field
    # added to one and not the other would be dropped silently as a file is loaded.
    assert list(checked.model_fields) == [f.name for f in dataclasses.fields(plain)]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_declarations_copy_rebuilds_the_policy_it_was_made_from(name: str) -> None:
    policy = shipped_policy(name)
    copy = json.loads(json.dumps(policy.copy_for_event()))
    assert Policy.from_copy(copy).levels == policy.levels
    runbook, _ = load_runbook()
    assert Runbook.from_copy(json.loads(json.dumps(runbook.copy_for_event()))) == runbook
