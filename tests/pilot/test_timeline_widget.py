"""The Timeline widget: lazy lines, user text shown literally, cursor, follow mode, UTC."""

from __future__ import annotations

from datetime import timedelta

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from cockpit.incident import Incident, TimelineItem
from cockpit.records import Rec, short_id
from cockpit.timefmt import to_us
from cockpit.ulid import new_ulid
from tests.conftest import T0
from tests.unit.factory import Log
from widgets.timeline import EMPTY_HINT, Timeline

HOSTILE = {
    "markup": "[bold]x[/] and [link=http://e]y",
    "ansi": "\x1b[31mred",
    "osc": "\x1b]8;;http://e\x07link",
    "rtl": "\u202eRTL",
    "emoji": "fire 🔥 here",
    "combining": "cafe\u0301 ok",
    "cjk": "中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字",
}


class TimelineApp(App[None]):
    """A bare app around one Timeline; it records the Selected messages it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield Timeline()

    def on_timeline_selected(self, message: Timeline.Selected) -> None:
        assert message.control is message.timeline
        self.selected.append(message.item.id)


def lines(timeline: Timeline) -> list[str]:
    """The text of every line the widget shows, as a user would read it."""
    height = timeline.scrollable_content_region.height
    return [timeline.render_line(y).text for y in range(height)]


def strips(timeline: Timeline) -> list[Strip]:
    height = timeline.scrollable_content_region.height
    return [timeline.render_line(y) for y in range(height)]


def notes(count: int, start_minute: int = 1, author: str = "alice") -> tuple[Log, Incident]:
    log = Log(T0)
    for n in range(count):
        log.add("entry.note", {"text": f"note {n}"}, minutes=start_minute + n, author=author)
    return log, log.fold()


def line_for(timeline: Timeline, item: TimelineItem) -> str:
    index = next(i for i, it in enumerate(timeline.items) if it.id == item.id)
    return timeline.render_line(index - timeline.scroll_offset.y).text


async def test_each_kind_shows_time_short_id_word_symbol_author_and_text() -> None:
    log = Log(T0)
    note = log.add("entry.note", {"text": "checkout 500s"}, minutes=1)
    decision = log.add("entry.decision", {"text": "roll back"}, minutes=2, author="bob")
    hyp = log.add("entry.hypothesis", {"text": "db pool"}, minutes=3)
    ruled = log.add("entry.hypothesis", {"text": "dns"}, minutes=4)
    log.add("hypothesis.resolved", {"target": hyp.id, "outcome": "confirmed"}, minutes=5)
    log.add("hypothesis.resolved", {"target": ruled.id, "outcome": "ruled_out"}, minutes=5)
    open_hyp = log.add("entry.hypothesis", {"text": "cache"}, minutes=6)
    action = log.add("entry.action", {"text": "restarted pods"}, minutes=7)
    todo = log.add("entry.todo", {"text": "add alert"}, minutes=8)
    sev = log.add("severity.set", {"level": "SEV-2"}, minutes=9)
    status = log.add("status.set", {"status": "identified"}, minutes=10)
    role = log.add("role.assigned", {"role": "ic", "handle": "carol"}, minutes=11)
    check = log.add("checklist.checked", {"item": "bridge"}, minutes=12)
    milestone = log.add(
        "milestone.set", {"milestone": "mitigated", "at": "2026-03-04T14:13:00Z"}, minutes=13
    )
    update = log.add("update.sent", {"text": "we are on it"}, minutes=14)
    timer = log.add("timer.set", {"timer": "t1", "until": "2026-03-04T15:00:00Z"}, minutes=15)
    title = log.add("title.set", {"title": "Checkout down"}, minutes=16)
    inc = log.fold()

    app = TimelineApp()
    async with app.run_test(size=(120, 30)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        shown = {item.id: line_for(timeline, item) for item in timeline.items}

    def expect(rec: Rec, *parts: str) -> None:
        line = shown[rec.id]
        at = 0
        for part in parts:  # each part, in this order
            found = line.find(part, at)
            assert found >= 0, f"{part!r} not after column {at} in {line!r}"
            at = found + len(part)

    sid = short_id(note.id)
    expect(note, "15:01:00", sid, "• note", "alice", "checkout 500s")
    expect(decision, "15:02:00", short_id(decision.id), "◆ decision", "bob", "roll back")
    expect(hyp, "15:03:00", "✓ confirmed", "db pool")
    expect(ruled, "15:04:00", "✗ ruled out", "dns")
    expect(open_hyp, "15:06:00", "? hypothesis?", "cache")
    expect(action, "» action", "restarted pods")
    expect(todo, "☐ follow-up", "add alert")
    expect(sev, "▲ severity", "SEV-2")
    expect(status, "● status", "identified")
    expect(role, "@ role", "@carol")
    expect(check, "▣ checklist")
    expect(milestone, "⚑ milestone")
    expect(update, "⇡ update", "we are on it")
    expect(timer, "◷ timer")
    expect(title, "≡ title", "Checkout down")
    declared = next(i for i in inc.timeline if i.kind == "incident.declared")
    assert "◉ declared" in shown[declared.id]
    # Columns line up: kind words, authors and (for one author) texts start together.
    assert shown[note.id].index("note") == shown[action.id].index("action")
    assert shown[note.id].index("checkout") == shown[action.id].index("restarted")
    assert not any("·" in line for line in shown.values())  # no kind left unnamed


async def test_star_amend_and_retract_are_marked() -> None:
    log = Log(T0)
    starred = log.add("entry.note", {"text": "important"}, minutes=1)
    amended = log.add("entry.note", {"text": "typo"}, minutes=2)
    gone = log.add("entry.note", {"text": "wrong"}, minutes=3)
    plain = log.add("entry.note", {"text": "plain"}, minutes=4)
    log.add("entry.starred", {"target": starred.id}, minutes=5)
    log.add("entry.amended", {"target": amended.id, "text": "fixed"}, minutes=5)
    log.add("entry.retracted", {"target": gone.id}, minutes=5)
    inc = log.fold()

    app = TimelineApp()
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(include_retracted=True), inc.tz)
        await pilot.pause()
        assert "★ alice" in line_for(timeline, inc.items[starred.id])
        assert "★" not in line_for(timeline, inc.items[plain.id])
        assert "(amended) fixed" in line_for(timeline, inc.items[amended.id])
        retracted_line = line_for(timeline, inc.items[gone.id])
        assert "(retracted) wrong" in retracted_line
        # struck through: the retracted text is drawn with strike, the others are not
        index = [i.id for i in timeline.items].index(gone.id)
        struck = [s for s in list(timeline.render_line(index)) if "wrong" in s.text]
        assert struck and struck[0].style is not None and struck[0].style.strike
        plain_index = [i.id for i in timeline.items].index(plain.id)
        for segment in list(timeline.render_line(plain_index)):
            assert not (segment.style and segment.style.strike)

        # hidden when the screen leaves retracted items out
        timeline.set_items(inc.visible_timeline(include_retracted=False), inc.tz)
        await pilot.pause()
        assert not any("wrong" in line for line in lines(timeline))


async def test_hostile_text_is_shown_literally_and_never_breaks_the_line() -> None:
    log = Log(T0)
    for n, text in enumerate(HOSTILE.values()):
        log.add("entry.note", {"text": text}, minutes=n + 1, author="[red]mallory\x1b[0m")
    inc = log.fold()

    app = TimelineApp()
    async with app.run_test(size=(200, 20)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        width = timeline.scrollable_content_region.width
        assert width == 200
        shown = "\n".join(lines(timeline))
        assert "[bold]x[/] and [link=http://e]y" in shown
        assert "␛[31mred" in shown
        assert "␛]8;;http://e␇link" in shown
        assert "⟨U+202E⟩RTL" in shown and "\u202e" not in shown
        assert "fire 🔥 here" in shown
        assert "cafe\u0301 ok" in shown
        assert "[red]mallory␛[0m" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        for strip in strips(timeline):
            assert strip.cell_length == width
            for segment in strip:  # markup never became a link or a style
                assert segment.style is None or segment.style.link is None

        # Narrow: wide characters are cropped at the edge without spilling over.
        for size in (40, 57, 58, 81):
            await pilot.resize_terminal(size, 20)
            await pilot.pause()
            width = timeline.scrollable_content_region.width
            assert width == size
            for strip in strips(timeline):
                assert strip.cell_length == width
        assert app.is_running


async def test_cursor_keys_move_the_selection_and_post_selected() -> None:
    _, inc = notes(30)
    app = TimelineApp()
    async with app.run_test(size=(80, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.focus()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        items = timeline.items
        assert timeline.cursor == len(items) - 1
        assert timeline.selected is items[-1]
        assert app.selected[-1] == items[-1].id
        assert "note 29" in lines(timeline)[-1]  # the newest is in view

        await pilot.press("up", "up")
        assert timeline.selected is items[-3]
        await pilot.pause()
        assert app.selected[-1] == items[-3].id

        # The selected line is highlighted: it is drawn differently from its neighbours.
        row = timeline.cursor - timeline.scroll_offset.y
        selected_bg = {s.style.bgcolor for s in list(timeline.render_line(row)) if s.style}
        other_bg = {s.style.bgcolor for s in list(timeline.render_line(row - 1)) if s.style}
        assert selected_bg.isdisjoint(other_bg)

        await pilot.press("home")
        assert timeline.cursor == 0
        assert timeline.scroll_offset.y == 0
        assert "declared" in lines(timeline)[0]
        await pilot.press("pagedown")
        height = timeline.scrollable_content_region.height
        assert timeline.cursor == height - 1
        await pilot.press("down")
        assert timeline.cursor == height
        # scrolled so the cursor is on the last visible row
        assert timeline.scroll_offset.y == 1
        await pilot.press("pageup")
        assert timeline.cursor == 1
        await pilot.press("up", "up", "up")
        assert timeline.cursor == 0  # stops at the top
        await pilot.press("end")
        assert timeline.cursor == len(items) - 1
        await pilot.press("down")
        assert timeline.cursor == len(items) - 1  # stops at the bottom
        assert "note 29" in lines(timeline)[-1]

        # a click selects the line under the mouse
        await pilot.click(Timeline, offset=(10, 2))
        assert timeline.cursor == timeline.scroll_offset.y + 2


async def test_follows_newest_until_the_user_moves_up() -> None:
    log, inc = notes(40)
    app = TimelineApp()
    async with app.run_test(size=(80, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.focus()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()

        # Following: a new entry takes the cursor and is drawn at the bottom.
        log.add("entry.note", {"text": "fresh one"}, minutes=60)
        inc = log.fold()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.text == "fresh one"
        assert "fresh one" in lines(timeline)[-1]
        assert timeline.following

        # The user moves up: new entries leave the cursor and the view alone.
        await pilot.press("pageup", "up")
        await pilot.pause()
        chosen = timeline.selected
        assert chosen is not None
        before_scroll = timeline.scroll_offset.y
        before_lines = lines(timeline)
        log.add("entry.note", {"text": "newer still"}, minutes=61)
        inc = log.fold()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.id == chosen.id
        assert timeline.scroll_offset.y == before_scroll
        assert lines(timeline) == before_lines
        assert not any("newer still" in line for line in lines(timeline))

        # A backdated entry lands above the cursor: the cursor stays on the same item,
        # and that item stays on the same row of the screen.
        row = timeline.cursor - timeline.scroll_offset.y
        log.add("entry.note", {"text": "backdated"}, minutes=0.5)
        inc = log.fold()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.id == chosen.id
        assert timeline.cursor - timeline.scroll_offset.y == row
        assert short_id(chosen.id) in lines(timeline)[row]

        # On the newest item but scrolled up with the mouse wheel: the view stays put.
        await pilot.press("end")
        timeline.scroll_to(y=0, animate=False)
        await pilot.pause()
        newest = timeline.selected
        log.add("entry.note", {"text": "while reading"}, minutes=61.5)
        inc = log.fold()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.scroll_offset.y == 0
        assert "declared" in lines(timeline)[0]
        assert newest is not None and timeline.selected is not None
        assert timeline.selected.id == newest.id

        # Back to the newest: following again.
        await pilot.press("end")
        log.add("entry.note", {"text": "latest"}, minutes=62)
        inc = log.fold()
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.text == "latest"
        assert "latest" in lines(timeline)[-1]


async def test_utc_toggle_and_dates_for_other_days() -> None:
    log = Log(T0 - timedelta(days=1))  # declared yesterday, 15:00 Berlin
    log.add("entry.note", {"text": "today"}, at=T0 + timedelta(minutes=1))
    inc = log.fold()
    app = TimelineApp()
    async with app.run_test(size=(100, 6)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        first, second = lines(timeline)[:2]
        assert first.startswith("Mar 03 15:00:00 ")
        assert second.startswith("       15:01:00 ")  # today's date is not repeated
        timeline.utc = True
        await pilot.pause()
        first, second = lines(timeline)[:2]
        assert first.startswith("Mar 03 14:00:00Z ")
        assert second.startswith("       14:01:00Z ")
        timeline.utc = False
        await pilot.pause()
        assert lines(timeline)[1].startswith("       15:01:00 ")

    # One day only: no date column at all.
    _, inc = notes(2)
    app = TimelineApp()
    async with app.run_test(size=(100, 6)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert lines(timeline)[1].startswith("15:01:00 ")
        timeline.utc = True
        await pilot.pause()
        assert lines(timeline)[1].startswith("14:01:00Z ")


async def test_empty_timeline_shows_a_hint() -> None:
    app = TimelineApp()
    async with app.run_test(size=(80, 6)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.set_items([], Log(T0).fold().tz)
        await pilot.pause()
        shown = lines(timeline)
        assert shown[0].startswith(EMPTY_HINT)
        assert all(not line.strip() for line in shown[1:])
        assert timeline.cursor == -1 and timeline.selected is None
        await pilot.press("down", "end")  # nothing to move to, nothing breaks
        assert timeline.cursor == -1


async def test_theme_change_redraws_with_the_new_colours() -> None:
    _, inc = notes(3)
    app = TimelineApp()
    async with app.run_test(size=(80, 6)) as pilot:
        app.theme = "textual-dark"
        timeline = app.query_one(Timeline)
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        dark = timeline.render_line(1)
        app.theme = "textual-light"
        await pilot.pause()
        light = timeline.render_line(1)
        assert dark.text == light.text
        assert next(iter(dark)).style != next(iter(light)).style


def many_items(count: int) -> tuple[list[TimelineItem], Incident]:
    """`count` notes, ten a second, built straight from Recs (as the store loads them)."""
    log = Log(T0)
    inc = log.fold()
    start = to_us(T0)
    items = []
    for n in range(count):
        us = start + n * 100_000
        rec = Rec(new_ulid(us // 1000), inc.id, "entry.note", us, us, "alice", "test", text=f"n{n}")
        items.append(TimelineItem(rec, rec.text, inc))
    return items, inc


async def test_fifty_thousand_items_render_lazily() -> None:
    items, inc = many_items(50_000)
    app = TimelineApp()
    async with app.run_test(size=(100, 30)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.focus()
        timeline.set_items(items, inc.tz)
        await pilot.pause()
        assert len(timeline.children) == 0  # no widget per item
        assert timeline.virtual_size.height == 50_000
        assert timeline.cursor == 49_999
        assert lines(timeline)[-1].rstrip().endswith("alice  n49999")
        await pilot.press("home")
        assert lines(timeline)[0].rstrip().endswith("alice  n0")
        await pilot.press("pagedown", "pagedown")
        cursor = timeline.cursor
        assert cursor == 2 * (timeline.scrollable_content_region.height - 1)
        assert timeline.selected is items[cursor]
        row = cursor - timeline.scroll_offset.y
        assert lines(timeline)[row].rstrip().endswith(f"alice  n{cursor}")
        await pilot.press("end")
        assert "n49999" in lines(timeline)[-1]
        # cache is bounded: far fewer strips than items
        assert len(timeline._cache) <= 1024


def test_every_kind_of_event_has_its_own_marker_word():
    """A kind the timeline does not know would show its raw name: none is left."""
    from types import SimpleNamespace

    from cockpit.events import KINDS
    from cockpit.incident import MODIFIERS
    from widgets.timeline import KIND_WIDTH, kind_marker

    for kind in set(KINDS) - MODIFIERS:  # corrections change items; they are not items
        item = SimpleNamespace(kind=kind, state="open")
        symbol, word, css = kind_marker(item)  # type: ignore[arg-type]
        assert css != "timeline--other" or kind.startswith("reminders."), kind
        assert len(word) <= KIND_WIDTH and symbol != "·", kind


async def test_the_border_says_where_the_cursor_is_among_the_items():
    app = TimelineApp()
    async with app.run_test(size=(80, 12)) as pilot:
        timeline = app.query_one(Timeline)
        _, inc = notes(1999)  # and the declaration
        timeline.set_items(inc.visible_timeline(), inc.tz)
        await pilot.pause()
        assert timeline.border_subtitle == "2,000 of 2,000"
        timeline.focus()
        await pilot.press("home")
        await pilot.pause()
        assert timeline.border_subtitle == "1 of 2,000 · End: newest"


class BorderedTimelineApp(TimelineApp):
    """The timeline as the incident screen shows it: in a border that changes colour with
    focus, its subtitle saying where the cursor is."""

    CSS = """
    Timeline { border: round $primary; }
    Timeline:focus { border: round $accent; }
    """

    def compose(self) -> ComposeResult:
        yield Timeline()
        yield Static("below")


def drawn(timeline: Timeline) -> list[Strip]:
    """The widget's lines as the compositor gets them (cached where they can be)."""
    width, height = timeline.outer_size
    return timeline.render_lines(Region(0, 0, width, height))


def redrawn(timeline: Timeline) -> list[Strip]:
    """The same lines drawn from scratch: no cache of the widget's, none of Textual's."""
    timeline._cache.clear()
    timeline._lines.clear()
    timeline.refresh()
    return drawn(timeline)


async def test_cached_lines_are_redrawn_whenever_what_they_show_changes() -> None:
    """Each line on screen is kept as drawn (border and colours included); a star, an
    amendment, a retraction, a hypothesis's outcome, the cursor, UTC, focus, the theme,
    a new day and a new size must each be drawn afresh, never served stale."""
    from cockpit.incident import LiveFold

    log, _ = notes(12)
    hyp = log.add("entry.hypothesis", {"text": "db pool"}, minutes=13)
    live = LiveFold(list(log.recs), log.runbook)
    app = BorderedTimelineApp()
    async with app.run_test(size=(90, 12)) as pilot:
        timeline = app.query_one(Timeline)

        async def show(*recs: Rec, retracted: bool = False) -> list[str]:
            live.add(recs)
            timeline.set_items(
                live.incident.visible_timeline(include_retracted=retracted), live.incident.tz
            )
            await pilot.pause()
            return check()

        def check() -> list[str]:
            before = drawn(timeline)
            assert len(timeline._lines) > 0  # the lines came from the cache
            after = redrawn(timeline)
            assert before == after
            return [strip.text for strip in before]

        await show()
        target = timeline.items[-3]
        shown = await show(log.add("entry.starred", {"target": target.id}, minutes=20))
        assert any("★" in line and target.text in line for line in shown)
        shown = await show(
            log.add("entry.amended", {"target": target.id, "text": "fixed"}, minutes=21)
        )
        assert any("(amended) fixed" in line for line in shown)
        shown = await show(
            log.add("entry.retracted", {"target": target.id}, minutes=22), retracted=True
        )
        assert any("(retracted)" in line for line in shown)
        shown = await show(
            log.add("hypothesis.resolved", {"target": hyp.id, "outcome": "confirmed"}, minutes=23)
        )
        assert any("✓ confirmed" in line for line in shown)
        shown = await show(log.add("entry.note", {"text": "newest"}, minutes=24))
        assert "newest" in shown[-2]  # above the bottom border, followed

        await pilot.press("up")  # unfocused: the cursor moves only when focused
        timeline.focus()
        await pilot.pause()
        check()
        await pilot.press("up", "up")
        await pilot.pause()
        check()
        timeline.utc = True
        await pilot.pause()
        assert "Z " in check()[1]
        app.theme = "textual-light"
        await pilot.pause()
        check()
        timeline.blur()
        await pilot.pause()
        check()
        # Dates appear once the items span two days: a backdated entry the day before.
        shown = await show(log.add("entry.note", {"text": "yesterday"}, minutes=-24 * 60))
        assert all(line[1:].startswith(("Mar", "   ")) for line in shown[1:-1])
        timeline.action_cursor_last()
        shown = await show(log.add("entry.note", {"text": "next day"}, minutes=24 * 60))
        assert "next day" in shown[-2]
        await pilot.resize_terminal(70, 12)
        await pilot.pause()
        check()
