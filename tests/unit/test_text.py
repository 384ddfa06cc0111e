"""User text on the screen: control characters become visible stand-ins, nothing else changes."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.text import visible, visible_in_place

# Unicode's bidirectional formatting characters (UAX #9): the marks, the embeddings and
# overrides, and the isolates. Any of them can reverse how a line reads on the screen.
BIDI_CONTROLS = [
    0x061C,  # ARABIC LETTER MARK
    0x200E,  # LEFT-TO-RIGHT MARK
    0x200F,  # RIGHT-TO-LEFT MARK
    0x202A,  # LEFT-TO-RIGHT EMBEDDING
    0x202B,  # RIGHT-TO-LEFT EMBEDDING
    0x202C,  # POP DIRECTIONAL FORMATTING
    0x202D,  # LEFT-TO-RIGHT OVERRIDE
    0x202E,  # RIGHT-TO-LEFT OVERRIDE
    0x2066,  # LEFT-TO-RIGHT ISOLATE
    0x2067,  # RIGHT-TO-LEFT ISOLATE
    0x2068,  # FIRST STRONG ISOLATE
    0x2069,  # POP DIRECTIONAL ISOLATE
]
EXPLICIT_BIDI_CLASSES = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def is_control(ch: str) -> bool:
    """C0, DEL, C1, the bidi embeddings, overrides, isolates and marks, and the line and
    paragraph separators (each can reorder or break a terminal line)."""
    return (
        unicodedata.category(ch) == "Cc"
        or unicodedata.bidirectional(ch) in EXPLICIT_BIDI_CLASSES
        or ch in "\u200e\u200f\u061c\u2028\u2029"
    )


def test_escape_becomes_a_visible_symbol() -> None:
    assert visible("\x1b") == "␛"
    assert visible("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"


def test_osc_and_csi_sequences_cannot_reach_the_terminal() -> None:
    hostile = "\x1b]0;pwned\x07 \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x9b2J"
    shown = visible(hostile)
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\x9b" not in shown
    assert shown.startswith("␛]0;pwned␇ ")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x00", "␀"),
        ("\x07", "␇"),
        ("\x08", "␈"),
        ("\t", "␉"),
        ("\n", "␊"),
        ("\r", "␍"),
        ("\x1f", "␟"),
        ("\x7f", "␡"),
    ],
)
def test_c0_and_del_have_control_pictures(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(f"a{raw}b") == f"a{shown}b"


@pytest.mark.parametrize("code", [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
def test_every_c0_c1_and_del_is_replaced(code: int) -> None:
    shown = visible(f"x{chr(code)}y")
    assert chr(code) not in shown
    assert shown.startswith("x") and shown.endswith("y")
    assert len(shown) > 2  # replaced by something visible, not dropped
    assert not any(unicodedata.category(ch) == "Cc" for ch in shown)


def test_c1_controls_show_their_code() -> None:
    assert visible("\x9b") == "⟨9B⟩"
    assert visible("\x85") == "⟨85⟩"


@pytest.mark.parametrize("code", BIDI_CONTROLS, ids=lambda c: f"U+{c:04X}")
def test_bidi_controls_are_replaced(code: int) -> None:
    shown = visible(f"abc{chr(code)}def")
    assert chr(code) not in shown
    assert shown.startswith("abc") and shown.endswith("def")
    assert len(shown) > 6


def test_right_to_left_override_is_named() -> None:
    # "invoice\u202Efdp.exe" would read as "invoiceexe.pdf" on a screen.
    assert visible("invoice\u202efdp.exe") == "invoice⟨U+202E⟩fdp.exe"


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii, with punctuation: [bold]not markup[/] & <tags> 100%",
        "Grüße aus Köln, ça va? ñ ø å",
        "日本語のテキスト",
        "🔥 database on fire 🚒",
        "👩‍👩‍👧 family (zero-width joiners)",
        "🇩🇪 flag, 👍🏽 skin tone",
        "e\u0301 combining acute, a\u0308 diaeresis, Z\u0335\u0336 strokes",
        "שלום עולם",  # Hebrew, right to left
        "مرحبا بالعالم",  # Arabic, right to left
        "mixed English and עברית and العربية",
        "",
        " ",
        "\u00a0non-breaking\u00a0space",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert visible(text) == text
    assert visible_in_place(text) == text


@given(st.text())
def test_output_holds_no_control_characters(text: str) -> None:
    shown = visible(text)
    assert not any(unicodedata.category(ch) == "Cc" for ch in shown)
    assert not any(unicodedata.bidirectional(ch) in EXPLICIT_BIDI_CLASSES for ch in shown)
    assert not any(is_control(ch) for ch in shown)
    in_place = visible_in_place(text)
    assert len(in_place) == len(text)  # one for one: an input's cursor stays put
    assert not any(unicodedata.category(ch) == "Cc" for ch in in_place)
    assert not any(unicodedata.bidirectional(ch) in EXPLICIT_BIDI_CLASSES for ch in in_place)


@given(st.text())
def test_only_control_characters_change(text: str) -> None:
    shown = visible(text)
    if not any(is_control(ch) for ch in text):
        assert shown == text
    # Every ordinary character survives, in order.
    kept = "".join(ch for ch in text if not is_control(ch))
    it = iter(shown)
    assert all(ch in it for ch in kept)


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_visible_is_idempotent(text: str) -> None:
    once = visible(text)
    assert visible(once) == once
