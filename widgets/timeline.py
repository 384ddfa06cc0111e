"""The incident timeline: one line per item, rendered lazily for tens of thousands of items.

A `ScrollView` with `render_line` (the line API) and an LRU cache of rendered `Strip`s, as
Toolong's LogLines does: `set_items` only stores the list, so 50,000 items cost no more
to show than 50. A second cache keeps the lines as drawn on screen (border and colours
included), so a new entry, which moves every line up one row, costs one new line. User
text (entries, authors) is content, never markup: it goes through `cockpit.text.visible`
and into a Rich `Text` as plain strings.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from typing import ClassVar, NamedTuple, cast

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit.incident import TimelineItem
from cockpit.records import short_id
from cockpit.text import visible

EMPTY_HINT = "No entries yet: type below and press Enter"
KIND_WIDTH = 11  # the longest word: "hypothesis?"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# kind -> (symbol, word, component class). Symbols are one cell wide in every terminal
# (no emoji-presentation characters), and a word always goes with them: colour is never
# the only signal.
_KINDS: dict[str, tuple[str, str, str]] = {
    "entry.note": ("•", "note", "timeline--note"),
    "entry.decision": ("◆", "decision", "timeline--decision"),
    "entry.action": ("»", "action", "timeline--action"),
    "entry.todo": ("☐", "follow-up", "timeline--follow-up"),
    "severity.set": ("▲", "severity", "timeline--severity"),
    "status.set": ("●", "status", "timeline--status"),
    "milestone.set": ("⚑", "milestone", "timeline--milestone"),
    "incident.declared": ("◉", "declared", "timeline--declared"),
    "context.set": ("≡", "context", "timeline--context"),
    "title.set": ("≡", "title", "timeline--context"),
    "summary.set": ("≡", "summary", "timeline--context"),
    "impact.set": ("≡", "impact", "timeline--context"),
}
_HYPOTHESES: dict[str, tuple[str, str, str]] = {
    "open": ("?", "hypothesis?", "timeline--hypothesis"),
    "confirmed": ("✓", "confirmed", "timeline--confirmed"),
    "ruled_out": ("✗", "ruled out", "timeline--ruled-out"),
}
_PREFIXES: dict[str, tuple[str, str, str]] = {
    "update.": ("⇡", "update", "timeline--update"),
    "role.": ("@", "role", "timeline--role"),
    "checklist.": ("▣", "checklist", "timeline--checklist"),
    "timer.": ("◷", "timer", "timeline--timer"),
    "escalation.": ("⇪", "escalation", "timeline--severity"),
    "reminders.": ("◌", "reminders", "timeline--other"),
}


def kind_marker(item: TimelineItem) -> tuple[str, str, str]:
    """(symbol, word, component class) for an item's kind; hypotheses show their state."""
    kind = item.kind
    if kind == "entry.hypothesis":
        return _HYPOTHESES.get(item.state or "open", _HYPOTHESES["open"])
    found = _KINDS.get(kind)
    if found is not None:
        return found
    prefix = kind.split(".", 1)[0] + "."
    found = _PREFIXES.get(prefix)
    if found is not None:
        return found
    return ("·", visible(kind)[:KIND_WIDTH], "timeline--other")


class _LineContext(NamedTuple):
    """What every line of one render pass shares."""

    width: int
    scroll_y: int
    cursor: int
    focus: bool
    utc: bool


class Timeline(ScrollView, can_focus=True):
    """An incident's timeline: set `set_items(items, tz)`; the cursor selects an item.

    While the cursor is on the newest item (or nothing is selected) the timeline follows
    new items; once the user moves up, new items leave the cursor and the view alone.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous", show=False, id="timeline.up"),
        Binding("down", "cursor_down", "Next", show=False, id="timeline.down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="timeline.pageup"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="timeline.pagedown"),
        Binding("home", "cursor_first", "First", show=False, id="timeline.home"),
        Binding("end", "cursor_last", "Newest", show=False, id="timeline.end"),
    ]

    # Widget.virtual_size asks for a layout of the whole screen when it changes, so each
    # new item repainted every widget (~40 ms at 160x48). The timeline's own size does not
    # change with its items: `set_items` updates the scrollbars itself, and showing or
    # hiding a scrollbar still asks for a layout (Textual does that).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True, layout=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--time",
        "timeline--id",
        "timeline--author",
        "timeline--star",
        "timeline--mark",
        "timeline--hint",
        "timeline--selected",
        "timeline--retracted",
        "timeline--note",
        "timeline--decision",
        "timeline--hypothesis",
        "timeline--confirmed",
        "timeline--ruled-out",
        "timeline--action",
        "timeline--follow-up",
        "timeline--update",
        "timeline--role",
        "timeline--severity",
        "timeline--status",
        "timeline--checklist",
        "timeline--milestone",
        "timeline--timer",
        "timeline--context",
        "timeline--declared",
        "timeline--other",
    }

    DEFAULT_CSS = """
    Timeline {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 0;
        & > .timeline--time { color: $text-muted; }
        & > .timeline--id { color: $text-muted; }
        & > .timeline--author { color: $text-secondary; }
        & > .timeline--star { color: $text-warning; }
        & > .timeline--mark { color: $text-muted; text-style: italic; }
        & > .timeline--hint { color: $text-muted; text-style: italic; }
        & > .timeline--decision { color: $text-accent; text-style: bold; }
        & > .timeline--hypothesis { color: $text-warning; }
        & > .timeline--confirmed { color: $text-success; }
        & > .timeline--ruled-out { color: $text-muted; }
        & > .timeline--action { color: $text-primary; }
        & > .timeline--follow-up { color: $text-secondary; }
        & > .timeline--update { color: $text-success; }
        & > .timeline--severity { color: $text-error; }
        & > .timeline--milestone { color: $text-success; text-style: bold; }
        & > .timeline--declared { color: $text-error; text-style: bold; }
        & > .timeline--role, & > .timeline--status, & > .timeline--checklist,
        & > .timeline--timer, & > .timeline--context, & > .timeline--other {
            color: $text-muted;
        }
        & > .timeline--retracted { color: $text-disabled; text-style: strike; }
        & > .timeline--selected {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .timeline--selected {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor: reactive[int] = reactive(-1, init=False)
    """Index of the selected item in the items; -1 when there are none."""

    utc: reactive[bool] = reactive(False, init=False)
    """Show times in UTC (with a trailing Z) instead of the incident's time zone."""

    @dataclass
    class Selected(Message):
        """The cursor moved to another item (posted once per newly selected item)."""

        timeline: Timeline
        item: TimelineItem

        @property
        def control(self) -> Timeline:
            return self.timeline

        def can_replace(self, message: Message) -> bool:
            # Holding a key down: only the latest selection matters.
            return isinstance(message, Timeline.Selected) and message.timeline is self.timeline

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._items: list[TimelineItem] = []
        self._tz: tzinfo = UTC
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        # The same lines as drawn on screen: with the border and the app's colour filter.
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._posted_id: str | None = None
        self._position = ""
        self._pass: _LineContext | None = None
        # Dates are shown when the items span more than one day (see `_time_text`).
        self._newest_day: date | None = None
        self._spans_days = False

    # -- data ---------------------------------------------------------------------------

    @property
    def items(self) -> list[TimelineItem]:
        """The items shown (the list given to `set_items`; do not change it in place)."""
        return self._items

    @property
    def selected(self) -> TimelineItem | None:
        """The item under the cursor, if any."""
        if 0 <= self.cursor < len(self._items):
            return self._items[self.cursor]
        return None

    @property
    def on_newest(self) -> bool:
        """True when the cursor is on the newest item, or nothing is selected."""
        return self.cursor < 0 or self.cursor >= len(self._items) - 1

    @property
    def following(self) -> bool:
        """True when new items will move the cursor to the newest one and scroll to it:
        the cursor is on the newest item and the view has not been scrolled up (with the
        mouse wheel) away from the end."""
        return self.on_newest and (not self.size or self.scroll_offset.y >= self.max_scroll_y)

    def set_items(self, items: list[TimelineItem], tz: tzinfo) -> None:
        """Show `items` (sorted by occurred time) with times in `tz`.

        O(1) in the number of items (a binary search when the user has scrolled up); the
        list is kept, not copied.
        """
        old_items, old_cursor = self._items, self.cursor
        following = self.following
        anchor = old_items[old_cursor] if 0 <= old_cursor < len(old_items) else None
        old_scroll = self.scroll_offset.y

        self._items = items
        self._tz = tz
        self._update_days()
        if self.virtual_size.height != len(items):
            self.virtual_size = Size(0, len(items))
            self._scroll_update(self.virtual_size)

        if not items:
            new_cursor = -1
        elif following or anchor is None:
            new_cursor = len(items) - 1
        else:
            new_cursor = self._index_of(anchor, old_cursor)
        self.set_reactive(Timeline.cursor, new_cursor)
        self.refresh()
        if following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif new_cursor != old_cursor:
            # Items were inserted or removed above the selection: keep it where it was.
            self.scroll_to(
                y=max(0, old_scroll + new_cursor - old_cursor), animate=False, force=True
            )
        self._post_selected()

    def _index_of(self, anchor: TimelineItem, old_cursor: int) -> int:
        """Where the anchor item is now (by id), or the nearest index if it is gone."""
        items = self._items
        key = anchor.sort_key()
        index = bisect_left(items, key, key=TimelineItem.sort_key)
        if index < len(items) and items[index].id == anchor.id:
            return index
        # Its occurred time changed (amended), or it was hidden (retracted).
        for index, item in enumerate(items):
            if item.id == anchor.id:
                return index
        return min(max(old_cursor, 0), len(items) - 1)

    def _update_days(self) -> None:
        items = self._items
        if not items:
            self._newest_day, self._spans_days = None, False
            return
        zone = UTC if self.utc else self._tz
        newest = items[-1].occurred_at.astimezone(zone).date()
        oldest = items[0].occurred_at.astimezone(zone).date()
        self._newest_day, self._spans_days = newest, newest != oldest

    # -- cursor -------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        if not self._items:
            return -1
        return min(max(value, 0), len(self._items) - 1)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_cursor()
        self._post_selected()

    def watch_utc(self) -> None:
        self._update_days()
        self.refresh()

    def scroll_to_cursor(self) -> None:
        """Scroll (without animation) just enough to show the selected line."""
        cursor = self.cursor
        height = self.scrollable_content_region.height
        if cursor < 0 or height <= 0:
            return
        top = self.scroll_offset.y
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, force=True)
        elif cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False, force=True)

    def _show_position(self) -> None:
        """Where the cursor is, in the border: `1,234 of 50,000` (instead of a scroll bar,
        which at 50k items is a one-cell thumb that costs a repaint of its whole column
        with every new entry)."""
        items, cursor = self._items, self.cursor
        position = f"{cursor + 1:,} of {len(items):,}" if items and cursor >= 0 else ""
        if position and not self.on_newest:
            position += " · End: newest"
        if position != self._position:
            self._position = position
            self.border_subtitle = position

    def _post_selected(self) -> None:
        self._show_position()
        item = self.selected
        if item is not None and item.id != self._posted_id:
            self._posted_id = item.id
            self.post_message(self.Selected(self, item))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_page_up(self) -> None:
        self.cursor -= self._page()

    def action_cursor_page_down(self) -> None:
        self.cursor += self._page()

    def action_cursor_first(self) -> None:
        self.cursor = 0

    def action_cursor_last(self) -> None:
        self.cursor = len(self._items) - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self._items:
            index = self.scroll_offset.y + offset.y
            if index < len(self._items):
                self.cursor = index

    # -- rendering ----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Theme or CSS changed (focus too: the cursor looks different): re-render."""
        super().notify_style_update()
        self._cache.clear()
        self._lines.clear()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView moves its vertical scroll bar's thumb, though this one is zero cells
        # wide (the position is shown in the border instead); a repaint of a widget the
        # compositor does not show makes it rebuild its whole map, ~1 ms per new entry.
        if self.styles.scrollbar_size_vertical:
            super().watch_scroll_y(old_value, new_value)
        elif round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._lines.clear()
        if self.on_newest:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        else:
            self.scroll_to_cursor()

    def _time_text(self, item: TimelineItem) -> str:
        """HH:MM:SS (or HH:MM:SSZ); with the date when not on the newest item's day."""
        when = item.occurred_at
        if self.utc:
            clock = when.strftime("%H:%M:%SZ")
        else:
            when = when.astimezone(self._tz)
            clock = when.strftime("%H:%M:%S")
        if not self._spans_days:
            return clock
        if when.date() == self._newest_day:
            return " " * 7 + clock
        return f"{_MONTHS[when.month - 1]} {when.day:02d} {clock}"

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's lines as the compositor draws them (border, background, the app's
        colour filter), each content line served from `_lines` when its item has not
        changed: after a new entry every line moves up one row, and Textual would pass
        all of them through its styles again (~60 us a line); only the new line is.

        A line is looked up by everything `render_line` shows (see `_item_key`) and the
        colours around it; styles (theme, focus, CSS) and size clear the cache."""
        context = self._pass = self._line_context()
        try:
            width, _ = self.outer_size
            if crop.x != 0 or crop.width != width:
                return super().render_lines(crop)
            top = self.styles.gutter.top
            rows = self.size.height
            base, background = self.background_colors
            filters = tuple((id(f), f.enabled) for f in self.get_line_filters())
            around = (base, background, self.opacity, filters)
            lines = self._lines
            strips: list[Strip | None] = []
            keys: list[tuple[object, ...] | None] = []
            for y in crop.line_range:
                row = y - top
                key: tuple[object, ...] | None = None
                if 0 <= row < rows:
                    item_key = self._item_key(context.scroll_y + row, context)
                    if item_key is not None:
                        key = (item_key, around)
                keys.append(key)
                strips.append(None if key is None else lines.get(key))
            # What is not cached (borders, blank rows, new or changed items), in runs.
            y0 = crop.y
            index = 0
            while index < len(strips):
                if strips[index] is not None:
                    index += 1
                    continue
                end = index
                while end < len(strips) and strips[end] is None:
                    end += 1
                drawn = super().render_lines(Region(0, y0 + index, width, end - index))
                for offset, strip in enumerate(drawn):
                    strips[index + offset] = strip
                    drawn_key = keys[index + offset]
                    if drawn_key is not None:
                        lines[drawn_key] = strip
                index = end
            return cast(list[Strip], strips)
        finally:
            self._pass = None

    def _line_context(self) -> _LineContext:
        return _LineContext(
            self.scrollable_content_region.width,
            self.scroll_offset.y,
            self.cursor,
            self.has_focus,
            self.utc,
        )

    def _item_key(self, index: int, context: _LineContext) -> tuple[object, ...] | None:
        """Everything the line of item `index` shows: the item's own fields, and what its
        time text depends on (UTC or the zone, and the date column). None: no item there."""
        items = self._items
        if index < 0 or index >= len(items):
            return None
        item = items[index]
        selected = index == context.cursor
        return (
            item.id,
            item.occurred_us,
            item.text,
            item.starred,
            item.amended,
            item.retracted,
            item.state,
            item.rec.author,
            context.width,
            selected,
            selected and context.focus,
            context.utc,
            self._tz,
            self._spans_days,
            self._newest_day,
        )

    def render_line(self, y: int) -> Strip:
        context = self._pass or self._line_context()
        width = context.width
        index = context.scroll_y + y
        key = self._item_key(index, context)
        if key is None:
            if not self._items and index == 0:
                hint = Text(EMPTY_HINT, style=self.rich_style, end="")
                hint.stylize(self.get_component_rich_style("timeline--hint", partial=False))
                return Strip(hint.render(self.app.console)).adjust_cell_length(
                    width, self.rich_style
                )
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(key)
        if strip is None:
            item = self._items[index]
            selected = index == context.cursor
            strip = self._render_item(item, self._time_text(item), item.text, selected, width)
            self._cache[key] = strip
        return strip

    def _render_item(
        self, item: TimelineItem, time_text: str, text: str, selected: bool, width: int
    ) -> Strip:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=False)

        base = self.rich_style
        symbol, word, kind_class = kind_marker(item)
        line = Text(style=base, no_wrap=True, overflow="crop", end="")
        line.append(time_text, style("timeline--time"))
        line.append(" ")
        line.append(short_id(item.id), style("timeline--id"))
        line.append(" ")
        line.append(f"{symbol} {word:<{KIND_WIDTH}}", style(kind_class))
        line.append(" ")
        line.append("★" if item.starred else " ", style("timeline--star"))
        line.append(" ")
        line.append(visible(item.rec.author), style("timeline--author"))
        line.append("  ")
        marks_start = len(line)
        if item.retracted:
            line.append("(retracted) ", style("timeline--mark"))
        if item.amended:
            line.append("(amended) ", style("timeline--mark"))
        marks_end = len(line)
        line.append(visible(text))

        pad = base
        if item.retracted:
            line.stylize(style("timeline--retracted"))
            line.stylize(Style(strike=False), marks_start, marks_end)
        if selected:
            selected_style = style("timeline--selected")
            line.stylize(selected_style)
            pad = base + selected_style
        strip = Strip(line.render(self.app.console))
        return strip.adjust_cell_length(width, pad).simplify()
