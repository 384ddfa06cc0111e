"""`cockpit policy [list|show|use NAME]`: the severity policy is chosen per database."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import Run, db_rows, log_json, show


def test_policy_list_marks_the_current_one(run: Run) -> None:
    lines = run("policy").ok().stdout.splitlines()
    assert lines == run("policy", "list").ok().stdout.splitlines()
    assert [line[2:] for line in lines] == ["bank", "p0", "p3", "sev"]
    assert [line for line in lines if line.startswith("* ")] == ["* sev"]
    assert run("policy", "list", "--json").ok().json() == {
        "current": "sev",
        "policies": ["bank", "p0", "p3", "sev"],
    }


def test_policy_show(run: Run) -> None:
    out = run("policy", "show").ok().stdout
    assert out.startswith("sev: ")
    for key in ("SEV-1", "SEV-2", "SEV-3", "SEV-4"):
        assert key in out
    assert "SEV-1: first update 10 min, then every 15 min" in out
    assert "SEV-4: no updates required" in out
    p0 = run("policy", "show", "p0", "--json").ok().json()
    assert p0["name"] == "p0"
    assert [lv["key"] for lv in p0["levels"]] == ["P0", "P1", "P2", "P3"]
    level = p0["levels"][0]
    assert (level["first_update"], level["cadence"]) == (300, 900)
    assert [e["after"] for e in level["escalation"]] == [300, 900]
    assert {r["key"] for r in p0["roles"]} >= {"ic", "tl", "comms", "scribe"}


def test_policy_use_p3_then_declare(run: Run, ref: str, db: Path) -> None:
    out = run("policy", "use", "p3").ok().stdout
    assert "p3" in out
    assert run("policy", "list", "--json").ok().json()["current"] == "p3"
    assert db_rows(db, "SELECT value FROM settings WHERE key = 'policy'") == [("p3",)]
    new = run("declare", "on p3", "--severity", "1").ok().stdout.strip()
    data = show(new)
    assert data["severity"] == "P1"
    (declaration,) = run("events", new).ok().jsonl()
    assert [lv["key"] for lv in declaration["data"]["policy"]["levels"]] == ["P1", "P2", "P3"]
    assert show(run("declare", "default level").ok().stdout.strip())["severity"] == "P2"
    assert log_json(new, "/sev 3")["data"] == {"level": "P3"}
    assert show(new)["next_update_due_at"] is None  # P3: no updates
    err = run("log", new, "/sev SEV-1").error_line(1)
    assert "P1, P2, P3" in err
    err = run("declare", "x", "--severity", "SEV-1").error_line(1)
    assert "P1, P2, P3" in err
    # the incident declared before keeps the policy it was declared under
    assert show(ref)["severity"] == "SEV-2"
    assert log_json(ref, "/sev 1")["data"] == {"level": "SEV-1"}


def test_policy_use_unknown_name_is_bad_input(run: Run) -> None:
    err = run("policy", "use", "sevv").error_line(1)
    assert "sevv" in err and "did you mean 'sev'" in err
    assert run("policy", "list", "--json").ok().json()["current"] == "sev"
    err = run("policy", "show", "../../etc/passwd").error_line(1)
    assert "bank, p0, p3, sev" in err
    err = run("policy", "use").error_line(1)
    assert "NAME" in err
    run("policy", "frobnicate").error_line(1)


def test_user_policy_file_replaces_the_shipped_one(run: Run, tmp_path: Path) -> None:
    import os

    folder = Path(os.environ["COCKPIT_CONFIG_DIR"])
    folder.mkdir(parents=True)
    (folder / "tiny.toml").write_text(
        'name = "tiny"\n'
        'default_level = "T1"\n'
        '[[roles]]\nkey = "ic"\nlabel = "Commander"\n'
        '[[levels]]\nkey = "T1"\nlabel = "Only"\nfirst_update = "5m"\ncadence = "10m"\n',
        encoding="utf-8",
    )
    assert "tiny" in run("policy", "list", "--json").ok().json()["policies"]
    run("policy", "use", "tiny").ok()
    ref = run("declare", "x").ok().stdout.strip()
    data = show(ref)
    assert data["severity"] == "T1"


def test_broken_user_policy_warns_and_the_shipped_one_is_used(run: Run) -> None:
    import os

    folder = Path(os.environ["COCKPIT_CONFIG_DIR"])
    folder.mkdir(parents=True)
    broken = folder / "sev.toml"
    broken.write_text(
        'name = "sev"\n'
        '[[roles]]\nkey = "ic"\nlabel = "Commander"\n'
        '[[levels]]\nkey = "SEV-1"\nlabel = "Bad"\nfirst_update = "5m"\ncadance = "10m"\n',
        encoding="utf-8",
    )
    result = run("declare", "x", "--severity", "3")
    assert result.returncode == 0
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"cockpit: warning: {broken}:9: ")
    assert "did you mean 'cadence'" in warning
    ref = result.stdout.strip()
    assert show(ref)["severity"] == "SEV-3"  # the shipped sev policy still works
