"""JSON the CLI writes: valid JSON, readable UTF-8, nothing a terminal acts on.

`json.dumps(..., ensure_ascii=False)` escapes only C0 controls, `"` and `\\`; it writes DEL,
the C1 controls (U+009B is a terminal's CSI), the bidirectional overrides, isolates and
marks, and the line and paragraph separators raw. Those are escaped here as `\\uXXXX`: the
output parses to the same values, and every other character stays as it is (é, 日本, 👨‍👩‍👧).
The store's own `data` column is written elsewhere (records.dumps) and keeps its bytes.
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.text import TERMINAL_CONTROLS

# C0 is escaped by json itself; these are the rest of what `visible` shows as symbols.
ESCAPED = frozenset(code for code in TERMINAL_CONTROLS if code >= 0x20)
_ESCAPES = {code: f"\\u{code:04x}" for code in ESCAPED}


def escape_controls(dumped: str) -> str:
    """Escape DEL, C1 and the bidirectional controls in text json.dumps wrote.

    Outside strings JSON has only ASCII, so every such code point is inside a string,
    where `\\uXXXX` stands for the same character.
    """
    return dumped.translate(_ESCAPES)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """`value` as JSON (indented, or one compact line when `indent` is None)."""
    separators = None if indent is not None else (",", ":")
    return escape_controls(
        json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    )
