"""The incident screen's side panels: the update countdown, the role roster and the
first-thirty-minutes checklist. Each renders what it is given; none opens the store."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from cockpit.incident import Incident
from cockpit.runbook import Runbook
from cockpit.text import visible
from cockpit.timefmt import format_clock, format_duration
from widgets.literal import literal

STATE_WORDS = {
    "ok": "next update in",
    "due_soon": "⚠ update due soon",
    "overdue": "⏰ UPDATE OVERDUE",
    "none": "no updates required",
}


class Steady(Static):
    """A Static for text redrawn every second: it repaints only when the text changed, and
    asks for a new layout only when its size may have (a new line count or length). A
    layout pass repaints every widget on the screen, which is what made each tick cost."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "panel--done",
        "panel--late",
        "panel--warn",
        "panel--muted",
        "panel--strong",
    }
    DEFAULT_CSS = """
    Steady > .panel--done { color: $text-success; }
    Steady > .panel--late { color: $text-error; text-style: bold; }
    Steady > .panel--warn { color: $text-warning; }
    Steady > .panel--muted { color: $text-muted; }
    Steady > .panel--strong { text-style: bold; }
    """

    _shown: Text | None = None
    _title_shown: str | None = None

    def style(self, name: str) -> Style:
        """A state's style from the theme (done, late, warn, muted, strong)."""
        return self.get_component_rich_style(f"panel--{name}", partial=True)

    def show_text(self, text: Text) -> None:
        old = self._shown
        if old is not None and old == text:
            return
        layout = (
            old is None
            or old.plain.count("\n") != text.plain.count("\n")
            or cell_len(old.plain) != cell_len(text.plain)
        )
        self._shown = text
        self.update(text, layout=layout)

    def set_title(self, title: str) -> None:
        """Set the border title (shown as written, never markup) only when it changed:
        setting it always repaints."""
        if self._title_shown != title:
            self._title_shown = title
            self.border_title = literal(title)


class Countdown(Vertical):
    """Time to the next required update, in large digits, coloured by its state."""

    DEFAULT_CSS = """
    Countdown { height: auto; padding: 0 1; border: round $primary; }
    Countdown > Digits { width: auto; }
    Countdown.-due_soon { border: round $warning; }
    Countdown.-due_soon > Digits { color: $warning; }
    Countdown.-overdue { border: heavy $error; }
    Countdown.-overdue > Digits { color: $error; }
    Countdown.-none > Digits { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Steady(id="countdown-state")
        yield Digits("--:--", id="countdown-digits")
        yield Steady(id="countdown-rule")

    def show(self, incident: Incident, now: datetime, tz: tzinfo) -> str:
        """Render the countdown; returns the state (none, ok, due_soon, overdue)."""
        state = incident.update_state(now)
        plan = incident.next_update
        self.update_classes({f"-{name}": state == name for name in STATE_WORDS})
        self.query_one("#countdown-state", Steady).show_text(Text(STATE_WORDS[state]))
        digits = self.query_one("#countdown-digits", Digits)
        rule = self.query_one("#countdown-rule", Steady)
        if plan is None:
            value = "--:--"
            rule.show_text(Text(_no_update_reason(incident), style="dim"))
        else:
            delta = plan.due_at - now
            value = "+" + format_clock(-delta) if state == "overdue" else format_clock(delta)
            due = plan.due_at.astimezone(tz).strftime("%H:%M")
            rule.show_text(Text(f"due {due} · {visible(plan.rule)}", style="dim"))
        if digits.value != value:
            digits.update(value)
        return state


def _no_update_reason(incident: Incident) -> str:
    if not incident.is_active:
        return f"the incident is {incident.status}"
    level = incident.level
    return level.rule_text() if level is not None else "no policy level"


class Roster(Steady):
    """The policy's roles: who holds each and for how long; unfilled ones stand out."""

    DEFAULT_CSS = """
    Roster { height: auto; padding: 0 1; border: round $primary; }
    """

    def show(self, incident: Incident, now: datetime) -> None:
        text = Text()
        roles = incident.policy.roles if incident.policy is not None else []
        for role in roles:
            held = incident.roles.get(role.key)
            text.append(f"{visible(role.label):<20} ", style="bold" if role.key == "ic" else "")
            if held is None:
                text.append("unfilled", style="bold reverse" if role.key == "ic" else "italic")
            else:
                text.append("@" + visible(held.handle))
                text.append(f"  {format_duration(now - held.start)}", style="dim")
            text.append("\n")
        ic, tl = incident.roles.get("ic"), incident.roles.get("tl")
        if ic is not None and tl is not None and ic.handle == tl.handle:
            text.append(
                f"⚠ @{visible(ic.handle)} is both IC and tech lead: hand one off", style="bold"
            )
        text.rstrip()
        self.show_text(text if text.plain else Text("no roles in this policy", style="dim"))
        self.set_title("Roles")


class Checklist(Steady):
    """The first thirty minutes, by phase, with each phase's budget against elapsed."""

    DEFAULT_CSS = """
    Checklist { height: auto; padding: 0 1; border: round $primary; }
    """

    def show(self, incident: Incident, runbook: Runbook, now: datetime) -> None:
        view = {item["id"]: item for item in incident.checklist_view(runbook, now)}
        declared = incident.declared_at or now
        elapsed = now - declared
        text = Text()
        done_count = 0
        for phase in runbook.phases:
            end = timedelta(seconds=phase.end)
            items = [i for i in runbook.items if i.phase == phase.key]
            done = sum(1 for i in items if view[i.id]["done_at"])
            done_count += done
            late = elapsed > end and done < len(items) and incident.is_active
            budget = visible(f"{phase.key} min · {phase.label}")  # the runbook's words
            text.append(budget, self.style("late") if late else self.style("strong"))
            text.append(f"  {done}/{len(items)}", style="dim")
            if late:
                text.append(f"  over by {format_duration(elapsed - end)}", self.style("late"))
            text.append("\n")
            for item in items:
                state = view[item.id]
                if state["done_at"]:
                    text.append("  [x] ", self.style("done"))
                    text.append(visible(item.title), style="dim")
                elif state["overdue"]:
                    text.append("  [!] ", self.style("late"))
                    text.append(visible(item.title), self.style("late"))
                else:
                    text.append("  [ ] ")
                    text.append(visible(item.title))
                text.append(f"  {item.id}\n", style="dim italic")
        text.rstrip()
        self.show_text(text)
        self.set_title(f"First thirty minutes {done_count}/{len(runbook.items)}")


def countdown_words(state: str, due: datetime, now: datetime, lead: str = "in ") -> str:
    """`in 04:12`, `⚠ in 01:30` or `OVERDUE +02:10` (the board's cells leave out `lead`):
    a word or symbol beside the colour, for every countdown to an update."""
    if state == "overdue":
        return f"OVERDUE +{format_clock(now - due)}"
    if state == "due_soon":
        return f"⚠ {lead}{format_clock(due - now)}"
    return f"{lead}{format_clock(due - now)}"


STATE_COLUMN = 16  # "OVERDUE +1:02:03" and the like, so the names line up


class Updates(Steady):
    """Each audience's next update (the internal one is also the big countdown), and the
    updates sent: who, to whom, when, on time or late by how much."""

    DEFAULT_CSS = """
    Updates { height: auto; padding: 0 1; border: round $primary; }
    """
    HISTORY = 4

    def show(self, incident: Incident, now: datetime, tz: tzinfo) -> None:
        text = Text()
        for plan in incident.update_plans:
            state = plan.state(now)
            style = {"overdue": "late", "due_soon": "warn"}.get(state, "strong")
            words = countdown_words(state, plan.due_at, now)
            text.append(f"{words:<{STATE_COLUMN}}", self.style(style))
            text.append(visible(plan.label), self.style("strong"))
            text.append(f"  due {plan.due_at.astimezone(tz):%H:%M}\n", self.style("muted"))
        if not incident.update_plans:
            text.append("no updates owed at this level\n", self.style("muted"))
        sent = incident.updates[-self.HISTORY :]
        for rec in reversed(sent):
            at = rec.occurred_at.astimezone(tz)
            due = incident.update_due.get(rec.id)
            text.append(f"{at:%H:%M} ", self.style("muted"))
            text.append(f"@{visible(rec.author)} → {visible(rec.data.get('audience', ''))} ")
            if due is not None and rec.occurred_at > due:
                text.append(f"late {format_duration(rec.occurred_at - due)}", self.style("warn"))
            else:
                text.append("on time", self.style("done"))
            body = visible(str(rec.data.get("text", "")).replace("\n", " "))  # one line
            if body:
                text.append(f"\n   {body[:60]}{'…' if len(body) > 60 else ''}", "dim")
            text.append("\n")
        text.rstrip()
        self.show_text(text)
        self.set_title(f"Updates · {len(incident.updates)} sent")


class Targets(Steady):
    """Response and resolution targets and escalation steps: time left, or the action to
    take once one is breached."""

    DEFAULT_CSS = """
    Targets { height: auto; padding: 0 1; border: round $primary; }
    """

    def show(self, incident: Incident, now: datetime, tz: tzinfo) -> None:
        text = Text()
        for target in incident.targets:
            state = target.state(now)
            if state == "met":
                met = f" {target.met_at.astimezone(tz):%H:%M}" if target.met_at else ""
                text.append(f"{'met' + met:<{STATE_COLUMN}}", self.style("done"))
            elif state == "met_late":
                late = format_clock(target.met_at - target.due_at) if target.met_at else ""
                text.append(f"{'met, ' + late + ' late':<{STATE_COLUMN}}", self.style("warn"))
            elif state == "pending":
                text.append(f"{'in ' + format_clock(target.remaining(now)):<{STATE_COLUMN}}")
            elif state == "missed":
                text.append(f"{'missed':<{STATE_COLUMN}}", self.style("muted"))
            else:
                words = f"⚠ +{format_clock(now - target.due_at)}"
                text.append(f"{words:<{STATE_COLUMN}}", self.style("late"))
            text.append(visible(target.label), self.style("strong"))
            if state == "breached":
                text.append(f"\n  → {visible(target.action)}", self.style("late"))
            text.append("\n")
        if not incident.targets:
            text.append("no targets at this level", self.style("muted"))
        text.rstrip()
        self.show_text(text)
        prompts = len(incident.prompts(now))
        self.set_title(f"Targets · {prompts} to act on" if prompts else "Targets")


class Timers(Steady):
    """Deputy timers (`/timer 10m check replica lag`): time left, or when they rang."""

    DEFAULT_CSS = """
    Timers { height: auto; padding: 0 1; border: round $primary; }
    """
    RANG_SHOWN = timedelta(minutes=10)

    def show(self, incident: Incident, now: datetime, tz: tzinfo) -> None:
        text = Text()
        for timer in incident.active_timers():
            if now >= timer.until:
                if now - timer.until > self.RANG_SHOWN:
                    continue
                words = f"rang {timer.until.astimezone(tz):%H:%M}"
                text.append(f"{words:<{STATE_COLUMN}}", self.style("late"))
            else:
                words = format_clock(timer.until - now)
                text.append(f"{words:<{STATE_COLUMN}}", self.style("strong"))
            text.append(f"{timer.id} ", self.style("muted"))
            text.append(f"{visible(timer.text)}\n")
        text.rstrip()
        if not text.plain:
            text = Text("/timer 10m what to check", self.style("muted"))
        self.show_text(text)
        self.set_title("Timers")
