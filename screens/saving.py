"""Writes in flight, and quitting around them.

Every write the screens make is committed by `Cockpit.writer` (cockpit/writer.py), off the
event loop, so keys, the clock and the countdowns stay alive while another process holds
the database's lock. What is still saving must never be lost silently: a screen with
writes in flight lists them in an `unsaved()` method, and quitting (ctrl+q, q, the
palette) waits for them and then quits. Asked again while it waits, it quits at once and
prints what was not confirmed as logged. A write that fails while a quit waits for it
stops the quit: the commander has to see what was not logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakKeyDictionary

from rich.text import Text
from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from cockpit.text import visible

if TYPE_CHECKING:
    from cockpit.events import Event
    from cockpit.service import Cockpit, Watch

POLL_S = 0.1
ResultT = TypeVar("ResultT")

_quitting: WeakKeyDictionary[App[Any], Timer] = WeakKeyDictionary()


def unsaved(app: App[Any]) -> list[str]:
    """What the app's screens have submitted and not yet seen committed."""
    found: list[str] = []
    for screen in app.screen_stack:
        report = getattr(screen, "unsaved", None)
        if callable(report):
            found.extend(report())
    return found


def request_quit(app: App[Any]) -> None:
    """Quit now if nothing is saving; else once it is all logged; asked twice, now."""
    left = unsaved(app)
    if not left:
        app.exit()
        return
    if app in _quitting:
        _quitting.pop(app).stop()
        app.exit(return_code=2, message=not_confirmed(left))
        return
    _quitting[app] = app.set_interval(POLL_S, lambda: _quit_if_saved(app), name="quit-when-saved")
    count = f"{len(left)} entr{'y is' if len(left) == 1 else 'ies are'}"
    app.notify(
        f"{count} still saving (the database is busy): quitting once logged. "
        "Quit again to quit now without them.",
        title="Saving",
        timeout=30,
        markup=False,
    )


def _quit_if_saved(app: App[Any]) -> None:
    if not unsaved(app):
        timer = _quitting.pop(app, None)
        if timer is not None:
            timer.stop()
        app.exit()


def write_failed(app: App[Any]) -> None:
    """A write was not logged: a quit that waited for it waits no more."""
    timer = _quitting.pop(app, None)
    if timer is not None:
        timer.stop()
        app.notify(
            "Not quitting: an entry was not logged (see why, and log it again or quit again)",
            severity="warning",
            timeout=15,
            markup=False,
        )


def not_confirmed(lines: list[str]) -> Text:
    """What a quit while saving prints: every line not confirmed as logged."""
    text = Text("cockpit: quit while saving; not confirmed as logged (check the timeline):")
    for line in lines:
        text.append("\n  " + visible(line))
    return text


class SavingForm(ModalScreen[ResultT]):
    """A form whose one write (a declaration, an amendment, an update) is committed by the
    cockpit's writer, after everything submitted before it. While it waits, `saving` says
    what for: the form refuses a second submit (`saving is not None`), stays open
    (`still_saving`), and a quit waits for it (`unsaved`)."""

    cockpit: Cockpit
    saving: str | None = None  # what waits for the database, as a quit would list it

    def unsaved(self) -> list[str]:
        return [] if self.saving is None else [self.saving]

    def still_saving(self, what: str, form: str = "form") -> bool:
        """Asked to close while saving: say it closes once `what` is logged, and stay."""
        if self.saving is None:
            return False
        self.notify(f"Saving the {what}: the {form} closes once it is logged", markup=False)
        return True

    def save(
        self,
        events: list[Event],
        what: str,
        *,
        done: Callable[[], object],
        failed: Callable[[Exception], object],
    ) -> None:
        """Commit `events` off the event loop; then `done()`, or `failed(the store's error)`
        (a quit that waited for it stops waiting: the commander must see why)."""
        self.saving = what
        self.run_worker(self._save(events, done, failed), group="form-save")

    async def _save(
        self,
        events: list[Event],
        done: Callable[[], object],
        failed: Callable[[Exception], object],
    ) -> None:
        try:
            await asyncio.wrap_future(self.cockpit.writer.append(events))
        except Exception as exc:  # the store's errors: nothing was saved
            self.saving = None
            write_failed(self.app)
            failed(exc)
            return
        self.saving = None
        done()


def tell_trouble(screen: Screen[Any], watch: Watch) -> None:
    """Say once, when the screen's look at the database first fails, that it shows what
    it last read (another process holds the file locked, or a page is damaged)."""
    news = watch.news()
    if news is not None:
        screen.notify(
            visible(news) + "; showing what was last read, and trying again every second",
            title="Cannot read the database",
            severity="warning",
            timeout=15,
            markup=False,
        )
