"""Draw a screen's frame as soon as its work is done, not at the next tick of Textual's
frame timer.

Textual draws a screen from a 60 fps interval timer that it pauses between frames. Its
ticks stay on a grid started at the first frame, and after a frame the timer sleeps until
the grid point after next: a change made up to 33 ms after any frame (a cursor blink, the
1 s countdown redraw, the previous keystroke's echo) waits for that grid point before it
is drawn. At 50,000 timeline items that wait was most of the slowest Enters (p99 35-40 ms
for 8-15 ms of work).

`PromptFrames` draws the frame when the screen's message queue runs dry, if the last
frame is at least a frame period old, and otherwise as that period ends: frames still come
no faster than Textual allows, and no later than they need to. It uses
private parts of `Screen` (the same flags and method that Textual's own idle handler and
timer use); if a Textual release renames them, it quietly does nothing and Textual's own
timing applies.
"""

from __future__ import annotations

from time import perf_counter
from typing import TypeVar

from textual import events
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import Timer

ResultT = TypeVar("ResultT")

# The method Textual's frame timer calls; without it, leave the timing to Textual.
_TEXTUAL_DRAWS_FROM_A_TIMER = callable(getattr(Screen, "_on_timer_update", None))


class PromptFrames(Screen[ResultT]):
    """A Screen that draws its pending updates once idle, at most once a frame period."""

    _last_frame: float = 0.0
    _frame_timer: Timer | None = None

    def _frame_pending(self) -> bool:
        """Something to draw (the checks Textual's own idle handler makes)."""
        if not _TEXTUAL_DRAWS_FROM_A_TIMER:
            return False
        try:
            return bool(
                self._layout_required
                or self._scroll_required
                or self._repaint_required
                or self._recompose_required
                or self._dirty_widgets
            )
        except AttributeError:  # Textual's internals changed: keep its own timing
            return False

    def _draw_if_pending(self) -> None:
        self._frame_timer = None
        if (
            self._frame_pending()
            and not getattr(self.app, "_batch_count", 1)
            and self.app.screen is self
        ):
            self._on_timer_update()

    async def _on_idle(self, event: events.Idle) -> None:
        # Runs before Screen._on_idle, which then finds nothing pending (or resumes
        # Textual's timer as usual).
        if not self._frame_pending():
            return
        wait = self._last_frame + UPDATE_PERIOD - perf_counter()
        if wait <= 0:
            self._draw_if_pending()
        elif self._frame_timer is None:
            # Within a frame period of the last frame: draw at its end rather than at
            # Textual's next grid point (which may be a whole period later).
            self._frame_timer = self.set_timer(wait, self._draw_if_pending, name="prompt-frame")

    def _on_timer_update(self) -> None:
        # Textual's timer may also tick with nothing left to draw: that is not a frame.
        if self._frame_pending():
            self._last_frame = perf_counter()
        super()._on_timer_update()
