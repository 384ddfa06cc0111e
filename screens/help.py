"""Help: the keys of the screen it was opened from, and the quick-entry grammar. Both are
read from the code (the screen's bindings, the grammar's command table), so help never
drifts from what the keys and commands do."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cockpit.entry import COMMANDS

GRAMMAR = [
    ("text", "a note"),
    ("! text", "a decision"),
    ("? text", "a hypothesis (/confirm or /ruleout it later)"),
    ("> text", "an action taken"),
    ("todo: text", "a follow-up"),
    ("@handle", "a mention, anywhere in the text"),
    ("@15:23 text", "backdated (also @15:23:10, @-5m, @2026-03-04T15:23Z)"),
    ("//text", "a note that starts with /"),
]


def keys_table(screen: Screen[object]) -> Table:
    table = Table(title="Keys", title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    seen: set[str] = set()
    for binding in [*getattr(screen, "BINDINGS", []), *getattr(screen.app, "BINDINGS", [])]:
        if not isinstance(binding, Binding) or binding.key in seen:
            continue
        seen.add(binding.key)
        key = binding.key_display or binding.key
        table.add_row(Text(key), Text(binding.tooltip or binding.description))
    table.add_row(Text("ctrl+p"), Text("Command palette: every action by name"))
    table.add_row(Text("f1"), Text("This help"))
    return table


def grammar_table() -> Table:
    table = Table(title="Quick entry", title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for typed, meaning in GRAMMAR:
        table.add_row(Text(typed), Text(meaning))
    for command in COMMANDS.values():
        table.add_row(Text(command.usage), Text(command.help))
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        self.keys, self.grammar = keys_table(self.for_screen), grammar_table()
        with VerticalScroll():
            yield Static(self.keys, id="help-keys")
            yield Static(self.grammar, id="help-grammar")

    def plain(self) -> str:
        """The help as plain text (what a test or a screen reader would want)."""
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(self.keys)
        console.print(self.grammar)
        return console.export_text()

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)
