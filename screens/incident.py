"""The incident screen: header, timeline, quick entry, update countdown, roles, checklist.

Focus model: the quick entry has focus when the screen opens (Enter logs, Up/Down recall,
Esc goes to the timeline). In the timeline, letters are commands: s star, e amend,
x retract, r role, v severity, t status, k checklist, z UTC, Enter or i back to the
entry, Esc back to the board.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label

from cockpit.entry import COMMANDS, EntryError, short_id
from cockpit.incident import Incident, TimelineItem
from cockpit.records import MILESTONES, STATUSES
from cockpit.service import Cockpit, Watch
from cockpit.text import visible
from cockpit.timefmt import format_duration
from screens.entry_writes import EntryWrites
from screens.saving import tell_trouble
from widgets.frames import PromptFrames
from widgets.literal import literal_lines
from widgets.panels import (
    Checklist,
    Countdown,
    Roster,
    Steady,
    Targets,
    Timers,
    Updates,
    countdown_words,
)
from widgets.quick_entry import EntryInput, QuickEntry, is_late
from widgets.timeline import Timeline

if TYPE_CHECKING:  # writing needs pydantic; this screen only passes events on
    from cockpit.events import Event

REMINDER_EVERY_S = 300
NARROW, WIDE = 110, 200


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no, with the question in plain text."""

    AUTO_FOCUS = "#yes"  # as the screen is composed (see IncidentScreen)

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="confirm-cancel"),
        Binding("y", "answer(True)", "Yes", show=False, id="confirm-yes"),
        Binding("n", "answer(False)", "No", show=False, id="confirm-no"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question, self.yes = question, yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal_lines(self.question))  # it quotes entries, as written
            with Horizontal():
                yield Button(self.yes, variant="primary", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class IncidentScreen(PromptFrames[None]):
    # The quick entry has focus as soon as the screen is composed, so a key typed while
    # the screen opens (held by CockpitApp._screen_built until then) goes into it. The
    # focus() in on_mount lands only a turn of the app's queue later (too late for a key
    # already waiting, which Textual gave to the first focusable widget: the timeline,
    # where letters are commands); it stays for a screen pushed while the terminal says
    # the app is not focused, when Textual skips AUTO_FOCUS.
    AUTO_FOCUS = "#entry-input"
    DEFAULT_CSS = """
    IncidentScreen #header { height: auto; padding: 0 1; background: $boost; }
    IncidentScreen #body { height: 1fr; }
    IncidentScreen #main { width: 1fr; }
    IncidentScreen Timeline { height: 1fr; border: round $primary; }
    IncidentScreen Timeline:focus { border: round $accent; }
    IncidentScreen #sidebar { width: 48; }
    IncidentScreen .panels { height: auto; }
    IncidentScreen.-wide #sidebar { width: 100; layout: horizontal; }
    IncidentScreen.-wide .panels { width: 1fr; }
    IncidentScreen.-narrow #sidebar { display: none; width: 1fr; }
    IncidentScreen.-narrow.-panels #sidebar { display: block; }
    IncidentScreen.-narrow.-panels #main { display: none; }
    """
    BINDINGS = [
        Binding("escape", "escape", "Board / timeline", id="incident-escape"),
        Binding("f2", "toggle_panels", "Panels", id="incident-panels"),
        Binding("s", "star", "Star", id="timeline-star"),
        Binding("e", "amend", "Amend", id="timeline-amend"),
        Binding("x", "retract", "Retract", id="timeline-retract"),
        Binding("r", "prefill('/role ')", "Role", id="timeline-role"),
        Binding("v", "prefill('/sev ')", "Severity", id="timeline-severity"),
        Binding("t", "prefill('/status ')", "Status", id="timeline-status"),
        Binding("k", "prefill('/check ')", "Checklist", id="timeline-check"),
        Binding("z", "toggle_utc", "UTC", id="timeline-utc"),
        Binding("a", "toggle_retracted", "Retracted", show=False, id="timeline-retracted"),
        Binding("i", "focus_entry", "Entry", show=False, id="timeline-entry"),
        Binding("enter", "focus_entry", "Entry", show=False, id="timeline-enter"),
        Binding("question_mark", "help", "Help", show=False, id="timeline-help"),
        Binding("m", "mute", "Mute reminders", show=False, id="incident-mute"),
        Binding(
            "u",
            "compose",
            "Update",
            id="timeline-update",
            tooltip="Compose a stakeholder update from a template",
        ),
        Binding(
            "b", "brief", "Brief", id="timeline-brief", tooltip="Handoff brief for a new commander"
        ),
    ]

    def __init__(self, cockpit: Cockpit, incident_id: str) -> None:
        super().__init__()
        self.cockpit = cockpit
        self.incident_id = incident_id
        self._watch = Watch(cockpit)
        self.live = cockpit.live(incident_id)
        self.show_retracted = False
        self._update_states: dict[str, str] | None = None  # per audience, last tick
        self._from_palette = False
        self._last_reminder: datetime | None = None
        self._seen: tuple[set[str], set[str]] | None = None  # breached targets, rung timers
        self.writes = EntryWrites(self)  # lines committed off the event loop, in order

    @property
    def incident(self) -> Incident:
        return self.live.incident

    # composing -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Steady(id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Timeline(id="timeline")
                yield QuickEntry(id="quick-entry")
            with VerticalScroll(id="sidebar"):
                with Vertical(id="comms", classes="panels"):
                    yield Countdown(id="countdown")
                    yield Updates(id="updates")
                    yield Targets(id="targets")
                    yield Timers(id="timers")
                with Vertical(id="team", classes="panels"):
                    yield Roster(id="roster")
                    yield Checklist(id="checklist")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.incident.ref
        self._layout(self.size.width)
        self.redraw(items=True)
        entry = self.query_one(EntryInput)
        entry.candidates = lambda: self._completions(self.incident)
        # Enter hands the line over at once: committed off the event loop, shown as
        # logged once committed, put back if it cannot be logged (screens/entry_writes.py).
        entry.submit_line = self.writes.typed
        entry.focus()
        self.set_interval(1.0, self.tick)

    def on_resize(self) -> None:
        self._layout(self.size.width)

    def _layout(self, width: int) -> None:
        """Under 110 columns the panels are a second page (F2); from 200 they stand in two
        columns beside the timeline; between, in one."""
        self.update_classes({"-narrow": width < NARROW, "-wide": width >= WIDE})

    # live ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Every second: pick up what other processes logged, and redraw the clocks."""
        if not self.pick_up():
            self.redraw(items=False)

    def pick_up(self) -> bool:
        """Redraw with the timeline if this incident has new events (the board may have
        applied them to the shared fold already: they count all the same)."""
        changed = self._watch.changes()
        tell_trouble(self, self._watch)
        if self.incident_id in (changed or ()):
            self.redraw(items=True)
            return True
        return False

    def redraw(self, *, items: bool) -> None:
        inc = self.incident
        now = self.cockpit.now()
        tz = self.cockpit.tz
        if items:
            self.query_one(Timeline).set_items(
                inc.visible_timeline(include_retracted=self.show_retracted), tz
            )
        self.query_one("#header", Steady).show_text(self._header(inc, now))
        self.query_one(Countdown).show(inc, now, tz)
        self.query_one(Updates).show(inc, now, tz)
        self.query_one(Targets).show(inc, now, tz)
        self.query_one(Timers).show(inc, now, tz)
        self.query_one(Roster).show(inc, now)
        self.query_one(Checklist).show(inc, self.cockpit.runbook_for(inc), now)
        self._alert(now)
        self._prompt(inc, now)

    def _completions(self, inc: Incident) -> list[str]:
        """What Tab completes: commands, role keys, checklist ids, levels, statuses,
        milestones, entry ids and the handles seen in this incident."""
        words = ["/" + name for name in COMMANDS] + ["last", *STATUSES, *MILESTONES]
        if inc.policy is not None:
            words += [role.key for role in inc.policy.roles]
            words += [level.key for level in inc.policy.levels]
        words += [item.id for item in self.cockpit.runbook_for(inc).items]
        handles: set[str] = set()
        for item in inc.timeline:
            if item.is_entry:
                words.append(short_id(item.id))
                handles.update(item.rec.data.get("mentions", []))
            handles.add(item.rec.author)
        handles.update(t.handle for t in inc.role_history)
        words += ["@" + h for h in handles if h]
        return words

    def _header(self, inc: Incident, now: datetime) -> Text:
        tz = self.cockpit.tz
        text = Text()
        text.append(f" {inc.ref} ", style="bold reverse")
        level = inc.level
        theme = self._theme_colours()
        colour = theme.get(level.colour if level else "accent", theme.get("accent", ""))
        text.append(f" {inc.severity} ", style=f"bold reverse {colour}".strip())
        text.append(f" {inc.status} ", style="bold")
        if inc.exercise:
            text.append(" EXERCISE ", style=f"bold reverse {theme.get('secondary', '')}".strip())
        text.append(" " + visible(inc.title), style="bold")
        text.append(f"\n elapsed {format_duration(inc.elapsed(now), seconds=True)}")
        soonest = inc.soonest_update()
        if self.has_class("-narrow") and soonest is not None:  # the countdowns are on F2
            state = soonest.state(now)
            style = {"overdue": "bold reverse", "due_soon": "bold"}.get(state, "")
            text.append(f" · {visible(soonest.label.lower())} update ")
            text.append(countdown_words(state, soonest.due_at, now), style=style)
        text.append(f" · {now.astimezone(tz):%H:%M:%S} local · {now.astimezone(UTC):%H:%M:%S} UTC")
        context = []
        for key in ("bridge", "channel", "ticket"):
            if inc.context.get(key):
                context.append(f"{key} {visible(str(inc.context[key]))}")
        if inc.context.get("services"):
            context.append("services " + visible(", ".join(inc.context["services"])))
        if "customer_facing" in inc.context:
            context.append("customer-facing " + ("yes" if inc.context["customer_facing"] else "no"))
        if context:
            text.append("\n " + " · ".join(context), style="dim")
        return text

    def _theme_colours(self) -> dict[str, str]:
        """The theme's colour variables, worked out once per theme (they cost ~1 ms)."""
        name = self.app.theme
        if getattr(self, "_colours_for", None) != name:
            self._colours_for = name
            self._colours = self.app.get_css_variables()
        return self._colours

    def _alert(self, now: datetime) -> None:
        """When an audience's update falls due: bell, notification, desktop notice, once;
        while any is overdue, a quiet reminder every 5 minutes unless muted. An update
        already overdue when the screen opens starts the reminders, not the bell."""
        inc = self.incident
        states = {plan.audience: plan.state(now) for plan in inc.update_plans}
        previous, self._update_states = self._update_states, states
        overdue = [plan for plan in inc.update_plans if states[plan.audience] == "overdue"]
        fresh = [
            plan
            for plan in overdue
            if previous is not None and previous.get(plan.audience) not in (None, "overdue")
        ]
        if fresh:
            self.app.bell()
            for plan in fresh:
                if plan.audience == "internal":
                    message = f"{inc.ref}: a stakeholder update is due now"
                else:
                    message = f"{inc.ref}: the {plan.label.lower()} update is due now"
                self.notify(
                    visible(message), title="Update due", severity="error", timeout=10, markup=False
                )
                self._desktop_notice(message)
            self._last_reminder = now
        elif not overdue:
            self._last_reminder = None
        elif self._last_reminder is None:
            self._last_reminder = now
        elif (now - self._last_reminder).total_seconds() >= REMINDER_EVERY_S:
            self._last_reminder = now  # muted or not, so unmuting keeps the 5-min rhythm
            if not inc.reminders_muted:
                names = ", ".join(plan.label.lower() for plan in overdue)
                message = f"{inc.ref}: the update is still overdue ({names})"
                self.notify(visible(message), timeout=6, markup=False)

    def _prompt(self, inc: Incident, now: datetime) -> None:
        """A target breached, an escalation due or a timer at zero while the screen is
        open: say so once, with the action to take. Derived from the time, not logged;
        what the commander does about it is."""
        breached = {t.name for t in inc.prompts(now)}
        rang = {t.id for t in inc.expired_timers(now)}
        if self._seen is not None:
            for target in inc.targets:
                if target.name in breached - self._seen[0]:
                    self.app.bell()
                    self.notify(
                        f"{visible(target.label)}: {visible(target.action)}",
                        title=f"{inc.ref}: target breached",
                        severity="warning",
                        timeout=15,
                        markup=False,
                    )
            for timer in inc.active_timers():
                if timer.id in rang - self._seen[1]:
                    self.app.bell()
                    self.notify(
                        visible(timer.text) or "a timer ran out",
                        title=f"{inc.ref}: timer {visible(timer.id)}",
                        timeout=15,
                        markup=False,
                    )
        self._seen = (breached, rang)

    def _desktop_notice(self, message: str) -> None:
        """OSC 9 and OSC 777: terminals that know them raise a desktop notification."""
        driver = self.app._driver
        if driver is None or not sys.__stdout__ or not sys.__stdout__.isatty():
            return
        safe = visible(message).replace(";", ",")
        driver.write(f"\x1b]9;{safe}\x07\x1b]777;notify;Incident Cockpit;{safe}\x07")

    # the quick entry -------------------------------------------------------------------
    @on(EntryInput.Changed)
    def _preview(self, event: EntryInput.Changed) -> None:
        if is_late(event):
            return
        line = event.value
        entry = self.query_one(QuickEntry)
        if line != self.writes.restored:
            self.writes.restored = None  # the box has changed since a line was put back
        elif line:
            return  # the line put back: the error says why, until the box changes
        if not line.strip():
            entry.show_preview("")
            return
        try:
            drafts = self.cockpit.drafts(self.incident, line)
        except EntryError as exc:
            entry.show_error(str(exc))
            return
        now, tz = self.cockpit.now(), self.cockpit.tz
        entry.show_preview(" · ".join(d.describe(now, tz) for d in drafts))

    @on(EntryInput.MultiLinePaste)
    def _paste(self, event: EntryInput.MultiLinePaste) -> None:
        lines = event.lines

        def answered(ok: bool | None) -> None:
            if ok:
                self.writes.paste(lines)

        preview = "\n".join(f"  {line}" for line in lines[:5])
        more = f"\n  … and {len(lines) - 5} more" if len(lines) > 5 else ""
        self.app.push_screen(
            ConfirmScreen(
                f"Log these {len(lines)} lines as {len(lines)} entries?\n\n{preview}{more}",
                yes=f"Log {len(lines)} entries",
            ),
            answered,
        )

    # actions ---------------------------------------------------------------------------
    def _timeline_focused(self) -> bool:
        return isinstance(self.focused, Timeline)

    async def palette_action(self, action: str) -> None:
        """Run an action chosen in the command palette, wherever the focus is (the letter
        keys need the timeline focused only so that typing stays text)."""
        self._from_palette = True
        try:
            await self.run_action(action)
        finally:
            self._from_palette = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._from_palette:
            return True
        # Letter keys belong to the quick entry (as text) unless the timeline has focus.
        letters = {
            "star",
            "amend",
            "retract",
            "prefill",
            "toggle_utc",
            "toggle_retracted",
            "focus_entry",
            "mute",
            "compose",
            "brief",
        }
        return not (action in letters and not self._timeline_focused())

    def action_escape(self) -> None:
        if not self._timeline_focused():
            self.query_one(Timeline).focus()
        elif self.writes.saving:  # leaving must not lose them: go once they are logged
            self.writes.leave_when_saved = True
            count = len(self.writes.unsaved())
            self.notify(
                f"{count} entr{'y' if count == 1 else 'ies'} still saving: back to the board "
                "once logged",
                title="Saving",
                markup=False,
            )
        else:
            self.app.pop_screen()

    def unsaved(self) -> list[str]:
        """Lines submitted and not yet committed (quitting waits for them)."""
        return self.writes.unsaved()

    def action_focus_entry(self) -> None:
        self.query_one(EntryInput).focus()

    def show_new(self, events: list[Event]) -> None:
        """Events just committed by this screen: into the fold, onto the screen."""
        self.live.add([e.to_rec() for e in events])
        self.redraw(items=True)

    def _log_line(self, line: str) -> None:
        """Log a line made by a key (star, retract, mute), after the lines typed before
        it: errors become notifications."""
        self.writes.keyed(line)

    def _selected(self) -> TimelineItem | None:
        return self.query_one(Timeline).selected

    def action_star(self) -> None:
        item = self._selected()
        if item is not None:
            self._log_line(f"/{'unstar' if item.starred else 'star'} {item.id}")

    def action_retract(self) -> None:
        item = self._selected()
        if item is None:
            return
        if not item.is_entry:
            self.notify("Only entries can be retracted; log a new state instead.")
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._log_line(f"/retract {item.id}")

        self.app.push_screen(
            ConfirmScreen(
                f"Retract {short_id(item.id)}? It is hidden, and kept in the audit "
                f"trail.\n\n{item.text}",
                yes="Retract",
            ),
            answered,
        )

    def action_amend(self) -> None:
        """Open the amend form on the selected entry (its text and occurred time)."""
        from screens.amend import AmendScreen

        item = self._selected()
        if item is None:
            return
        if not item.is_entry:
            self.notify("Only entries can be amended; log a new state instead.")
            return

        def saved(events: list[Event] | None) -> None:
            if events:
                self.show_new(events)

        self.app.push_screen(AmendScreen(self.cockpit, self.incident, item), saved)

    def action_prefill(self, text: str) -> None:
        entry = self.query_one(EntryInput)
        entry.value = text
        entry.cursor_position = len(text)
        entry.focus()

    def action_toggle_utc(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.utc = not timeline.utc

    def action_toggle_retracted(self) -> None:
        self.show_retracted = not self.show_retracted
        self.redraw(items=True)

    def action_toggle_panels(self) -> None:
        self.toggle_class("-panels")

    def action_mute(self) -> None:
        """Mute or unmute the 5-minute overdue reminder; logged, so every screen agrees."""
        self._log_line("/unmute" if self.incident.reminders_muted else "/mute")

    def action_compose(self, template: str | None = None) -> None:
        """The update composer: a template filled from the incident, edited, then sent
        (recorded, copied to the clipboard, written to a file)."""
        from screens.composer import ComposerScreen

        def sent(event: Event | None) -> None:
            if event is not None:
                self.show_new([event])

        self.app.push_screen(ComposerScreen(self.cockpit, self.incident, template), sent)

    def action_brief(self) -> None:
        """The handoff brief for a new commander or a late joiner (c copies it)."""
        from screens.brief import BriefScreen

        self.app.push_screen(BriefScreen(self.cockpit, self.incident))

    def action_help(self) -> None:
        self.app.action_help()  # type: ignore[attr-defined]
