"""The handoff brief: the incident's state now, for a new commander or a late joiner.

A read-only, scrollable view of `cockpit.brief.handoff_brief` as plain text. `c` copies it
to the clipboard (OSC 52), `r` drafts it again at the current time, Esc closes.

User text in the brief (title, impact, hypotheses, actions ...) is shown with its control
characters made visible (`cockpit.text.visible`), and the copy is the text as shown: what
a commander pastes into a chat is what they read here.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cockpit.brief import handoff_brief
from cockpit.incident import Incident
from cockpit.service import Cockpit
from widgets.literal import literal, literal_lines, visible_lines

KEYS_HINT = "c copy · r refresh · esc close · arrows/pgup/pgdn scroll"


class BriefScreen(ModalScreen[None]):
    """The handoff brief for one incident, drafted when the screen opens."""

    AUTO_FOCUS = "#scroll"  # as the screen is composed (see IncidentScreen)
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close", id="brief.close", tooltip="Close the brief"),
        Binding("c", "copy", "Copy", id="brief.copy", tooltip="Copy the brief to the clipboard"),
        Binding("r", "refresh", "Refresh", id="brief.refresh", tooltip="Draft the brief again now"),
    ]

    DEFAULT_CSS = """
    BriefScreen {
        align: center middle;
        #dialog {
            width: 110; max-width: 100%; height: 90%;
            border: thick $accent; background: $surface; padding: 0 1;
        }
        #heading { text-style: bold; height: auto; }
        #scroll { height: 1fr; margin-top: 1; border: round $primary; }
        #scroll:focus { border: round $accent; }
        #body { width: 1fr; padding: 0 1; }
        #buttons { height: auto; margin-top: 1; }
        #keys { width: 1fr; color: $text-muted; }
        #buttons Button { margin-left: 2; min-width: 10; width: auto; }
    }
    """

    def __init__(self, cockpit: Cockpit, incident: Incident) -> None:
        super().__init__()
        self.cockpit = cockpit
        self.incident = incident
        self.text = ""  # the brief as shown (and as copied)

    def compose(self) -> ComposeResult:
        inc = self.incident
        with Vertical(id="dialog"):
            yield Static(literal(f"Handoff brief: {inc.ref} {inc.title}"), id="heading")
            with VerticalScroll(id="scroll"):
                yield Static(id="body")
            with Horizontal(id="buttons"):
                yield Static(KEYS_HINT, id="keys")
                yield Button("Copy", id="copy", compact=True)
                yield Button("Close", variant="primary", id="close", compact=True)

    def on_mount(self) -> None:
        self.draft()
        self.query_one("#scroll", VerticalScroll).focus()

    def draft(self) -> None:
        """Draft the brief at the cockpit's now. A brief that cannot be drafted (a bug in
        the incident's data) says so in place of the text."""
        try:
            brief = handoff_brief(
                self.incident,
                self.cockpit.runbook_for(self.incident),
                self.cockpit.now(),
                self.cockpit.tz,
            )
            self.text = visible_lines(brief.text())
        except Exception as exc:  # a view must never show a traceback
            self.text = ""
            self.query_one("#body", Static).update(
                literal_lines(f"The brief could not be drafted: {type(exc).__name__}: {exc}")
            )
            return
        self.query_one("#body", Static).update(Content(self.text))  # made visible above

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        # The incident as the screens hold it now (the incident screen keeps it current).
        self.incident = self.cockpit.live(self.incident.id).incident
        self.draft()

    def action_copy(self) -> None:
        if not self.text:
            self.app.notify("Nothing to copy", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(self.text)
        lines = self.text.count("\n") + 1
        self.app.notify(
            f"Brief copied to the clipboard ({lines} lines)", title="Copied", markup=False
        )

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()
