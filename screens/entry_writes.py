"""The incident screen's lines, committed off the event loop one after another.

Enter takes the line out of the quick entry at once and hands it here
(`EntryInput.submit_line`), in turn with the keys around it: a second Enter finds the box
empty and submits nothing, and the commander can type the next line while this one
saves. Submitted lines (and the lines the timeline's keys make: star, retract, mute; and
a multi-line paste) wait in a queue shown on the line under the box ("saving… decision
at 15:06"). Each is parsed when its turn comes, against the incident as it stands once
the line before it committed (so `? x` then `/confirm last` works), with the moment Enter
was pressed as its "now"; then `Cockpit.writer` commits it in its own thread. A line is
shown as logged ("✓ logged: …", its timeline row) only once committed. While a commit is
a few ms away, repaints wait for it (up to HOLD_S): Enter is one frame, with the line
gone from the box and in the timeline, and "saving…" shows only when it takes longer.

A line that cannot be logged is never lost: it goes back into the box if the box is
empty, else into the history (Up recalls it), and the error says which. A store error
(the database stayed busy, the disk is full ...) gives back every line still waiting, in
order: they would meet the same fate, and may depend on the one that failed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cockpit.entry import EntryError
from cockpit.service import LineError
from cockpit.text import visible
from screens.saving import write_failed
from widgets.quick_entry import QuickEntry

if TYPE_CHECKING:
    from cockpit.events import Event
    from screens.incident import IncidentScreen

LABEL_MAX = 60
# A commit that lands within this is drawn in the same frame as the line leaving the box
# (no "saving…" flash, one frame for Enter); a slower one shows "saving…" after it.
HOLD_S = 0.05


@dataclass(eq=False)
class Waiting:
    """A line submitted and not yet committed."""

    line: str  # as typed, or as a key made it
    at: datetime  # when it was submitted: the line's "now"
    typed: bool = True  # typed in the box (else made by a key, or pasted)
    pasted: list[str] | None = None  # a multi-line paste, logged all or nothing
    events: list[Event] | None = None  # once parsed, when its turn came
    label: str = ""  # what it becomes, as the preview said: "decision at 15:06"

    def shown(self) -> str:
        if self.label:
            return self.label
        return self.line if len(self.line) <= LABEL_MAX else self.line[: LABEL_MAX - 1] + "…"


def reason(exc: Exception) -> str:
    """An error as the entry shows it: the grammar's own words, else why nothing was logged."""
    return str(exc) if isinstance(exc, EntryError) else f"not logged: {exc}"


class EntryWrites:
    """The queue of one incident screen's lines, and what the entry says about them."""

    def __init__(self, screen: IncidentScreen) -> None:
        self.screen = screen
        self.queue: deque[Waiting] = deque()
        self.committing = False
        self.leave_when_saved = False
        # A line put back into the box: while the box holds it, its Changed messages (its
        # own, and a late one of the keys that typed it) must not replace the error that
        # says why with a preview.
        self.restored: str | None = None

    @property
    def entry(self) -> QuickEntry:
        return self.screen.query_one(QuickEntry)

    @property
    def saving(self) -> bool:
        return bool(self.queue)

    def unsaved(self) -> list[str]:
        lines: list[str] = []
        for waiting in self.queue:
            lines.extend(waiting.pasted or [waiting.line])
        return lines

    # submitting ------------------------------------------------------------------------
    def typed(self, line: str) -> bool:
        """A line Enter is taking out of the box: False if it is refused at once (it stays
        in the box, with the reason under it)."""
        waiting = Waiting(line, self.screen.cockpit.now())
        if not self.queue:
            # Its turn is now: a line that cannot be parsed stays where it is.
            try:
                self._parse(waiting)
            except Exception as exc:
                self.entry.show_error(reason(exc))
                return False
        self.entry.input.remember(line)
        self._add(waiting)
        return True

    def keyed(self, line: str) -> None:
        """A line made by a key (star, retract, mute); its errors are notifications."""
        self._add(Waiting(line, self.screen.cockpit.now(), typed=False))

    def paste(self, lines: list[str]) -> None:
        """Several pasted lines, logged all or nothing (`Cockpit.log_many`)."""
        label = f"{len(lines)} pasted lines"
        self._add(Waiting(label, self.screen.cockpit.now(), False, list(lines), label=label))

    def _add(self, waiting: Waiting) -> None:
        self.queue.append(waiting)
        self._pump()

    # committing ------------------------------------------------------------------------
    def _parse(self, waiting: Waiting) -> None:
        screen = self.screen
        cockpit = screen.cockpit
        drafts = cockpit.drafts(screen.incident, waiting.line, now=waiting.at)
        waiting.events = cockpit.events_for(screen.incident_id, drafts)
        waiting.label = " · ".join(d.describe(waiting.at, cockpit.tz) for d in drafts)

    def _pump(self) -> None:
        """Start committing the first line waiting, unless one is being committed."""
        while self.queue and not self.committing:
            head = self.queue[0]
            if head.pasted is None and head.events is None:
                try:
                    self._parse(head)
                except Exception as exc:
                    self.queue.popleft()
                    self._failed(head, reason(exc))
                    continue
            self.committing = True
            # Hold the app's repaints while the commit is (normally) a few ms away.
            hold = ExitStack()
            hold.enter_context(self.screen.app.batch_update())
            self.screen.run_worker(self._commit(head, hold), group="entry-writes")
        self._show_saving()
        if not self.queue and self.leave_when_saved:
            self.leave_when_saved = False
            if self.screen.app.screen is self.screen:
                self.screen.app.pop_screen()

    async def _commit(self, head: Waiting, hold: ExitStack) -> None:
        writer = self.screen.cockpit.writer
        if head.pasted is not None:
            incident_id = self.screen.incident_id
            numbered = list(enumerate(head.pasted, 1))
            future = writer.submit(lambda cockpit: cockpit.log_many(incident_id, numbered))
        else:
            assert head.events is not None
            future = writer.append(head.events)
        committed = asyncio.wrap_future(future)
        try:
            done, _ = await asyncio.wait([committed], timeout=HOLD_S)
            if not done:
                hold.close()  # a slow one: draw the line gone from the box, "saving…"
            try:
                events = await committed
            except LineError as exc:  # a pasted line that cannot be logged: none of them was
                self.committing = False
                self.queue.popleft()
                self._failed(head, f"nothing logged: {exc}")
            except Exception as exc:  # the store's errors: this line and all after it go back
                self.committing = False
                given_back = list(self.queue)
                self.queue.clear()
                self._store_failed(given_back, exc)
            else:
                self.committing = False
                self.queue.popleft()
                self.screen.show_new(events)
                self.entry.show_logged(head.shown())
        finally:
            hold.close()  # the frame shows the entry logged (or why not)
        self._pump()

    # telling ---------------------------------------------------------------------------
    def _show_saving(self) -> None:
        if not self.queue:
            self.entry.show_saving("")
            return
        more = len(self.queue) - 1
        text = f"saving… {self.queue[0].shown()}" + (f" (+{more} waiting)" if more else "")
        self.entry.show_saving(text)

    def _failed(self, waiting: Waiting, message: str) -> None:
        write_failed(self.screen.app)
        self.leave_when_saved = False
        if waiting.typed:
            self._give_back(waiting, message)
        elif waiting.pasted is not None:
            self._say(message, under_box=True)
        else:
            self._say(f"{waiting.line}: {message}")

    def _store_failed(self, given_back: list[Waiting], exc: Exception) -> None:
        write_failed(self.screen.app)
        self.leave_when_saved = False
        message = reason(exc)
        typed = [w for w in given_back if w.typed]
        for waiting in given_back:
            if not waiting.typed:
                self._say(f"{waiting.line}: {message}", under_box=waiting.pasted is not None)
        if not typed:
            return
        self._give_back(typed[0], message)
        for waiting in typed[1:]:
            self.entry.input.remember(waiting.line)
        if len(typed) > 1:
            self.screen.notify(
                f"{len(typed)} lines were not logged ({visible(message)}); Up recalls them",
                severity="error",
                timeout=20,
                markup=False,
            )

    def _give_back(self, waiting: Waiting, message: str) -> None:
        """Put a line that was not logged back into the box, or, if the commander has
        typed on, into the history."""
        box = self.entry.input
        if not box.value:
            self.restored = waiting.line
            box.value = waiting.line
            box.cursor_position = len(waiting.line)
            self.entry.show_error(message)
            return
        box.remember(waiting.line)
        self._say(f"{message} · {waiting.shown()} · Up recalls it", under_box=True)

    def _say(self, message: str, *, under_box: bool = False) -> None:
        """An error about a line that is not in the box. `under_box`: on the line under
        it too (where the commander looks after Enter); the next key typed replaces that
        line, so a notification says it as well unless the box is empty."""
        if under_box:
            self.entry.show_error(message)
            if not self.entry.input.value:
                return
        self.screen.notify(visible(message), severity="error", timeout=20, markup=False)
