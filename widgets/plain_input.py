"""An Input that shows control characters as symbols.

Textual's Input draws its value as it is: a pasted ESC sequence would reach the terminal
and a bidirectional override would reverse the line. This one draws each control
character as a one-cell stand-in (ESC as ␛); the value itself is untouched, and the
cursor stays on the character it was on.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

from cockpit.text import visible_in_place


class PlainInput(Input):
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(visible_in_place(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(visible_in_place(self.value[:position]), 4))
