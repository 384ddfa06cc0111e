"""A table of incidents: one row each, user text shown literally."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from cockpit.incident import Incident
from cockpit.text import visible
from cockpit.timefmt import format_clock, format_duration

COLUMNS = ("Ref", "Sev", "Status", "Elapsed", "IC", "Next update", "Title")


class IncidentTable(DataTable[Text]):
    """Open incidents; set `show(incidents, now)` to refresh."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for name in COLUMNS:
            self.add_column(name, key=name.lower())

    def show(self, incidents: list[Incident], now: datetime) -> None:
        selected = self.cursor_row
        self.clear()
        for inc in incidents:
            plan = inc.next_update
            state = inc.update_state(now)
            if plan is None:
                due = Text("-", style="dim")
            elif state == "overdue":
                due = Text(f"OVERDUE +{format_clock(now - plan.due_at)}", style="bold red")
            elif state == "due_soon":
                due = Text(f"due soon {format_clock(plan.due_at - now)}", style="yellow")
            else:
                due = Text(format_clock(plan.due_at - now))
            ic = inc.roles.get("ic")
            title = Text(visible(inc.title))
            if inc.exercise:
                title = Text.assemble(("EXERCISE ", "reverse"), title)
            self.add_row(
                Text(inc.ref),
                Text(inc.severity),
                Text(inc.status),
                Text(format_duration(inc.elapsed(now))),
                Text("@" + visible(ic.handle)) if ic else Text("no IC", style="bold red"),
                due,
                title,
                key=inc.id,
            )
        if self.row_count:
            self.move_cursor(row=min(max(selected, 0), self.row_count - 1))
