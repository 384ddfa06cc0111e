"""CockpitApp: the full-screen cockpit. Builds nothing itself: it is handed a Cockpit
(store, clock, policy) by `make_app`, the one factory the CLI and the tests share."""

from __future__ import annotations

import gc
import io
import time
from collections.abc import Iterable
from functools import partial

from rich.console import Console
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import AwaitMount

from cockpit.service import Cockpit


def prepare_writes() -> None:
    from cockpit.events import build_validators

    build_validators()


IDLE_GC_EVERY_S = 2.0
IDLE_GC_QUIET_S = 1.5
NEVER = 1 << 30  # a full-collection threshold never reached

HIGH_CONTRAST = Theme(
    name="cockpit-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFAF00",
    error="#FF5F5F",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1C1C1C",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "border": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "text-muted": "#D0D0D0",
    },
)


def screen_commands(screen: Screen[object]) -> Iterable[SystemCommand]:
    """Every binding of a screen that has an id, as a command palette entry.

    Screens declare their keys once (with an id, a description and a tooltip); the palette
    lists the same actions, so nothing the keyboard can do is missing from it.
    """
    # A screen may run an action for the palette that its keys only allow in one place
    # (the incident screen's letter keys act only with the timeline focused).
    run = getattr(screen, "palette_action", None)
    for binding in getattr(screen, "BINDINGS", []):
        if not isinstance(binding, Binding) or binding.id is None:
            continue
        if run is None and screen.check_action(binding.action, ()) is False:
            continue
        key = binding.key_display or binding.key
        title = binding.tooltip or binding.description
        yield SystemCommand(
            title,
            f"{binding.description} (key: {key})",
            partial(run or screen.run_action, binding.action),
        )


class CockpitApp(App[None]):
    TITLE = "Incident Cockpit"
    crash: BaseException | None = None  # the unhandled exception that stopped the app
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            show=False,
            priority=True,
            id="app.quit",
            tooltip="Quit from anywhere",
        ),
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys and the quick-entry grammar"),
    ]

    async def action_quit(self) -> None:
        """Quit (ctrl+q, q, the palette); with entries still saving, once they are logged,
        or at once if asked again (saying what was not confirmed): see screens/saving.py."""
        from screens.saving import request_quit

        request_quit(self)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def __init__(self, cockpit: Cockpit) -> None:
        super().__init__()
        self.cockpit = cockpit
        self.register_theme(HIGH_CONTRAST)
        self._last_input = time.monotonic()
        self._gc_threshold = gc.get_threshold()

    def on_mount(self) -> None:
        from screens.board import BoardScreen

        self.push_screen(BoardScreen(self.cockpit))
        self._warn_about_zone()
        # Full garbage collections scan every long-lived object: at 50k timeline items
        # one took 10-15 ms and, landing between a key and its frame, made up the slowest
        # Enters. The collector's youngest generations run as usual; the full collection
        # waits for a pause in typing (or for ten times its usual backlog).
        young, middle, _ = self._gc_threshold
        gc.set_threshold(young, middle, NEVER)
        self.set_interval(IDLE_GC_EVERY_S, self._collect_when_idle)
        self.call_after_refresh(self._prepare_writes)
        self.call_after_refresh(self._check_database)

    def _warn_about_zone(self) -> None:
        """A TZ that names no zone is said on the screen too (the CLI says it on stderr)."""
        from cockpit.clock import zone_warning
        from cockpit.text import visible

        warning = zone_warning()
        if warning:
            self.notify(visible(warning), severity="warning", timeout=15, markup=False)

    def _prepare_writes(self) -> None:
        """Reading and drawing need no pydantic, so the first frame does not wait for it;
        writing does. Load it and build the event validators in a thread while the user
        reads the board, so that the first entry logged is as quick as the rest."""
        self.run_worker(prepare_writes, thread=True, group="prepare", exit_on_error=False)

    def _check_database(self) -> None:
        """Every page of the file read once, in a thread after the first frame: damage no
        screen has touched yet is a warning now, not a surprise mid-incident."""
        self.run_worker(self._quick_check, thread=True, group="doctor", exit_on_error=False)

    def _quick_check(self) -> None:
        from cockpit.doctor import quick_check
        from cockpit.text import visible

        path = self.cockpit.store.path
        problem = quick_check(path)
        if problem is not None:
            self.call_from_thread(
                self.notify,
                f"{visible(str(path))}: the database is damaged ({visible(problem)}). Run "
                "`cockpit doctor` in a shell to see what can be saved.",
                title="Database damaged",
                severity="warning",
                timeout=60,
                markup=False,
            )

    def _handle_exception(self, error: Exception) -> None:
        """Textual calls this with an unhandled exception and then stops the app; the one
        private name of Textual's the app overrides (tests/pilot/test_crash.py names it).
        Keep the first exception for the crash report (`cockpit.tui`), and keep Textual's
        traceback off the terminal: the CLI says in one line where the report is."""
        if self.crash is None:
            self.crash = error
            self.error_console = Console(file=io.StringIO(), stderr=False)
        super()._handle_exception(error)

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_threshold)
        self.cockpit.writer.close()  # after the jobs already queued, if any

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_input = time.monotonic()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self._screen_built()
        await super().on_event(event)

    async def _screen_built(self) -> None:
        """A key (or paste) typed while the top screen is being built waits until it is.

        Textual hands each key to the focused widget as soon as the app takes it from its
        queue. A screen just pushed has no widgets until it has been composed and mounted
        (around 100 ms for an incident): a key typed meanwhile went to the bare screen,
        which dropped it. Once mounted, the widget the screen names in AUTO_FOCUS has
        focus (Textual gives it as the screen is composed), and the key goes there; the
        keys behind this one wait in the app's queue, in order."""
        screen = self.screen
        if not screen.is_mounted:
            await AwaitMount(screen, [screen])

    def _collect_when_idle(self) -> None:
        backlog = gc.get_count()[2]  # collections of the middle generation since the last full
        quiet = time.monotonic() - self._last_input >= IDLE_GC_QUIET_S
        usual = self._gc_threshold[2]
        if (quiet and backlog >= usual) or backlog >= 10 * usual:
            gc.collect()

    def open_incident(self, incident_id: str) -> None:
        """Show an incident's screen (the board calls this with the selected incident)."""
        from screens.incident import IncidentScreen

        self.push_screen(IncidentScreen(self.cockpit, incident_id))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from screen_commands(screen)


def make_app(cockpit: Cockpit) -> CockpitApp:
    return CockpitApp(cockpit)
