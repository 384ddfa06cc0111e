"""The board: every open incident (the first screen). Thin for now; issue 4 grows it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from cockpit.incident import Incident
from cockpit.service import Cockpit
from widgets.incident_table import IncidentTable

EMPTY = 'No open incidents. Declare one from a shell:  cockpit declare "what is wrong"'


class BoardScreen(Screen[None]):
    BINDINGS: ClassVar = [Binding("q", "app.quit", "Quit", id="quit")]

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__()
        self.cockpit = cockpit
        self._version = -1
        self._seq = -1
        self._incidents: list[Incident] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(EMPTY, id="empty")
        yield IncidentTable(id="incidents")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_board()
        self.set_interval(1.0, self.refresh_board)

    def incidents(self) -> list[Incident]:
        """Open incidents, folded again only when the database has changed."""
        store = self.cockpit.store
        version, seq = store.data_version(), store.newest_seq()
        if (version, seq) != (self._version, self._seq):
            self._version, self._seq = version, seq
            rows = store.incidents()
            self._incidents = [self.cockpit.incident(row.id) for row in rows]
        return self._incidents

    def refresh_board(self) -> None:
        incidents = self.incidents()
        table = self.query_one(IncidentTable)
        table.show(incidents, self.cockpit.now())
        self.query_one("#empty", Static).display = not incidents
        table.display = bool(incidents)
