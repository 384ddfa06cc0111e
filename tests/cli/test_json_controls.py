"""JSON output carries user text exactly, and nothing a terminal would act on (issue 10,
item 16): DEL, the C1 controls (U+009B is a terminal's CSI), the bidirectional overrides,
isolates and marks, and U+2028/U+2029 are written as \\uXXXX escapes, so the output is
valid JSON with the same values, while other non-ASCII text stays readable UTF-8. Each
command's output is parsed and compared with what the database holds, byte for byte."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import Result, Run, db_rows

# What a terminal acts on that plain json.dumps(ensure_ascii=False) leaves raw. Spelled out
# here, not imported, so the test checks the promise rather than the implementation.
RAW_FORBIDDEN = {
    0x7F,
    *range(0x80, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2028,
    0x2029,
}
READABLE = ("é", "日本", "👨\u200d👩\u200d👧")  # stays raw UTF-8 (the joiner included)

HOSTILE = (
    "needle del\x7f c1\x80\x85 csi\x9b2J\x9b[31m bidi\u202eRTL\u202c\u202a\u202b\u202d "
    "iso\u2066x\u2069\u2067\u2068 marks\u200e\u200f\u061c ls\u2028ps\u2029 "
    "esc\x1b[0m é 日本 👨\u200d👩\u200d👧 end"
)
TITLE = "Title \x9b2J \u202eevil\u202c \u2028 é 日本"


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value (keys and values)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def clean_output(text: str) -> None:
    """None of the forbidden code points raw; the readable ones are not escaped."""
    raw = sorted({f"U+{ord(ch):04X}" for ch in text if ord(ch) in RAW_FORBIDDEN})
    assert raw == [], raw


def parse(result: Result) -> list[Any]:
    """The output as JSON values: one document, or one per line for JSON Lines."""
    result.ok()
    clean_output(result.stdout)
    try:
        return [json.loads(result.stdout)]
    except json.JSONDecodeError:
        # JSON Lines: split on "\n" only (str.splitlines would also split on U+2028,
        # U+0085, ...: a raw one would have failed clean_output above anyway)
        return [json.loads(line) for line in result.stdout.split("\n") if line]


def stored_texts(db: Path) -> list[str]:
    """The text of every note and the title as the database holds them."""
    out = []
    for (data,) in db_rows(
        db,
        "SELECT data FROM events WHERE kind IN (?, ?) ORDER BY seq",
        "entry.note",
        "incident.declared",
    ):
        value = json.loads(data)
        out.append(value.get("text") or value.get("title"))
    return out


@pytest.fixture
def hostile_ref(run: Run, db: Path) -> str:
    ref = run("declare", TITLE).ok().stdout.strip()
    run("log", ref, HOSTILE).ok()
    run("log", ref, f"/impact {HOSTILE}").ok()
    run("log", ref, f"? {HOSTILE}").ok()
    assert stored_texts(db) == [TITLE, HOSTILE]
    return ref


def holds_exactly(values: list[Any], *wanted: str) -> None:
    found = {s for v in values for s in strings(v)}
    for text in wanted:
        assert text in found, (text, sorted(found)[:20])
        assert any(s.encode("utf-8") == text.encode("utf-8") for s in found)


@pytest.mark.parametrize(
    "command",
    [
        ("timeline", "{ref}", "--json"),
        ("timeline", "{ref}", "--jsonl"),
        ("timeline", "{ref}", "--json", "--all"),
        ("events", "{ref}", "--jsonl"),
        ("show", "{ref}", "--json"),
        ("brief", "{ref}", "--json"),
        ("search", "needle", "--json"),
        ("export", "{ref}", "-f", "json"),
        ("export", "{ref}", "-f", "jsonl"),
    ],
    ids=lambda c: " ".join(c),
)
def test_reads_write_user_text_exactly_and_escape_controls(
    run: Run, hostile_ref: str, command: tuple[str, ...]
) -> None:
    args = [part.format(ref=hostile_ref) for part in command]
    values = parse(run(*args))
    # the entry's text everywhere; the title too where the command shows it
    wanted = [HOSTILE] if command[0] in ("search", "timeline") else [HOSTILE, TITLE]
    holds_exactly(values, *wanted)
    out = run(*args).stdout
    for readable in READABLE:
        assert readable in out


def test_list_json(run: Run, hostile_ref: str) -> None:
    values = parse(run("list", "--json"))
    holds_exactly(values, TITLE)
    assert values[0][0]["ref"] == hostile_ref


def test_export_to_a_file_escapes_the_same(run: Run, hostile_ref: str, tmp_path: Path) -> None:
    for fmt in ("json", "jsonl"):
        out = tmp_path / f"export.{fmt}"
        assert run("export", hostile_ref, "-f", fmt, "-o", str(out)).returncode == 0
        text = out.read_text(encoding="utf-8")
        clean_output(text)
        values = (
            [json.loads(text)] if fmt == "json" else [json.loads(x) for x in text.split("\n") if x]
        )
        holds_exactly(values, HOSTILE, TITLE)


def test_log_json_one_line_and_a_batch(run: Run, hostile_ref: str, db: Path) -> None:
    one = parse(run("log", hostile_ref, f"! {HOSTILE}", "--json"))
    assert one[0]["data"]["text"] == HOSTILE
    lines = f"{HOSTILE}\n> {HOSTILE}\n"
    batch = parse(run("log", hostile_ref, "-", "--json", input=lines))
    assert [e["data"]["text"] for e in batch[0]] == [HOSTILE, HOSTILE]
    stored = [
        json.loads(d)["text"]
        for (d,) in db_rows(
            db, "SELECT data FROM events WHERE kind IN ('entry.decision', 'entry.action')"
        )
    ]
    assert stored == [HOSTILE, HOSTILE]


def test_declare_json(run: Run, db: Path) -> None:
    values = parse(run("declare", TITLE, "--json"))
    (title,) = [json.loads(d)["title"] for (d,) in db_rows(db, "SELECT data FROM events")]
    assert title == TITLE
    assert values[0]["ref"].startswith("INC-")


def test_update_json_and_dry_run(run: Run, hostile_ref: str, db: Path) -> None:
    dry = parse(
        run("update", hostile_ref, "-t", "internal", "--text", HOSTILE, "--dry-run", "--json")
    )
    assert dry[0]["text"] == HOSTILE
    sent = parse(run("update", hostile_ref, "-t", "internal", "--text", HOSTILE, "--json"))
    assert sent[0]["event"]["data"]["text"] == HOSTILE
    (stored,) = [
        json.loads(d)["text"]
        for (d,) in db_rows(db, "SELECT data FROM events WHERE kind = 'update.sent'")
    ]
    assert stored == HOSTILE
    # the template's text carries the hostile title through, escaped the same way
    filled = parse(run("update", hostile_ref, "-t", "internal", "--dry-run", "--json"))
    assert TITLE in filled[0]["text"]


def test_policy_json_of_a_config_file_with_controls(run: Run) -> None:
    folder = Path(os.environ["COCKPIT_CONFIG_DIR"])
    folder.mkdir(parents=True)
    label = "odd \x9b[2J \u202eX\u202c \u2028 y \x7f é"
    meaning = "m \u200e \u2029 \x85 日本"
    toml_escape = "".join(ch if 0x20 <= ord(ch) < 0x7F else f"\\U{ord(ch):08X}" for ch in label)
    meaning_escape = "".join(
        ch if 0x20 <= ord(ch) < 0x7F else f"\\U{ord(ch):08X}" for ch in meaning
    )
    (folder / "odd.toml").write_text(
        f'name = "odd"\nlabel = "{toml_escape}"\ndefault_level = "T1"\n'
        '[[roles]]\nkey = "ic"\nlabel = "Commander"\n'
        f'[[levels]]\nkey = "T1"\nlabel = "Only"\nmeaning = "{meaning_escape}"\n'
        'first_update = "5m"\ncadence = "10m"\n',
        encoding="utf-8",
    )
    shown = parse(run("policy", "show", "odd", "--json"))
    assert shown[0]["label"] == label
    assert shown[0]["levels"][0]["meaning"] == meaning
    listed = parse(run("policy", "list", "--json"))
    assert "odd" in listed[0]["policies"]
