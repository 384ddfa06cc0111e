"""The quick entry: one line of the grammar, a preview of what it will become, and an
inline error that keeps the text. It only posts what the user asked for; the screen
parses with the core and commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input

from cockpit.text import split_lines, visible
from widgets.plain_input import PlainInput


def is_late(event: Input.Changed) -> bool:
    """Has the box changed again since this message was posted? Each key typed posts one,
    and it reaches the quick entry and the screen through several message queues: with a
    burst of keys and Enter, those of the keys can come after Enter took the line out of
    the box, after the line was logged and said so, or after a line that could not be
    logged was put back with the reason. Acting on them would put back the preview of a
    line no longer in the box (and then nothing) in place of "✓ logged: …" or of the
    reason. Only a message whose value the box holds now is acted on: the box's last
    change posted one, so what the box holds is always what is shown."""
    return event.value != event.input.value


class EntryInput(PlainInput):
    """The one-line input, with history on Up/Down and a paste that keeps every line."""

    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False, id="entry-history-back"),
        Binding("down", "history(1)", "Next", show=False, id="entry-history-forward"),
        Binding("tab", "complete", "Complete", show=False, id="entry-complete"),
    ]

    # Input sets its virtual width to the text's width on every keystroke, and Widget's
    # virtual_size asks for a layout of the whole screen when it changes: every widget on
    # the incident screen was repainted per key. The input's height is fixed and it
    # scrolls itself, so a repaint of the input alone is enough.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True, layout=False)

    class MultiLinePaste(Message):
        """Several lines were pasted; handled by `on_entry_input_multi_line_paste`."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def __init__(self, **kwargs: object) -> None:
        # Keys that prefill a command (r, v, t, k, e) must leave the text to be extended,
        # not selected for replacing.
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._history_index = 0
        # What Tab completes, asked for only when Tab is pressed (set by the screen).
        self.candidates: Callable[[], list[str]] = list
        # Who takes a line on Enter, at once (set by the screen; else Submitted is posted):
        # True if taken, False if refused there and then (the line stays as it is).
        self.submit_line: Callable[[str], bool] | None = None

    async def on_key(self, event: events.Key) -> None:
        # Enter is taken here, in turn with the keys typed around it. As a binding it
        # would run only once the key had bubbled up to the app, after the keys behind it
        # had already been typed into the box: "ab⏎cd" in one burst logged "abcd".
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()

    async def action_submit(self) -> None:
        """Enter: the line leaves the box at once, before anything is logged. A second
        Enter, however soon it comes, finds the box empty and submits nothing; keys typed
        meanwhile start the next line. The line goes to `submit_line` there and then (a
        line it refuses at once stays in the box, untouched), or without one, in a
        Submitted message. A line taken and not logged is put back by whoever took it."""
        line = self.value
        if not line.strip():
            return
        if self.submit_line is None:
            self.value = ""
            self.post_message(self.Submitted(self, line))
        elif self.submit_line(line):
            self.value = ""

    def action_complete(self) -> None:
        """Complete the word before the cursor from `candidates` (commands, roles,
        checklist ids, entry ids, handles): as far as the matches agree."""
        before = self.value[: self.cursor_position]
        start = before.rfind(" ") + 1
        word = before[start:]
        if not word:
            return
        folded = word.lower()
        matches = sorted({c for c in self.candidates() if c.lower().startswith(folded)})
        if not matches:
            self.app.bell()
            return
        common = _common_prefix([m.lower() for m in matches])
        completion = matches[0][: len(common)] if len(matches) > 1 else matches[0] + " "
        if len(completion) <= len(word) and len(matches) > 1:
            self.app.notify(visible("  ".join(matches[:12])), title="Tab", timeout=4, markup=False)
            return
        self.value = self.value[:start] + completion + self.value[self.cursor_position :]
        self.cursor_position = start + len(completion)

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._history_index = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_index = max(0, min(len(self.history), self._history_index + step))
        line = self.history[self._history_index] if self._history_index < len(self.history) else ""
        self.value = line
        self.cursor_position = len(line)

    def _on_paste(self, event: events.Paste) -> None:
        # Textual runs Input's own paste handler after this one unless told not to; a
        # paste of one line is left to it.
        # Lines end at a newline or a carriage return only, as `cockpit log -` reads them:
        # str.splitlines would also split at U+2028, NEL and the file separators.
        lines = [line for line in split_lines(event.text) if line.strip()]
        if len(lines) > 1:
            event.prevent_default()
            event.stop()
            self.post_message(self.MultiLinePaste(lines))


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _side_text(text: str) -> Text:
    """The right end of the feedback line: how the lines submitted stand."""
    return Text(visible(text), style="bold", no_wrap=True, end="")


class Feedback(Widget):
    """One line under the input: the preview, or the error, and at its right end how the
    lines already submitted stand while they save. Redrawing it never changes the layout,
    so typing repaints this line and the input, not the whole screen."""

    DEFAULT_CSS = """
    Feedback { height: 1; padding: 0 1; color: $text-muted; }
    Feedback.-error { color: $error; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text = Text()
        self._side = Text()

    def show(self, text: str, *, error: bool = False, side: str | None = None) -> None:
        self._text = Text(("✗ " if error else "") + visible(text), no_wrap=True, end="")
        if side is not None:
            self._side = _side_text(side)
        if self.has_class("-error") != error:
            self.set_class(error, "-error")
        self.refresh()

    def show_side(self, text: str) -> None:
        """What stands at the right end (the saving lines), leaving the rest as it is."""
        side = _side_text(text)
        if side.plain != self._side.plain:
            self._side = side
            self.refresh()

    @property
    def plain(self) -> str:
        """The line as it reads (the right end after two spaces)."""
        if not self._side:
            return self._text.plain
        return f"{self._text.plain}  {self._side.plain}"

    def render(self) -> Text:
        if not self._side:
            return self._text
        width = self.content_size.width
        side = self._side
        main = self._text.copy()
        room = max(0, width - side.cell_len - 2)
        if main.cell_len > room:
            main.truncate(room, overflow="ellipsis")
        gap = max(2, width - main.cell_len - side.cell_len)
        return Text.assemble(main, " " * gap, side, no_wrap=True, end="")


class QuickEntry(Vertical):
    """Input + preview/error line."""

    DEFAULT_CSS = """
    QuickEntry { height: auto; }
    QuickEntry.-error > EntryInput { border: tall $error; }
    """

    def compose(self) -> ComposeResult:
        yield EntryInput(
            placeholder="note · ! decision · ? hypothesis · > action · todo: · /command"
            " · @15:23 backdates",
            id="entry-input",
        )
        yield Feedback(id="entry-feedback")

    _logged = ""  # what was last logged, shown under the empty input until the next line
    _saving = ""  # the lines submitted and still waiting for the database

    @property
    def input(self) -> EntryInput:
        return self.query_one(EntryInput)

    @property
    def preview(self) -> str:
        """The line under the input as it reads now."""
        return self.query_one(Feedback).plain

    def _status(self) -> str:
        """How the lines submitted stand: the last one logged, and those still saving."""
        return " · ".join(part for part in (self._logged, self._saving) if part)

    def show_preview(self, text: str) -> None:
        """The preview of the line being typed; for an empty line, how the lines
        submitted stand ("✓ logged: …", "saving… …")."""
        if text:
            self._logged = ""
        if self.has_class("-error"):
            self.remove_class("-error")
        self.query_one(Feedback).show(text or self._status(), side=self._saving if text else "")

    def show_logged(self, text: str) -> None:
        """Confirm a commit: shown under the empty input until the next line is typed."""
        self._logged = f"✓ logged: {text}"
        if not self.input.value and not self.has_class("-error"):
            self.show_preview("")

    def show_saving(self, text: str) -> None:
        """Lines waiting for the database ("saving… decision at 15:06"), or "" when none:
        under the empty input, else at the right end of the line."""
        self._saving = text
        if not self.input.value and not self.has_class("-error"):
            self.show_preview("")
        else:
            self.query_one(Feedback).show_side(text)

    def show_error(self, message: str) -> None:
        self._logged = ""
        if not self.has_class("-error"):
            self.add_class("-error")
        self.query_one(Feedback).show(message, error=True, side=self._saving)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if is_late(event):
            return
        if not event.value.strip():
            self.show_preview("")
