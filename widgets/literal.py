"""Text for the screen that is never markup: user text, file content (policies, runbooks,
templates), and error messages quoting either.

Textual parses a `str` given to `Static`, `Label`, `Button`, a `Select` or `OptionList`
prompt, a `DataTable` cell, a border title or a notification (unless `markup=False`) as
content markup: `[/` in a filter crashed the app, `[reverse]zzz` was drawn reversed. A
`Content` (or a Rich `Text`) is never parsed, so everything that may carry such text goes
through `literal` (one line), `literal_text` (the same as a Rich `Text`) or `literal_lines`
(line breaks kept), which also show each control character as a visible symbol
(`cockpit.text.visible`); `notify_literal` does the same for a notification. Fixed words of
our own may stay plain strings.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.widget import Widget

from cockpit.text import visible


def literal(text: str, style: str = "") -> Content:
    """`text` exactly as written, on one line: a line break is a symbol too (␊)."""
    shown = visible(text)
    return Content.styled(shown, style) if style else Content(shown)


def literal_text(text: str, style: str = "") -> Text:
    """`literal` as a Rich `Text`, for what wants one: a `Select` searches its options'
    prompts only when they are `Text` (or markup strings), a `DataTable` measures `Text`."""
    return Text(visible(text), style=style, end="")


def visible_lines(text: str) -> str:
    """`text` with its control characters visible, except the line breaks between its
    lines."""
    return "\n".join(visible(line) for line in text.split("\n"))


def literal_lines(text: str, style: str = "") -> Content:
    """`text` exactly as written, its line breaks kept."""
    shown = visible_lines(text)
    return Content.styled(shown, style) if style else Content(shown)


def notify_literal(
    node: Widget | App[Any], message: str, *, title: str = "", **options: Any
) -> None:
    """`node.notify` with the message (line breaks kept) and the title as written."""
    node.notify(visible_lines(message), title=visible(title), markup=False, **options)
