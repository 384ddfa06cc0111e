"""The board (first screen): every open incident, live.

Rows are sorted by severity (the level's place in the incident's own policy), then by
elapsed time, longest first; resolved incidents come below, dimmed, and closed ones only
when `c` shows them. A timer redraws the clock columns every second from the injected
clock; incidents are folded again only when the database says something changed, and then
only the incidents that the new events belong to.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from cockpit.incident import Incident
from cockpit.service import Cockpit, Watch
from cockpit.text import visible
from screens.saving import tell_trouble
from widgets.incident_table import IncidentTable
from widgets.literal import literal
from widgets.plain_input import PlainInput

EMPTY = "No open incidents.  Press n to declare one."
NO_MATCH = "No incident matches {query!r}.  Esc clears the filter."


def board_order(incident: Incident, now: datetime) -> tuple[int, int, float, str]:
    """Active first, then resolved, then closed; within each, by severity then elapsed."""
    group = 0 if incident.is_active else 1 if incident.is_open else 2
    policy = incident.policy
    keys = [level.key for level in policy.levels] if policy is not None else []
    rank = keys.index(incident.severity) if incident.severity in keys else len(keys)
    return group, rank, -incident.elapsed(now).total_seconds(), incident.ref


def matches(incident: Incident, query: str) -> bool:
    """Case-insensitive substring of the ref, title, severity or status."""
    wanted = query.strip().casefold()
    if not wanted:
        return True
    fields = (incident.ref, incident.title, incident.severity, incident.status)
    return any(wanted in field.casefold() for field in fields)


class BoardScreen(Screen[None]):
    AUTO_FOCUS = "#incidents"  # as the screen is composed (see IncidentScreen)
    BINDINGS: ClassVar = [
        Binding("n", "declare", "Declare", id="board.declare", tooltip="Declare an incident"),
        Binding("enter", "open", "Open", id="board.open", tooltip="Open the selected incident"),
        Binding("slash", "filter", "Filter", id="board.filter", tooltip="Filter the incidents"),
        Binding(
            "c",
            "toggle_closed",
            "Closed",
            id="board.toggle-closed",
            tooltip="Show or hide closed incidents",
        ),
        Binding("q", "app.quit", "Quit", id="board.quit", tooltip="Quit the cockpit"),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            id="board.clear-filter",
            tooltip="Clear and hide the filter",
        ),
    ]

    DEFAULT_CSS = """
    BoardScreen {
        #empty { padding: 1 2; color: $text-muted; }
        #filter { display: none; dock: bottom; margin-bottom: 1; }
        #filter.-shown { display: block; }
    }
    """

    show_closed: reactive[bool] = reactive(False, init=False)
    query_text: reactive[str] = reactive("", init=False)

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__()
        self.cockpit = cockpit
        self._watch = Watch(cockpit)
        self._listed_closed = False
        self._ids: list[str] | None = None  # listed at the first look
        self._order: list[Incident] = []
        self._order_stale = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(EMPTY, id="empty")
        yield IncidentTable(id="incidents")
        yield PlainInput(placeholder="filter: ref, title, severity or status", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_board()
        self.query_one(IncidentTable).focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        # Behind another full screen (an incident), the board is not seen: do nothing,
        # and catch up when it shows again.
        # (Screen.is_current counts the screen just below the top one as visible.)
        top = self.app.screen
        stack = self.app.screen_stack
        if top is self or (isinstance(top, ModalScreen) and stack[-2:-1] == [self]):
            self.refresh_board()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_board()

    # data --------------------------------------------------------------------------------
    def incidents(self) -> list[Incident]:
        """The incidents to list, folded again only when the database has changed, and
        then only the ones with new events."""
        changed = self._watch.changes() is not None
        tell_trouble(self, self._watch)
        if changed or self._ids is None or self._listed_closed != self.show_closed:
            self._listed_closed = self.show_closed
            rows = self.cockpit.store.incidents(include_closed=self.show_closed)
            self._ids = [row.id for row in rows]
            self._order_stale = True
        return [self.cockpit.live(i).incident for i in self._ids]

    def shown(self, now: datetime) -> list[Incident]:
        """The incidents on the board, filtered and in board order."""
        incidents = self.incidents()
        if self._order_stale:
            # Elapsed grows alike for every active incident, so the order changes only
            # when the incidents or the filter do.
            kept = [inc for inc in incidents if matches(inc, self.query_text)]
            self._order = sorted(kept, key=lambda inc: board_order(inc, now))
            self._order_stale = False
        return self._order

    def refresh_board(self) -> None:
        now = self.cockpit.now()
        shown = self.shown(now)
        table = self.query_one(IncidentTable)
        table.show(shown, now)
        empty = self.query_one("#empty", Static)
        if not shown and self.query_text.strip():
            # The query is what the user typed: content, never markup.
            empty.update(literal(NO_MATCH.format(query=visible(self.query_text.strip()))))
        else:
            empty.update(EMPTY)
        empty.display = not shown
        table.display = bool(shown)

    def watch_show_closed(self) -> None:
        self.refresh_board()
        state = "shown" if self.show_closed else "hidden"
        self.notify(f"Closed incidents {state}", timeout=2)

    def watch_query_text(self) -> None:
        self._order_stale = True
        self.refresh_board()

    # actions -----------------------------------------------------------------------------
    def action_declare(self) -> None:
        from screens.declare import DeclareScreen

        def declared(incident_id: str | None) -> None:
            if incident_id is None:
                return
            self.refresh_board()
            table = self.query_one(IncidentTable)
            if not table.select(incident_id) and self.query_text:
                self.action_clear_filter()  # the filter hid the new incident: show it
                table.select(incident_id)
            table.focus()

        self.app.push_screen(DeclareScreen(self.cockpit), declared)

    def action_open(self) -> None:
        incident_id = self.query_one(IncidentTable).selected_id
        if incident_id is not None:
            self.app.open_incident(incident_id)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.query_text = ""
        self.query_one(IncidentTable).focus()

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.query_one("#filter", Input).has_class("-shown")
        return True

    # events ------------------------------------------------------------------------------
    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(IncidentTable).focus()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.open_incident(event.row_key.value)  # type: ignore[attr-defined]
