"""User text on a screen: content, never markup or terminal control.

`visible` replaces control characters (C0, DEL, C1 and the bidirectional overrides) with
visible stand-ins, so a note holding an escape sequence cannot move the cursor, recolour
the terminal or reverse a line. The stored text is never changed; only what is shown.
"""

from __future__ import annotations

import re

# Bidirectional marks and overrides, and the line and paragraph separators: each can
# reorder or break what a terminal shows.
_BIDI = {
    0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029,
}  # fmt: skip


def _table() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = f"\u27e8{code:02X}\u27e9"  # ⟨9B⟩
    for code in _BIDI:
        table[code] = f"\u27e8U+{code:04X}\u27e9"
    return table


_TABLE = _table()
# Every code point `visible` replaces: C0, DEL, C1, the bidirectional controls, U+2028/9.
TERMINAL_CONTROLS = frozenset(_TABLE)


def visible(text: str) -> str:
    """`text` with every control character shown as a symbol (ESC becomes ␛)."""
    return text.translate(_TABLE)


_ONE_FOR_ONE = {
    code: (stand_in if len(stand_in) == 1 else "\u2370")  # ⍰ for C1 and bidi controls
    for code, stand_in in _TABLE.items()
}


def visible_in_place(text: str) -> str:
    """Like `visible`, but one character for one, so positions in the text (an input's
    cursor) stay where they were: C1 and bidirectional controls all become ⍰."""
    return text.translate(_ONE_FOR_ONE)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str, maxsplit: int = 0) -> list[str]:
    """`text` split at its line breaks, which are a newline, a carriage return or both, as
    a person pastes them. Not `str.splitlines`, which also breaks at U+2028, NEL and the
    file separators: characters a line may hold (and `visible` shows as symbols)."""
    return _LINE_BREAK.split(text, maxsplit=maxsplit)
