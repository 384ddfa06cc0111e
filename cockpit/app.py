"""CockpitApp: the full-screen cockpit. Builds nothing itself: it is handed a Cockpit
(store, clock, policy) by `make_app`, the one factory the CLI and the tests share."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from cockpit.service import Cockpit


class CockpitApp(App[None]):
    TITLE = "Incident Cockpit"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit-anywhere"),
    ]

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__()
        self.cockpit = cockpit

    def on_mount(self) -> None:
        from screens.board import BoardScreen

        self.push_screen(BoardScreen(self.cockpit))


def make_app(cockpit: Cockpit) -> CockpitApp:
    return CockpitApp(cockpit)
