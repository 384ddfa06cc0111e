"""A table of incidents: one row each, user text shown literally.

The screen hands it the incidents in the order to show them and the time to show them
at. When the incidents are the same objects as last time (nothing was folded again), only
the two columns that move with the clock (elapsed and the update countdown) are redrawn.
Colours come from the theme through component classes; nothing here names a colour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from cockpit.incident import Incident
from cockpit.text import visible
from widgets.panels import countdown_words

COLUMNS = {  # key: header, in the order shown
    "ref": "Ref",
    "sev": "Sev",
    "title": "Title",
    "status": "Status",
    "elapsed": "Elapsed",
    "ic": "IC",
    "next-update": "Next update",
    "checklist": "Checklist",
}
# When the table is too narrow for a readable title, these go first, in this order.
DROPPABLE = ("checklist", "status", "elapsed")
MIN_TITLE = 24
COUNTDOWN_RESERVE = len("OVERDUE +00:00")  # so a countdown turning overdue fits as it is

NO_IC = "no IC"
EXERCISE = "EXERCISE"
NOTHING_DUE = "—"
AUDIENCE_TAGS = {"executive": "exec", "status": "status"}  # short, for the board's cell


def elapsed_text(delta: timedelta) -> str:
    """`0:11:00`, `2:03:04`, `1 d 2:03:04`: always to the second."""
    total = max(0, int(delta.total_seconds()))
    days, rem = divmod(total, 86_400)
    hours, rem = divmod(rem, 3_600)
    minutes, secs = divmod(rem, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{days} d {clock}" if days else clock


def countdown_text(incident: Incident, now: datetime) -> tuple[str, str]:
    """What the next-update cell says, and the state it is in (none/ok/due_soon/overdue):
    the audience due soonest, named when it is not the internal one."""
    soonest = incident.soonest_update() if incident.is_active else None
    if soonest is None:
        return NOTHING_DUE, "none"
    state = soonest.state(now)
    text = countdown_words(state, soonest.due_at, now, lead="")
    if soonest.audience != "internal":
        text += " " + AUDIENCE_TAGS.get(soonest.audience, soonest.audience[:6])
    return text, state


def checklist_progress(incident: Incident) -> tuple[int, int]:
    """(done, total) of the incident's runbook checklist."""
    runbook = incident.runbook
    if runbook is None:
        return 0, 0
    done = sum(1 for item in runbook.items if incident.checklist_done(item) is not None)
    return done, len(runbook.items)


class IncidentTable(DataTable[Text]):
    """Incidents, one row each; call `show(incidents, now)` to refresh."""

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            id="incident-table.open",
            tooltip="Open the selected incident",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "incident-table--error",
        "incident-table--warning",
        "incident-table--accent",
        "incident-table--success",
        "incident-table--primary",
        "incident-table--secondary",
        "incident-table--due-soon",
        "incident-table--overdue",
        "incident-table--no-ic",
        "incident-table--exercise",
        "incident-table--quiet",
        "incident-table--resolved",
    }

    DEFAULT_CSS = """
    IncidentTable {
        height: 1fr;
        & > .incident-table--error { color: $error; text-style: bold; }
        & > .incident-table--warning { color: $warning; text-style: bold; }
        & > .incident-table--accent { color: $accent; text-style: bold; }
        & > .incident-table--success { color: $success; text-style: bold; }
        & > .incident-table--primary { color: $primary; text-style: bold; }
        & > .incident-table--secondary { color: $secondary; text-style: bold; }
        & > .incident-table--due-soon { color: $warning; text-style: bold; }
        & > .incident-table--overdue { color: $error; text-style: bold reverse; }
        & > .incident-table--no-ic { color: $error; text-style: bold; }
        & > .incident-table--exercise { color: $warning; text-style: bold reverse; }
        & > .incident-table--quiet { color: $text-muted; }
        & > .incident-table--resolved { text-style: dim; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: list[Incident] = []
        self._versions: list[tuple[str, int]] = []
        self._cells: dict[str, dict[str, Text]] = {}
        self._layout: tuple[tuple[str, ...], int | None] = ((), None)

    def style_for(self, name: str) -> Style:
        return self.get_component_rich_style(f"incident-table--{name}", partial=True)

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The keys of the columns shown, in order (narrow tables drop some)."""
        return self._layout[0]

    @property
    def selected_id(self) -> str | None:
        """The incident under the cursor, if any."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, incident_id: str) -> bool:
        """Move the cursor to an incident's row; False if it is not shown."""
        for index, inc in enumerate(self._shown):
            if inc.id == incident_id:
                self.move_cursor(row=index)
                return True
        return False

    def show(self, incidents: list[Incident], now: datetime) -> None:
        # An incident held folded is updated in place: its event count says it changed.
        versions = [(inc.id, inc.event_count) for inc in incidents]
        if versions == self._versions:
            self._tick(now)
            return
        self._versions = versions
        self._shown = list(incidents)
        self._cells = {inc.id: self._row_cells(inc, now) for inc in incidents}
        self._rebuild()

    def on_resize(self) -> None:
        if self._layout != self._fit():
            self._rebuild()

    # layout ------------------------------------------------------------------------------
    def _fit(self) -> tuple[tuple[str, ...], int | None]:
        """Which columns to show, and the title's width: it takes what the others leave."""
        keys = list(COLUMNS)
        width = self.size.width
        if not width:
            return tuple(keys), None
        needed = {key: cell_len(header) for key, header in COLUMNS.items()}
        for cells in self._cells.values():
            for key, text in cells.items():
                needed[key] = max(needed[key], text.cell_len)
        if any(inc.update_plans for inc in self._shown):
            needed["next-update"] = max(needed["next-update"], COUNTDOWN_RESERVE)
        pad = 2 * self.cell_padding
        room = width - self.scrollbar_size_vertical - pad
        droppable = list(DROPPABLE)
        while True:
            title = room - sum(needed[k] + pad for k in keys if k != "title")
            if title >= MIN_TITLE or not droppable:
                break
            keys.remove(droppable.pop(0))
        return tuple(keys), max(title, 8)

    def _rebuild(self) -> None:
        selected = self.selected_id
        layout = self._fit()
        if layout != self._layout:
            self._layout = layout
            self.clear(columns=True)
            keys, title_width = layout
            for key in keys:
                width = title_width if key == "title" else None
                self.add_column(COLUMNS[key], key=key, width=width)
        else:
            self.clear()
        for inc in self._shown:
            cells = self._cells[inc.id]
            self.add_row(*(cells[key] for key in self.shown_columns), key=inc.id)
        if not self.row_count:
            return
        if selected is None or not self.select(selected):
            self.move_cursor(row=min(max(self.cursor_row, 0), self.row_count - 1))

    # cells -------------------------------------------------------------------------------
    def _tick(self, now: datetime) -> None:
        """Redraw only what moves with the clock."""
        shown = self.shown_columns
        for inc in self._shown:
            cells = self._cells[inc.id]
            cells["elapsed"], cells["next-update"] = self._clock_cells(inc, now)
            for key in ("elapsed", "next-update"):
                if key in shown:
                    self.update_cell(inc.id, key, cells[key])
        if self._layout != self._fit():  # a countdown outgrew its column
            self._rebuild()

    def _clock_cells(self, inc: Incident, now: datetime) -> tuple[Text, Text]:
        text, state = countdown_text(inc, now)
        style = {
            "overdue": self.style_for("overdue"),
            "due_soon": self.style_for("due-soon"),
            "none": self.style_for("quiet"),
        }.get(state, Style())
        elapsed = Text(elapsed_text(inc.elapsed(now)))
        due = Text(text, style=style)
        if not inc.is_active:
            for cell in (elapsed, due):
                cell.stylize(self.style_for("resolved"))
        return elapsed, due

    def _row_cells(self, inc: Incident, now: datetime) -> dict[str, Text]:
        level = inc.level
        sev_style = self.style_for(level.colour) if level is not None else Style()
        ic = inc.roles.get("ic")
        done, total = checklist_progress(inc)
        title = Text(visible(inc.title), no_wrap=True, overflow="ellipsis")
        if inc.exercise:
            title = Text.assemble(
                (EXERCISE, self.style_for("exercise")),
                " ",
                title,
                no_wrap=True,
                overflow="ellipsis",
            )
        cells = {
            "ref": Text(inc.ref),
            "sev": Text(visible(inc.severity), style=sev_style),
            "title": title,
            "status": Text(inc.status),
            "ic": Text("@" + visible(ic.handle))
            if ic
            else Text(NO_IC, style=self.style_for("no-ic")),
            "checklist": Text(f"{done}/{total}" if total else NOTHING_DUE),
        }
        if not inc.is_active:
            for cell in cells.values():
                cell.stylize(self.style_for("resolved"))
        cells["elapsed"], cells["next-update"] = self._clock_cells(inc, now)
        return cells
