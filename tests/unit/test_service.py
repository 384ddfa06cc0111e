"""The services both faces use: declaring, logging, and policy fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.clock import ManualClock
from cockpit.config import config_dir, shipped_text
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0
from tests.unit.factory import SMALL_RUNBOOK


def make(tmp_path: Path, author: str = "alice") -> Cockpit:
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "svc.db", clock), clock, author=author, zone_name="Europe/Berlin"
    )


def custom_policy(name: str) -> Path:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(shipped_text("p3.toml").replace('name = "p3"', f'name = "{name}"'))
    return path


def test_a_broken_or_deleted_policy_never_blocks_a_running_incident(tmp_path: Path):
    path = custom_policy("acme")
    cockpit = make(tmp_path)
    cockpit.use_policy("acme")
    declared = cockpit.declare("Payments down", "1")
    path.write_text(path.read_text() + "\nbogus = [\n")  # broken
    later = make(tmp_path)
    later.log(declared.incident_id, "/role ic @alice")
    path.unlink()  # gone
    again = make(tmp_path)
    again.log(declared.incident_id, "/sev 2")
    incident = again.incident(declared.incident_id)
    assert incident.severity == "P2"  # the incident's own copy of the acme policy
    assert incident.roles["ic"].handle == "alice"


def test_declaring_falls_back_to_the_shipped_policy_with_a_warning(tmp_path: Path):
    path = custom_policy("acme")
    make(tmp_path).use_policy("acme")
    path.unlink()
    cockpit = make(tmp_path)
    event = cockpit.declare("Still works", "SEV-1")
    assert cockpit.incident(event.incident_id).severity == "SEV-1"
    assert any("acme" in w and "shipped sev" in w for w in cockpit.warnings)


def test_a_plain_entry_is_logged_without_folding_the_incident(tmp_path: Path, monkeypatch):
    cockpit = make(tmp_path)
    declared = cockpit.declare("x", "1")

    def boom(*_args, **_kwargs):
        raise AssertionError("folded")

    monkeypatch.setattr(cockpit, "incident", boom)
    events = cockpit.log(declared.incident_id, "@-2m ! roll back")
    assert events[0].kind == "entry.decision"
    assert cockpit.store.entry_text(events[0].id) == "roll back"


def test_log_many_is_all_or_nothing_and_sees_its_own_earlier_lines(tmp_path: Path):
    from cockpit.service import LineError

    cockpit = make(tmp_path)
    declared = cockpit.declare("x", "1")
    events = cockpit.log_many(declared.incident_id, [(1, "? pool"), (2, "/confirm last")])
    assert [e.kind for e in events] == ["entry.hypothesis", "hypothesis.resolved"]
    before = cockpit.store.count_events()
    try:
        cockpit.log_many(declared.incident_id, [(1, "fine"), (2, "/sev 9")])
    except LineError as exc:
        assert exc.line == 2
    else:
        raise AssertionError("expected a LineError")
    assert cockpit.store.count_events() == before


def test_amend_from_a_form_takes_text_as_it_is_and_refuses_what_changes_nothing(
    tmp_path: Path,
):
    from cockpit.entry import EntryError

    cockpit = make(tmp_path)
    declared = cockpit.declare("x", "1")
    note = cockpit.log(declared.incident_id, "first try")[0]
    inc = cockpit.incident(declared.incident_id)
    for kwargs, message in [
        ({"text": "first try"}, "nothing changed"),
        ({"text": "  "}, "cannot be empty"),
        ({"at": "15:05"}, "future"),  # T0 is 15:00 in Berlin
        ({"at": "soon"}, "time:"),
    ]:
        with pytest.raises(EntryError, match=message):
            cockpit.amend(inc, note.id, **kwargs)
    with pytest.raises(EntryError, match="not an entry"):
        cockpit.amend(inc, declared.id, text="y")
    events = cockpit.amend(inc, note.id, text="/sev 4 is what I meant", at="-2m")
    assert [e.kind for e in events] == ["entry.amended"]
    item = cockpit.incident(declared.incident_id).items[note.id]
    assert item.text == "/sev 4 is what I meant" and item.amended
    assert cockpit.incident(declared.incident_id).severity == "SEV-1"  # text, not a command


def test_an_incident_keeps_the_checklist_it_was_declared_with(tmp_path: Path):
    # As with its policy: editing the runbook file later changes new incidents only, and
    # every machine folds the incident's checklist alike, whatever its own file says.
    cockpit = make(tmp_path)
    before = cockpit.declare("Payments down", "1").incident_id
    cockpit.log(before, "/check classify")
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "first-thirty.toml").write_text(SMALL_RUNBOOK)

    later = make(tmp_path)
    old = later.incident(before)
    assert old.runbook is not None and "classify" in [i.id for i in old.runbook.items]
    assert "classify" in old.checklist
    later.log(before, "/check name-ic")  # the grammar checks ids against the incident's
    assert "name-ic" in later.incident(before).checklist

    new = later.incident(later.declare("Search slow", "3").incident_id)
    assert new.runbook is not None and [i.id for i in new.runbook.items] == ["breathe"]
    with pytest.raises(Exception, match="classify"):
        later.log(new.id, "/check classify")


def test_an_incident_declared_without_a_runbook_copy_uses_the_current_file(tmp_path: Path):
    # Declarations written before they carried their runbook still fold with a checklist.
    from cockpit.incident import fold

    cockpit = make(tmp_path)
    declared = cockpit.declare("Payments down", "1")
    data = declared.data.model_dump(mode="json")
    del data["runbook"]
    bare = cockpit.store.new_event(
        declared.incident_id, "incident.declared", data, author="alice", occurred_at=T0
    )
    loads = []

    def load():
        loads.append(1)
        return cockpit.runbook

    inc = fold([bare.to_rec()], load)
    assert inc.runbook == cockpit.runbook
    assert loads == [1]
    assert fold([declared.to_rec()], load).runbook == cockpit.runbook
    assert loads == [1]  # a declaration with its copy never loads the file
