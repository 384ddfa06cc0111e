"""The CLI's one JSON writer: the same values back, nothing raw a terminal acts on, and every
other character as readable UTF-8."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cockpit.jsonout import dumps

EXPLICIT_BIDI_CLASSES = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def must_escape(ch: str) -> bool:
    """DEL and C1 (with C0, which json escapes anyway, Unicode's `Cc`), the bidi
    embeddings, overrides and isolates, the three marks, and U+2028/U+2029."""
    return (
        unicodedata.category(ch) == "Cc"
        or unicodedata.bidirectional(ch) in EXPLICIT_BIDI_CLASSES
        or ch in "\u200e\u200f\u061c\u2028\u2029"
    )


def escaped_exactly_those(text: str, out: str) -> None:
    for ch in text:
        if must_escape(ch):
            assert ch not in out, f"U+{ord(ch):04X} written raw"
        elif ch not in '"\\':
            assert ch in out, f"U+{ord(ch):04X} was escaped or lost"


# Any text, with the dangerous code points drawn often (plain st.text rarely picks them).
DANGEROUS = st.sampled_from(
    list(
        "\x7f\x80\x85\x9b\x9f\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\x1b\x00\u200d\ufeffé日"
    )
)
TEXT = st.lists(st.one_of(st.characters(), DANGEROUS)).map("".join)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(TEXT)
def test_any_text_round_trips_and_only_controls_are_escaped(text: str) -> None:
    for indent in (None, 2):
        out = dumps(text, indent=indent)
        assert json.loads(out) == text
        assert out.encode("utf-8").decode("utf-8") == out  # writable as UTF-8
        escaped_exactly_those(text, out)


@given(JSONISH)
def test_any_value_round_trips_with_no_raw_control(value: Any) -> None:
    for indent in (None, 2):
        out = dumps(value, indent=indent)
        assert json.loads(out) == value
        assert not any(must_escape(ch) for ch in out if ch != "\n")
        if indent is None:
            assert "\n" not in out  # one line: JSON Lines stay one value a line


def test_the_escapes_are_the_standard_form() -> None:
    assert dumps("a\x9bb\u202ec\u2028d\x7f") == '"a\\u009bb\\u202ec\\u2028d\\u007f"'
    assert dumps({"k": "é 日本 👨\u200d👩\u200d👧"}) == '{"k":"é 日本 👨\u200d👩\u200d👧"}'
