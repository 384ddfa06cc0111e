"""An Input that shows control characters as symbols, and takes every character typed.

Textual's Input draws its value as it is: a pasted ESC sequence would reach the terminal
and a bidirectional override would reverse the line. This one draws each control
character as a one-cell stand-in (ESC as ␛); the value itself is untouched, and the
cursor stays on the character it was on.

Textual's Input also ignores a typed key whose character is not "printable" in Python's
sense, which drops the zero-width joiner inside 👨‍👩‍👧, a no-break space, a zero-width
space, a bidirectional override, a byte-order mark, private-use characters and anything
newer than Python's Unicode tables. What a person types is stored as typed: this one
inserts every such character (format, separator, private-use, unassigned) and leaves out
only the controls of C0 and C1 (and DEL), which are keys such as Enter, Tab and
Backspace, and lone surrogates, which are not text.

A paste keeps its first line, as Input's does, but a line ends only at a newline or a
carriage return (as `cockpit log -` reads lines): Input's own paste split at U+2028, NEL
and the file separators too, and dropped the rest of the line without a word.
"""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

from cockpit.text import split_lines, visible_in_place

# Categories Python counts as not printable that are still text a person may type.
_TYPED_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Co", "Cn"})


def typed_text(character: str | None) -> bool:
    """Is this the character of a key that types text Textual's Input would drop?"""
    if character is None or len(character) != 1 or character.isprintable():
        return False
    return unicodedata.category(character) in _TYPED_CATEGORIES


class PlainInput(Input):
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(visible_in_place(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(visible_in_place(self.value[:position]), 4))

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return super().check_consume_key(key, character) or typed_text(character)

    async def on_key(self, event: events.Key) -> None:
        # Runs before Input's own key handler, which would ignore these characters.
        if not typed_text(event.character):
            return
        event.stop()
        event.prevent_default()
        assert event.character is not None
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(event.character)
        else:
            self.replace(event.character, *selection)

    def on_paste(self, event: events.Paste) -> None:
        # Runs before Input's own paste handler (a base class's), which would keep
        # `splitlines()[0]`; prevent_default keeps it from running after this one.
        if event.text:
            line = split_lines(event.text, maxsplit=1)[0]
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *selection)
        event.prevent_default()
        event.stop()
