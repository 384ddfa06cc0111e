"""Times of the grammar (issue 10, item 17): an offset time is judged by its instant (not its
wall time) against 1970, and times and durations are written with the digits 0-9 only, in
every place that takes one: `@` times, `/next`, `/snooze`, `/timer`, durations, the amend
time (all go through parse_time, parse_future or parse_duration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.entry import EntryContext, EntryError, parse, parse_future, parse_time
from cockpit.timefmt import parse_duration
from tests.conftest import T0
from tests.unit.factory import Log

TZ = ZoneInfo("Europe/Berlin")
NOW = T0 + timedelta(minutes=30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ctx() -> EntryContext:
    log = Log(T0)
    return EntryContext(now=NOW, tz=TZ, incident=log.fold(), policy=log.policy)


# instants within four days of 1970 begins, to the minute, and any UTC offset in use
AROUND_1970 = st.integers(-4 * 24 * 60, 4 * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m))
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(AROUND_1970, OFFSETS)
def test_an_offset_time_is_judged_by_its_instant(instant: datetime, offset: timezone) -> None:
    text = instant.astimezone(offset).isoformat(timespec="minutes")
    if instant < EPOCH:
        with pytest.raises(ValueError, match="before 1970"):
            parse_time(text, NOW, TZ)
    else:
        assert parse_time(text, NOW, TZ) == instant


@given(AROUND_1970)
def test_a_local_date_time_is_judged_by_its_instant_too(instant: datetime) -> None:
    wall = instant.astimezone(TZ)  # Berlin was UTC+1 all through 1969-1970
    text = wall.strftime("%Y-%m-%dT%H:%M")
    if instant < EPOCH:
        with pytest.raises(ValueError, match="before 1970"):
            parse_time(text, NOW, TZ)
    else:
        assert parse_time(text, NOW, TZ) == instant


def test_the_example_from_the_issue() -> None:
    with pytest.raises(ValueError, match="before 1970"):
        parse_time("1970-01-01T00:30+01:00", NOW, TZ)  # 1969-12-31T23:30Z
    assert parse_time("1969-12-31T23:30-01:00", NOW, TZ) == EPOCH + timedelta(minutes=30)
    with pytest.raises(EntryError, match="before 1970"):
        parse("@1970-01-01T00:30+01:00 a note", ctx())


# Digits other than 0-9: Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai,
# fullwidth, mathematical bold (all decimal digits to int() and \d), and superscripts.
ZEROS = [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE]
OTHER_DIGIT = st.one_of(
    st.tuples(st.sampled_from(ZEROS), st.integers(0, 9)).map(lambda z: chr(z[0] + z[1])),
    st.sampled_from("²³¹⁰"),
    st.characters(categories=("Nd",)).filter(lambda c: not c.isascii()),
)


@st.composite
def foreign(draw: st.DrawFn, ascii_text: str) -> str:
    """`ascii_text` with at least one of its digits written in another script."""
    places = [i for i, ch in enumerate(ascii_text) if ch.isdigit()]
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, unique=True))
    chars = list(ascii_text)
    for i in chosen:
        chars[i] = draw(OTHER_DIGIT)
    return "".join(chars)


CLOCKS = st.builds(
    lambda h, m, s: f"{h:02d}:{m:02d}" + (f":{s:02d}" if s is not None else ""),
    st.integers(0, 23),
    st.integers(0, 59),
    st.none() | st.integers(0, 59),
)
DURATIONS = st.sampled_from(["5m", "90s", "1h", "1h30m", "2d", "15", "45m"])
DATES = st.sampled_from(["2026-03-04T15:23Z", "2026-03-04T14:05", "2025-12-31T23:00+01:00"])


@given(st.one_of(CLOCKS, DURATIONS.map(lambda d: "-" + d), DATES).flatmap(foreign))
def test_a_backdate_with_other_digits_is_refused_saying_so(text: str) -> None:
    with pytest.raises(ValueError, match="digits 0-9"):
        parse_time(text, NOW, TZ)
    with pytest.raises(EntryError, match="digits 0-9"):
        parse(f"@{text} a note", ctx())
    with pytest.raises(EntryError, match="digits 0-9"):
        parse(f"/sev 1 @{text}", ctx())


@given(st.one_of(CLOCKS, DURATIONS).flatmap(foreign))
def test_a_time_ahead_with_other_digits_is_refused_saying_so(text: str) -> None:
    with pytest.raises(ValueError, match="digits 0-9"):
        parse_future(text, NOW, TZ)
    for line in (f"/next {text}", f"/next executive {text}", f"/timer {text} check lag"):
        with pytest.raises(EntryError, match="digits 0-9"):
            parse(line, ctx())


@given(DURATIONS.flatmap(foreign))
def test_a_duration_with_other_digits_is_refused_saying_so(text: str) -> None:
    with pytest.raises(ValueError, match="digits 0-9"):
        parse_duration(text)
    with pytest.raises(EntryError, match="digits 0-9"):
        parse(f"/snooze {text}", ctx())


@given(CLOCKS)
def test_the_same_clock_time_in_ascii_digits_is_read(text: str) -> None:
    try:
        when = parse_time(text, NOW, TZ)
    except ValueError as exc:  # only ever because of the time it names, not its digits
        assert "digits" not in str(exc)
        assert "future" in str(exc) or "skipped" in str(exc)
    else:
        local = when.astimezone(TZ)
        assert local.strftime("%H:%M:%S" if text.count(":") == 2 else "%H:%M") == text
        assert when <= NOW


def test_the_amend_time_and_the_declare_forms_started_say_so_too(tmp_path) -> None:
    """The amend form's time goes through Cockpit.amend; the declare form's Started (and
    `--at`) through Cockpit.parse_time."""
    from cockpit.clock import ManualClock
    from cockpit.service import Cockpit
    from cockpit.store import Store

    clock = ManualClock(NOW)
    cockpit = Cockpit(Store(tmp_path / "c.db", clock), clock, zone_name="Europe/Berlin")
    declared = cockpit.declare("x", "1")
    (note,) = cockpit.log(declared.incident_id, "a note")
    incident = cockpit.incident(declared.incident_id)
    with pytest.raises(EntryError, match="digits 0-9"):
        cockpit.amend(incident, note.id, at="١٥:٢٠")
    with pytest.raises(ValueError, match="digits 0-9"):
        cockpit.parse_time("１５:２０")
    assert cockpit.parse_time("15:20").astimezone(TZ).strftime("%H:%M") == "15:20"
