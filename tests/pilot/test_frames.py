"""PromptFrames: a screen's changes are drawn once it is idle, not at Textual's next tick,
and never more often than Textual's frame rate."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.screen import UPDATE_PERIOD
from textual.widgets import Static

from widgets.frames import PromptFrames


class FramesScreen(PromptFrames[None]):
    def compose(self) -> ComposeResult:
        yield Static("before", id="text")


class FramesApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(FramesScreen())

    def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        self.frames.append(str(self.screen.query_one("#text", Static).content))
        super()._display(screen, renderable)


async def test_a_change_is_drawn_as_soon_as_the_screen_is_idle() -> None:
    app = FramesApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FramesScreen)
        text = screen.query_one("#text", Static)
        screen._last_frame = 0.0  # the last frame was long ago
        text.update("after")
        screen._dirty_widgets.add(text)
        await screen._on_idle(events.Idle())
        assert not screen._dirty_widgets  # drawn now, not left to the frame timer
        assert app.frames[-1] == "after"


async def test_within_a_frame_period_the_frame_waits_for_its_end() -> None:
    app = FramesApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FramesScreen)
        text = screen.query_one("#text", Static)
        screen._last_frame = 0.0
        text.update("one")
        screen._dirty_widgets.add(text)
        await screen._on_idle(events.Idle())
        assert app.frames[-1] == "one"
        frames = len(app.frames)

        text.update("two")
        screen._dirty_widgets.add(text)
        await screen._on_idle(events.Idle())
        # Just drawn: this one waits until a frame period has passed.
        assert screen._dirty_widgets
        assert len(app.frames) == frames
        await pilot.pause(UPDATE_PERIOD * 3)
        assert app.frames[-1] == "two"
        assert not screen._dirty_widgets


class PlainApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(FramesScreen())


async def test_no_frame_while_updates_are_batched_or_another_screen_is_on_top() -> None:
    from textual.screen import ModalScreen

    app = PlainApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FramesScreen)
        drawn: list[int] = []
        screen._on_timer_update = lambda: drawn.append(1)  # type: ignore[method-assign]
        text = screen.query_one("#text", Static)
        screen._last_frame = 0.0
        with app.batch_update():
            text.update("batched")
            screen._dirty_widgets.add(text)
            screen._draw_if_pending()
        assert drawn == []
        app.push_screen(ModalScreen())
        await pilot.pause()
        screen._dirty_widgets.add(text)
        screen._draw_if_pending()
        assert drawn == []
        # ... and the same call draws once the screen is on top and nothing is batched.
        app.pop_screen()
        await pilot.pause()
        drawn.clear()
        screen._dirty_widgets.add(text)
        screen._draw_if_pending()
        assert drawn == [1]
