"""The amend form: correct an entry's text and occurred time (`e` in the timeline).

The original stays in the audit trail; the correction is an `entry.amended` event.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from cockpit.entry import EntryError, short_id
from cockpit.events import Event
from cockpit.incident import Incident, TimelineItem
from cockpit.service import Cockpit
from screens.saving import SavingForm
from widgets.literal import literal
from widgets.plain_input import PlainInput


class AmendScreen(SavingForm[list[Event] | None]):
    """Edit an entry's text and time; Enter (or ctrl+s) saves, Esc cancels. Returns the
    committed events, or None if nothing was saved. While the amendment waits for the
    database the form says "saving…" and stays open (Enter and Esc wait with it); it
    closes once committed, or shows why not."""

    DEFAULT_CSS = """
    AmendScreen { align: center middle; }
    AmendScreen > Vertical {
        width: 90%; max-width: 110; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    AmendScreen Label.field { margin-top: 1; color: $text-muted; }
    AmendScreen #amend-time { width: 30; }
    AmendScreen #amend-error { color: $error; height: auto; }
    AmendScreen Horizontal { height: auto; margin-top: 1; }
    AmendScreen Button { margin-right: 2; }
    """
    AUTO_FOCUS = "#amend-text"  # as the form is composed (see IncidentScreen)
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="amend-cancel"),
        Binding("ctrl+s", "save", "Save", id="amend-save"),
    ]

    def __init__(self, cockpit: Cockpit, incident: Incident, item: TimelineItem) -> None:
        super().__init__()
        self.cockpit, self.incident, self.item = cockpit, incident, item

    def compose(self) -> ComposeResult:
        item = self.item
        when = item.occurred_at.astimezone(self.cockpit.tz)
        with Vertical():
            yield Label(literal(f"Amend {short_id(item.id)} by @{item.rec.author}", "bold"))
            yield Label("Occurred at (15:23, 15:23:10, -5m or an ISO time)", classes="field")
            yield PlainInput(when.strftime("%H:%M:%S"), id="amend-time", select_on_focus=False)
            yield Label("Text", classes="field")
            yield PlainInput(item.text, id="amend-text", select_on_focus=False)
            yield Label("", id="amend-error")
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#amend-text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.saving is not None:
            return  # one amendment at a time: a second Enter must not log it twice
        time_box = self.query_one("#amend-time", Input)
        text_box = self.query_one("#amend-text", Input)
        when = time_box.value
        original = self.item.occurred_at.astimezone(self.cockpit.tz).strftime("%H:%M:%S")
        try:
            events = self.cockpit.amendment(
                self.incident,
                self.item.id,
                text=text_box.value,
                at=None if when.strip() == original else when,
            )
        except EntryError as exc:
            self._error(str(exc))
            return
        except Exception as exc:  # nothing was saved, say why
            self._error(f"not saved: {exc}")
            return
        self.query_one("#amend-error", Label).update(literal("saving…"))
        self.save(
            events,
            f"amendment of {short_id(self.item.id)}: {text_box.value}",
            done=lambda: self.dismiss(events),
            failed=lambda exc: self._error(f"not saved: {exc}"),
        )

    def _error(self, message: str) -> None:
        self.query_one("#amend-error", Label).update(literal("✗ " + message))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.still_saving("amendment"):
            self.dismiss(None)
