"""Declare an incident: a modal with a title, a severity and an optional backdated start.

It dismisses with the new incident's id, or None when cancelled. Nothing is declared
until every field checks out; a bad field says why, inline, and keeps what was typed. The
declaration is committed off the event loop (the cockpit's writer): the form says
"saving…" until then, declares nothing twice, and closes once it is committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from cockpit.entry import EntryError
from cockpit.service import Cockpit
from cockpit.store import StoreError
from cockpit.timefmt import local_time
from screens.saving import SavingForm
from widgets.literal import literal, literal_text
from widgets.plain_input import PlainInput

if TYPE_CHECKING:
    pass

STARTED_HINT = "optional: 15:23, -5m or 2026-03-04T15:23Z (blank: now)"


def _message(exc: ValueError) -> str:
    return exc.message if isinstance(exc, EntryError) else str(exc)


class DeclareScreen(SavingForm[str | None]):
    AUTO_FOCUS = "#title"  # as the form is composed (see IncidentScreen)
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="declare.cancel", tooltip="Declare nothing"),
        Binding("ctrl+s", "submit", "Declare", id="declare.submit", tooltip="Declare the incident"),
    ]

    DEFAULT_CSS = """
    DeclareScreen {
        align: center middle;
        #dialog {
            width: 72;
            max-width: 100%;
            height: auto;
            border: thick $accent;
            background: $surface;
            padding: 0 1;
        }
        #heading { text-style: bold; }
        Label { margin-top: 1; color: $text-muted; }
        Input, Select { background: $boost; }
        #exercise { margin-top: 1; }
        #error { color: $error; text-style: bold; height: auto; margin-top: 1; }
        #started-preview { color: $text-muted; height: auto; }
        #started-preview.-bad { color: $warning; }
        #buttons { height: auto; margin-top: 1; align-horizontal: right; }
        #buttons Button { margin-left: 2; }
    }
    """

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__()
        self.cockpit = cockpit

    def compose(self) -> ComposeResult:
        policy = self.cockpit.policy
        # The policy's names and labels are file content: shown as written, never markup.
        options = [
            (
                literal_text(
                    f"{level.key}  {level.label}" if level.label != level.key else level.key
                ),
                level.key,
            )
            for level in policy.levels
        ]
        with Vertical(id="dialog"):
            yield Static("Declare an incident", id="heading")
            yield Label("Title")
            yield PlainInput(placeholder="what is wrong, in a few words", id="title", compact=True)
            yield Label(literal(f"Severity ({policy.name})"), id="severity-label")
            yield Select(
                options, value=policy.default, allow_blank=False, id="severity", compact=True
            )
            yield Label("Started")
            yield PlainInput(placeholder=STARTED_HINT, id="started", compact=True)
            yield Static("", id="started-preview")
            yield Checkbox("Exercise (not a real incident)", id="exercise", compact=True)
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Declare", variant="primary", id="declare", compact=True)

    def on_mount(self) -> None:
        self.query_one("#error", Static).display = False
        self.query_one("#title", Input).focus()

    # checking ----------------------------------------------------------------------------
    def started_at(self) -> datetime | None:
        """The backdated start, None for now; raises ValueError with the reason."""
        text = self.query_one("#started", Input).value.strip()
        if not text:
            return None
        try:
            return self.cockpit.parse_time(text)
        except ValueError as exc:
            raise ValueError(f"Started: {_message(exc)}") from None

    def show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(literal(message))  # it may quote what was typed
        error.display = bool(message)

    @on(Input.Changed)
    def _edited(self) -> None:
        self.show_error("")  # what was wrong is being fixed

    @on(Input.Changed, "#started")
    def _preview(self) -> None:
        preview = self.query_one("#started-preview", Static)
        try:
            at = self.started_at()
        except ValueError as exc:
            preview.update(literal(str(exc)))  # it quotes what was typed
            preview.add_class("-bad")
            return
        preview.remove_class("-bad")
        if at is None:
            preview.update("")
            return
        ago = self.cockpit.now() - at
        minutes = int(ago.total_seconds() // 60)
        preview.update(literal(f"started {local_time(at, self.cockpit.tz)}, {minutes} min ago"))

    # actions -----------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if not self.still_saving("declaration"):
            self.dismiss(None)

    def action_submit(self) -> None:
        if self.saving is not None:
            return  # one declaration at a time: a second Enter must not declare it twice
        title = self.query_one("#title", Input).value
        severity = self.query_one("#severity", Select).value
        exercise = self.query_one("#exercise", Checkbox).value
        if not title.strip():
            self.show_error("Title: an incident needs a title")
            self.query_one("#title", Input).focus()
            return
        try:
            at = self.started_at()
        except ValueError as exc:
            self.query_one("#started-preview", Static).update("")
            self.show_error(str(exc))
            self.query_one("#started", Input).focus()
            return
        try:
            event = self.cockpit.declaration(
                title,
                str(severity) if isinstance(severity, str) else None,
                at=at,
                exercise=exercise,
            )
        except ValueError as exc:
            self.show_error(_message(exc))
            return
        except StoreError as exc:
            self.show_error(f"Not declared: {exc}")
            return
        self.show_saving(True)

        def failed(exc: Exception) -> None:
            self.show_saving(False)
            self.show_error(f"Not declared: {exc}")

        self.save(
            [event],
            f"declaration: {title}",
            done=lambda: self.dismiss(event.incident_id),
            failed=failed,
        )

    def show_saving(self, saving: bool) -> None:
        self.query_one("#declare", Button).label = "Saving…" if saving else "Declare"

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#declare")
    def _declare_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
