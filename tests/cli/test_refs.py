"""REFs: `INC-` plus six characters of the incident's ULID; any unambiguous prefix works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import Run, show


def _declare_with_ids(db: Path, *randoms: str) -> list[str]:
    """Declare incidents whose ids have chosen random parts (so their refs share a prefix)."""
    from cockpit.clock import SystemClock
    from cockpit.service import Cockpit
    from cockpit.store import Store
    from cockpit.ulid import new_ulid

    clock = SystemClock()
    ids = []
    with Store(db, clock) as store:
        cockpit = Cockpit(store, clock)
        for index, random in enumerate(randoms):
            incident_id = new_ulid()[:10] + random + "0000000000"[: 16 - len(random)]
            event = store.new_event(
                incident_id,
                "incident.declared",
                {
                    "title": f"Twin {index}",
                    "severity": "SEV-2",
                    "policy": cockpit.policy.copy_for_event(),
                    "exercise": False,
                    "zone": "Europe/Berlin",
                },
                author="tester",
            )
            store.append([event])
            ids.append(incident_id)
    return ids


@pytest.fixture
def twins(db: Path) -> list[str]:
    return _declare_with_ids(db, "QRS111", "QRS222")


@pytest.mark.parametrize("form", ["INC-QRS1", "inc-qrs1", "QRS1", "qrs111", "INC-QRS111"])
def test_unambiguous_prefixes(twins: list[str], form: str) -> None:
    assert show(form)["id"] == twins[0]


def test_full_id_and_id_prefix(twins: list[str]) -> None:
    assert show(twins[1])["ref"] == "INC-QRS222"
    assert show(twins[1].lower())["ref"] == "INC-QRS222"


@pytest.mark.parametrize("form", ["INC-QRS", "qrs", "Q", "INC-Q"])
def test_ambiguous_lists_the_candidates(run: Run, twins: list[str], form: str) -> None:
    err = run("show", form).error_line(1)
    assert "ambiguous" in err
    assert "INC-QRS111" in err and "INC-QRS222" in err
    assert "Twin 0" in err and "Twin 1" in err


def test_ambiguous_id_prefix(run: Run, twins: list[str]) -> None:
    # ids begin with their time: two made a moment apart share the first digits
    common = twins[0][:4]
    assert twins[1].startswith(common)
    err = run("log", common, "hello").error_line(1)
    assert "ambiguous" in err


@pytest.mark.parametrize(
    "args",
    [
        ["show", "INC-ZZZZZZ"],
        ["show", "INC-ZZZZZZ", "--json"],
        ["log", "INC-ZZZZZZ", "x"],
        ["timeline", "INC-ZZZZZZ"],
        ["events", "INC-ZZZZZZ"],
        ["export", "INC-ZZZZZZ"],
    ],
)
def test_unknown_ref_is_exit_1(run: Run, ref: str, args: list[str]) -> None:
    err = run(*args).error_line(1)
    assert "INC-ZZZZZZ" in err


@pytest.mark.parametrize("bad", ["INC-", "", "INC-!!", "not a ref", "INC-ABCI"])
def test_malformed_ref_is_exit_1(run: Run, ref: str, bad: str) -> None:
    run("show", bad).error_line(1)


def test_every_subcommand_takes_a_prefix(run: Run, twins: list[str]) -> None:
    run("log", "qrs2", "hello from a prefix").ok()
    assert show("INC-QRS222")["entry_count"] == 1
    assert run("timeline", "qrs2").ok().stdout.count("hello from a prefix") == 1
    assert len(run("events", "qrs2").ok().jsonl()) == 2
    assert run("export", "qrs2").ok().stdout.startswith("# INC-QRS222: Twin 1")
