"""Compose a stakeholder update: pick a template, check the audience and the promised next
update, edit the filled text, send.

The text is drafted from the incident the screen is given (`comms.draft_update`, a pure
function), recorded through `Cockpit.update_events` and the cockpit's writer (committed off
the event loop, before anything else happens; the composer says "saving…" meanwhile and
sends nothing twice), copied to the clipboard, and written to its file by a thread worker,
so a slow disk or a busy database never holds up the screen. The screen then dismisses
with the `update.sent` event; Esc before sending dismisses with None and records nothing.

What the editor shows is what is sent. User text from the incident (title, impact,
actions ...) enters the editor with its control characters made visible
(`cockpit.text.visible`): an escape sequence in a title can neither repaint this terminal
nor reach a stakeholder's. The incident's own events keep their text as typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from cockpit.comms import (
    AUDIENCES,
    Template,
    audience_states,
    draft_update,
    escalation_for,
    load_template,
    template_names,
    when,
)
from cockpit.config import ConfigError
from cockpit.entry import EntryError, parse_future
from cockpit.events import Event
from cockpit.incident import Incident
from cockpit.publish import (
    ClipboardPublisher,
    Delivery,
    FilePublisher,
    SentUpdate,
    publish_all,
)
from cockpit.service import Cockpit
from cockpit.text import split_lines, visible
from cockpit.timefmt import duration_text, format_clock, format_duration
from screens.saving import SavingForm
from widgets.literal import literal, literal_lines, literal_text, notify_literal
from widgets.plain_input import PlainInput

FREE_TEXT = "quick"  # what the record names as the template when none filled the text
NEXT_HINT = "30m, 1h or 15:45 (blank: none promised)"
KEYS_HINT = "ctrl+s send · esc cancel · ctrl+t template · ctrl+r re-fill"


def editable(text: str) -> str:
    """`text` for the editor: every control character made visible except the line
    breaks and tabs that lay the message out."""
    return "\n".join(
        "\t".join(visible(part) for part in line.split("\t")) for line in text.split("\n")
    )


def message(exc: Exception) -> str:
    return exc.message if isinstance(exc, EntryError) else str(exc)


class MessageEditor(TextArea):
    """The message being composed. A paste breaks lines where it has a newline (or a
    carriage return) and nowhere else: TextArea would also break at U+2028, NEL and the
    file separators, and the message would then show and send a line break where the text
    had an invisible character. Every other control character becomes its symbol."""

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of TextArea's own paste
        if self.read_only:
            return
        result = self.replace(editable("\n".join(split_lines(event.text))), *self.selection)
        self.move_cursor(result.end_location)
        self.focus()


@dataclass
class Choice:
    """One template as the list offers it: loaded (with any warnings), or why not."""

    name: str
    template: Template | None = None
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def label(self) -> str:
        return self.template.label if self.template is not None else self.name


def load_choices() -> dict[str, Choice]:
    """Every template by name. A template that cannot be loaded stays in the list with its
    error, so the commander sees why it is missing rather than wondering."""
    choices: dict[str, Choice] = {}
    try:
        names = template_names()
    except OSError as exc:  # an unreadable config folder: the shipped names still exist
        names = []
        choices["internal"] = Choice("internal", error=f"cannot list templates: {exc}")
    for name in names:
        try:
            template, warnings = load_template(name)
        except (ConfigError, OSError, ValueError) as exc:
            choices[name] = Choice(name, error=str(exc))
            continue
        choices[name] = Choice(name, template, list(warnings))
    return choices


def audience_labels(inc: Incident, choices: dict[str, Choice]) -> dict[str, str]:
    """The audiences an update may go to, key -> label: those the level owes updates, those
    the policy names, those a template is written for, and any already sent to."""
    labels: dict[str, str] = {}
    for plan in inc.update_plans:
        labels.setdefault(plan.audience, plan.label)
    if inc.policy is not None:
        for key, label in inc.policy.audience_labels().items():
            labels.setdefault(key, label)
    for choice in choices.values():
        if choice.template is not None:
            key = choice.template.audience
            labels.setdefault(key, key.capitalize())
    for rec in inc.updates:
        sent_to = rec.data.get("audience")
        if isinstance(sent_to, str) and sent_to:
            labels.setdefault(sent_to, sent_to.capitalize())
    labels.setdefault("internal", "Internal")
    order = {a: i for i, a in enumerate(AUDIENCES)}
    keys = sorted(labels, key=lambda k: order.get(k, len(order)))  # stable: others keep order
    return {k: labels[k] for k in keys}


def template_for(audience: str, choices: dict[str, Choice]) -> str | None:
    """The template written for `audience`: the one named after it, else the first."""
    named = choices.get(audience)
    if named is not None and named.template is not None and named.template.audience == audience:
        return audience
    for choice in choices.values():
        if choice.template is not None and choice.template.audience == audience:
            return choice.name
    return None


def default_template(inc: Incident, now: datetime, choices: dict[str, Choice]) -> str:
    """The most overdue audience's template; `resolution` once the incident is no longer
    active; else `internal`."""
    overdue = sorted(inc.overdue_updates(now), key=lambda p: p.due_at)
    for plan in overdue:
        name = template_for(plan.audience, choices)
        if name is not None:
            return name
    if not inc.is_active and "resolution" in choices:
        return "resolution"
    if "internal" in choices:
        return "internal"
    return next(iter(choices), "internal")


def due_content(inc: Incident, now: datetime) -> Content:
    """One line: each audience and how its next update stands, overdue ones loudest."""
    parts: list[Content] = [Content("Due: ")]
    states = audience_states(inc)
    for index, state in enumerate(states):
        if index:
            parts.append(Content(" · "))
        label = visible(state.label)
        plan = inc.update_plan(state.audience)
        if state.due_at is None:
            parts.append(Content.styled(f"{label} none due", "$text-muted"))
        elif state.overdue(now):
            late = format_clock(now - state.due_at)
            parts.append(Content.styled(f"{label} OVERDUE by {late}", "bold $error"))
        else:
            soon = plan is not None and plan.state(now) == "due_soon"
            text = f"{label} in {format_clock(state.due_at - now)}"
            parts.append(Content.styled(text, "bold $warning") if soon else Content(text))
    if not states:
        parts.append(Content.styled("no updates are owed at this level", "$text-muted"))
    return Content.assemble(*parts)


class ComposerScreen(SavingForm[Event | None]):
    """Draft, edit and send one update. Dismisses with the `update.sent` event, or None."""

    AUTO_FOCUS = "#templates"  # as the form is composed (see IncidentScreen)
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="composer.cancel", tooltip="Send nothing"),
        Binding("ctrl+s", "send", "Send", id="composer.send", tooltip="Send the update"),
        Binding(
            "ctrl+t",
            "next_template",
            "Next template",
            id="composer.next-template",
            tooltip="Switch to the next template",
        ),
        Binding(
            "ctrl+r",
            "refill",
            "Re-fill",
            id="composer.refill",
            tooltip="Replace the text with the template filled afresh",
        ),
    ]

    DEFAULT_CSS = """
    ComposerScreen {
        align: center middle;
        #dialog {
            width: 110; max-width: 100%; height: 36; max-height: 100%;
            border: thick $accent; background: $surface; padding: 0 1;
        }
        #heading { text-style: bold; height: auto; }
        #due { height: auto; }
        #main { height: 1fr; margin-top: 1; }
        #templates { width: 24; height: 1fr; border: round $primary; background: $surface; }
        #templates:focus { border: round $accent; }
        #text { width: 1fr; height: 1fr; }
        #fields { height: auto; margin-top: 1; }
        #fields Label { margin: 0 1 0 0; color: $text-muted; }
        #audience { width: 20; margin-right: 2; }
        #next { width: 10; }
        #next-preview { width: 1fr; color: $text-muted; margin-left: 1; }
        #next-preview.-bad { color: $warning; }
        Input, Select { background: $boost; }
        #note { color: $warning; height: auto; }
        #error { color: $error; text-style: bold; height: auto; }
        #buttons { height: auto; margin-top: 1; }
        #keys { width: 1fr; color: $text-muted; }
        #buttons Button { margin-left: 2; min-width: 10; width: auto; }
    }
    """

    def __init__(self, cockpit: Cockpit, incident: Incident, template: str | None = None) -> None:
        super().__init__()
        self.cockpit = cockpit
        self.incident = incident
        self.choices = load_choices()
        self.audiences = audience_labels(incident, self.choices)
        wanted = template if template in self.choices else None
        self.selected = wanted or default_template(incident, cockpit.now(), self.choices)
        self.requested_missing = template if template is not None and wanted is None else None
        self.audience = "internal"
        self.filled = ""  # the text last put in the editor from a template
        self.filled_from: str | None = None  # the template that filled it
        self.next_prefill = ""  # what the next-update field was filled with
        self.next_exact: datetime | None = None  # the exact promise behind that
        self.refill_armed = False  # ctrl+r pressed once over edited text
        self.sent: Event | None = None
        self.closed = False
        self.error_sticky = False
        self.first_deliveries: list[Delivery] = []

    # composing -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        inc = self.incident
        heading = literal(f"Compose an update: {inc.ref} {inc.severity} {inc.title}")
        options = [self._option(choice) for choice in self.choices.values()]
        with Vertical(id="dialog"):
            yield Static(heading, id="heading")
            yield Static(id="due")
            with Horizontal(id="main"):
                yield OptionList(*options, id="templates")
                yield MessageEditor(id="text", soft_wrap=True, tab_behavior="focus")
            with Horizontal(id="fields"):
                yield Label("Audience")
                yield Select(
                    [(literal_text(label), key) for key, label in self.audiences.items()],
                    value="internal",
                    allow_blank=False,
                    id="audience",
                    compact=True,
                )
                yield Label("Next update")
                yield PlainInput(placeholder=NEXT_HINT, id="next", compact=True)
                yield Static(id="next-preview")
            yield Static(id="note")
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Static(KEYS_HINT, id="keys")
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Send", variant="primary", id="send", compact=True)

    def _option(self, choice: Choice) -> Option:
        if choice.template is None:
            prompt = Content.assemble(literal(choice.name), (" (cannot load)", "bold $error"))
        else:
            audience = choice.template.audience
            label = self.audiences.get(audience, audience)
            prompt = Content.assemble(
                literal(choice.template.label), ("\n  to ", "dim"), literal(label, "dim")
            )
        return Option(prompt, id=choice.name)

    def on_mount(self) -> None:
        self.query_one("#error", Static).display = False
        self.query_one("#note", Static).display = False
        self.show_due()
        self.set_interval(1.0, self.show_due)
        templates = self.query_one("#templates", OptionList)
        names = list(self.choices)
        if self.selected in names:
            templates.highlighted = names.index(self.selected)
        self.choose(self.selected)
        if self.requested_missing is not None:
            self.show_error(
                f"No template is named {self.requested_missing!r}; showing {self.selected}",
                sticky=True,
            )
        templates.focus()

    def show_due(self) -> None:
        self.query_one("#due", Static).update(due_content(self.incident, self.cockpit.now()))

    # state -----------------------------------------------------------------------------
    @property
    def text_area(self) -> TextArea:
        return self.query_one("#text", TextArea)

    @property
    def edited(self) -> bool:
        """Has the commander changed the text since a template filled it?"""
        return self.text_area.text != self.filled

    @property
    def template(self) -> Template | None:
        choice = self.choices.get(self.selected)
        return choice.template if choice is not None else None

    def show_error(self, text: str, *, sticky: bool = False) -> None:
        """Show `text` under the fields. A sticky error (a template that cannot be filled)
        stays while the commander edits; the others go as soon as they start fixing."""
        error = self.query_one("#error", Static)
        error.update(literal_lines(text))
        error.display = bool(text)
        self.error_sticky = sticky and bool(text)

    def clear_error(self) -> None:
        if not self.error_sticky:
            self.show_error("")

    def show_note(self, text: str) -> None:
        note = self.query_one("#note", Static)
        note.update(literal_lines(text))  # warnings, one a line
        note.display = bool(text)

    def choose(self, name: str) -> None:
        """Make `name` the template: its audience, and its text unless the text was edited."""
        self.selected = name
        choice = self.choices.get(name)
        if choice is None or choice.template is None:
            reason = choice.error if choice is not None else "no such template"
            self.show_error(f"Template {name}: {reason}", sticky=True)
            return
        self.show_error("")
        self.show_note("\n".join(choice.warnings))
        self.set_audience(choice.template.audience)
        self.refill()

    def set_audience(self, key: str) -> None:
        self.audience = key
        select: Select[str] = self.query_one("#audience", Select)
        if select.value != key:
            select.value = key  # its Changed message finds the audience already set

    def next_field(self) -> Input:
        return self.query_one("#next", Input)

    def typed_next(self) -> bool:
        """Has the commander typed a next-update time of their own?"""
        return self.next_field().value.strip() != self.next_prefill

    def promise(self) -> datetime | None:
        """The next update the message promises: the draft's own while the field shows it,
        else the time typed (raises ValueError), None when blank."""
        value = self.next_field().value.strip()
        if value == self.next_prefill:
            return self.next_exact
        if not value:
            return None
        return parse_future(value, self.cockpit.now(), self.cockpit.tz)

    def refill(self, *, force: bool = False) -> None:
        """Fill the selected template afresh. Edited text is kept unless `force`."""
        template = self.template
        if template is None:
            return
        now = self.cockpit.now()
        promise: datetime | None = None
        typed = self.typed_next()
        if typed:
            try:
                promise = self.promise()
            except ValueError:
                promise = None  # the preview says what is wrong; the draft uses its own
        try:
            draft = draft_update(
                self.incident, template, now, audience=self.audience, next_update_at=promise
            )
        except (ValueError, KeyError) as exc:  # TemplateError is a ValueError
            self.show_error(f"Template {template.name}: {exc}", sticky=True)
            return
        if not typed:
            self.prefill_next(draft.next_update_at, now)
        if self.edited and not force:
            self.show_note(f"Your edits are kept; ctrl+r re-fills the text from {template.label}.")
            return
        self.refill_armed = False
        text = editable(draft.text)
        self.filled, self.filled_from = text, template.name
        if self.text_area.text != text:
            self.text_area.load_text(text)
        choice = self.choices.get(template.name)
        self.show_note("\n".join(choice.warnings) if choice is not None else "")

    def make_controls_visible(self) -> None:
        """A paste can bring control characters into the editor: show them as symbols
        there too, so the editor never paints a raw escape and sends what it shows."""
        area = self.text_area
        document = area.document
        for row in range(document.line_count):
            line = document.get_line(row)
            fixed = editable(line)
            if fixed != line:
                area.replace(fixed, (row, 0), (row, len(line)))

    def prefill_next(self, promise: datetime | None, now: datetime) -> None:
        if promise is None:
            text = ""
        else:
            minutes = max(1, round((promise - now).total_seconds() / 60))
            text = duration_text(minutes * 60)
        self.next_prefill, self.next_exact = text, promise
        field_ = self.next_field()
        if field_.value != text:
            field_.value = text
        self.preview_next()

    def preview_next(self) -> None:
        preview = self.query_one("#next-preview", Static)
        now = self.cockpit.now()
        try:
            at = self.promise()
        except ValueError as exc:
            preview.update(literal(message(exc)))  # it quotes what was typed
            preview.add_class("-bad")
            return
        preview.remove_class("-bad")
        if at is None:
            preview.update("none promised (the cadence applies)")
            return
        tz = self.cockpit.tz
        preview.update(literal(f"by {when(at, tz, now)} (in {format_duration(at - now)})"))

    # events ----------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#templates")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        if name is not None and name != self.selected:
            self.choose(name)

    @on(OptionList.OptionSelected, "#templates")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        if name is not None and name != self.selected:
            self.choose(name)
        self.text_area.focus()

    @on(Select.Changed, "#audience")
    def _audience_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.audience:
            self.audience = event.value
            self.refill()

    @on(TextArea.Changed, "#text")
    def _text_changed(self) -> None:
        self.make_controls_visible()
        self.refill_armed = False
        if self.edited:
            self.clear_error()

    @on(Input.Changed, "#next")
    def _next_changed(self) -> None:
        self.clear_error()
        self.preview_next()
        if self.typed_next() and not self.edited:
            self.refill()  # the text names the promise: keep the two in step

    @on(Input.Submitted, "#next")
    def _next_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # actions ---------------------------------------------------------------------------
    def close(self) -> None:
        """Dismiss once: with the event once recorded (whatever the file writer is still
        doing), else with None. Not while the update waits for the database."""
        if self.still_saving("update", "composer"):
            return
        if not self.closed:
            self.closed = True
            self.dismiss(self.sent)

    def action_cancel(self) -> None:
        self.close()

    def action_next_template(self) -> None:
        templates = self.query_one("#templates", OptionList)
        count = templates.option_count
        if count:
            current = templates.highlighted
            templates.highlighted = 0 if current is None else (current + 1) % count

    def action_refill(self) -> None:
        if self.sent is not None or self.saving is not None:
            return
        if self.edited and not self.refill_armed:
            self.refill_armed = True
            self.show_note("ctrl+r again replaces your edited text with the template's.")
            return
        self.refill(force=True)

    def action_send(self) -> None:
        if self.sent is not None or self.saving is not None:
            return  # sent, or being saved: a second ctrl+s must not send it twice
        text = self.text_area.text
        if not text.strip():
            self.show_error("Text: the update is empty; write what stakeholders should read")
            self.text_area.focus()
            return
        try:
            promise = self.promise()
        except ValueError as exc:
            self.show_error(f"Next update: {message(exc)}")
            self.next_field().focus()
            return
        audience = self.audience
        try:
            events = self.cockpit.update_events(
                self.incident.id,
                text=text,
                audience=audience,
                template=self.filled_from or FREE_TEXT,
                next_update_at=promise,
                escalated_to=escalation_for(self.incident, audience),
            )
        except EntryError as exc:
            self.show_error(f"Not sent: {exc.message}")
            return
        except Exception as exc:  # nothing was recorded: say so, keep the text
            self.show_error(f"Not sent: {exc}")
            return
        label = self.audiences.get(audience, audience)
        self.query_one("#send", Button).disabled = True
        self.text_area.read_only = True
        self.show_note("Saving…")
        self.save(
            events,
            f"update to {label}: {text}",
            done=lambda: self._recorded(events[0]),
            failed=self._not_recorded,
        )

    def _recorded(self, event: Event) -> None:
        self.sent = event
        self.publish(event)

    def _not_recorded(self, exc: Exception) -> None:
        """The store's own errors: say so, keep the text."""
        self.query_one("#send", Button).disabled = False
        self.text_area.read_only = False
        self.show_note("")
        self.show_error(f"Not sent: {exc}")

    def publish(self, event: Event) -> None:
        """Copy the text to the clipboard here (cheap), write its file in a thread."""
        update = SentUpdate.from_event(event)
        self.first_deliveries = [ClipboardPublisher(self.app.copy_to_clipboard).publish(update)]
        self.query_one("#send", Button).disabled = True
        self.text_area.read_only = True
        self.show_note("Recorded; writing the file ...")
        self.run_worker(
            lambda: publish_all(update, [FilePublisher()]),
            name="publish",
            group="publish",
            thread=True,
            exit_on_error=False,
        )

    @on(Worker.StateChanged)
    def _published(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != "publish" or self.sent is None:
            return
        if event.state == WorkerState.SUCCESS:
            deliveries = [*self.first_deliveries, *(worker.result or [])]
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            reason = str(worker.error) if worker.error is not None else "cancelled"
            deliveries = [*self.first_deliveries, Delivery("file", False, "?", reason)]
        else:
            return
        self.notify_deliveries(deliveries)
        self.close()

    def notify_deliveries(self, deliveries: list[Delivery]) -> None:
        label = self.audiences.get(self.audience, self.audience)
        failed = any(not d.ok for d in deliveries)
        notify_literal(
            self.app,
            "\n".join(d.message() for d in deliveries),
            title=f"Update sent to {label}",
            severity="warning" if failed else "information",
        )
