"""Times on the wire (RFC 3339 UTC with Z) and durations as people type them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit import timefmt
from cockpit.timefmt import format_ts, from_us, parse_duration, parse_ts, to_us

BERLIN = ZoneInfo("Europe/Berlin")

# Aware datetimes in any fixed offset or IANA zone, within years a log can hold.
offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
zones = st.one_of(
    st.just(UTC),
    offsets,
    st.sampled_from([BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
)
aware = st.datetimes(
    min_value=datetime(1000, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=zones,
)


# format_ts ------------------------------------------------------------------------------
def test_format_ts_whole_seconds() -> None:
    assert format_ts(datetime(2026, 3, 4, 15, 23, tzinfo=UTC)) == "2026-03-04T15:23:00Z"


def test_format_ts_converts_to_utc() -> None:
    # 16:23 in Berlin (CET, +01:00) is 15:23 UTC.
    assert format_ts(datetime(2026, 3, 4, 16, 23, tzinfo=BERLIN)) == "2026-03-04T15:23:00Z"
    plus_530 = timezone(timedelta(hours=5, minutes=30))
    assert format_ts(datetime(2026, 3, 4, 0, 10, tzinfo=plus_530)) == "2026-03-03T18:40:00Z"


@pytest.mark.parametrize(
    ("micro", "expected"),
    [
        (500_000, "2026-03-04T15:23:00.5Z"),
        (120_000, "2026-03-04T15:23:00.12Z"),
        (123_456, "2026-03-04T15:23:00.123456Z"),
        (1, "2026-03-04T15:23:00.000001Z"),
    ],
)
def test_format_ts_fractional_seconds_only_when_present(micro: int, expected: str) -> None:
    assert format_ts(datetime(2026, 3, 4, 15, 23, 0, micro, tzinfo=UTC)) == expected


def test_format_ts_four_digit_year() -> None:
    # RFC 3339 years are four digits; what format_ts writes, parse_ts must read.
    text = format_ts(datetime(999, 1, 1, tzinfo=UTC))
    assert text == "0999-01-01T00:00:00Z"
    assert parse_ts(text) == datetime(999, 1, 1, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 4, 15, 23)
    with pytest.raises(ValueError, match="naive"):
        format_ts(naive)
    with pytest.raises(ValueError):
        to_us(naive)
    with pytest.raises(ValueError):
        timefmt.to_utc(naive)


# parse_ts -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "2026-03-04T15:23:00Z",
        "2026-03-04T15:23:00+00:00",
        "2026-03-04T16:23:00+01:00",
        "2026-03-04T10:23:00-05:00",
        "2026-03-04T15:23:00.000Z",
    ],
)
def test_parse_ts_reads_z_and_offsets_into_utc(text: str) -> None:
    value = parse_ts(text)
    assert value == datetime(2026, 3, 4, 15, 23, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_parse_ts_keeps_fractional_seconds() -> None:
    assert parse_ts("2026-03-04T15:23:00.25Z") == datetime(2026, 3, 4, 15, 23, 0, 250_000, UTC)


@pytest.mark.parametrize(
    "text", ["2026-03-04T15:23:00", "2026-03-04 15:23", "2026-03-04", "yesterday", "", "15:23Z"]
)
def test_parse_ts_refuses_times_without_zone_or_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ts(text)


@given(aware)
def test_parse_ts_round_trips_format_ts(value: datetime) -> None:
    text = format_ts(value)
    assert text.endswith("Z")
    back = parse_ts(text)
    # (Compared in UTC: == between zones is always False for a time in a DST gap.)
    assert back == value.astimezone(UTC)
    assert back.utcoffset() == timedelta(0)
    assert format_ts(back) == text


# to_us / from_us ------------------------------------------------------------------------
def test_to_us_known_values() -> None:
    assert to_us(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert to_us(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005
    assert to_us(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)) == -1_000_000
    # The same instant in another zone is the same number.
    berlin = datetime(2026, 3, 4, 16, 23, tzinfo=BERLIN)
    assert to_us(berlin) == to_us(datetime(2026, 3, 4, 15, 23, tzinfo=UTC))


@given(aware)
def test_to_us_from_us_round_trip(value: datetime) -> None:
    back = from_us(to_us(value))
    assert back == value.astimezone(UTC)
    assert back.utcoffset() == timedelta(0)


@given(aware, aware)
def test_to_us_sorts_like_the_time(a: datetime, b: datetime) -> None:
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    assert (to_us(a) < to_us(b)) == (a < b)
    assert (to_us(a) == to_us(b)) == (a == b)


# parse_duration -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1h30m15s", timedelta(hours=1, minutes=30, seconds=15)),
        ("15", timedelta(minutes=15)),  # a bare number is minutes
        ("0", timedelta(0)),
        (" 5M ", timedelta(minutes=5)),
        ("1H30M", timedelta(hours=1, minutes=30)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "fast",
        "5x",
        "m5",
        "h",
        "1h30",  # a number without a unit at the end
        "30m1h",  # units out of order
        "5m5m",  # a unit twice
        "-5m",
        "1.5h",
        "5 m",
        "²",  # a digit to str.isdigit(), not to int()
        "1²m",
        "99999999999999",  # more minutes than a timedelta holds
        "99999999999999d",
    ],
)
def test_parse_duration_refuses_with_a_helpful_message(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    message = str(info.value)
    # The message says what was expected, with an example a person can copy.
    assert any(example in message for example in ("5m", "1h30m", "90s"))


@given(st.text(max_size=20))
def test_parse_duration_raises_only_value_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert result >= timedelta(0)


@given(st.from_regex(r"\A[0-9]{1,15}[dhms]?\Z"))
def test_parse_duration_big_numbers_raise_only_value_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except ValueError as exc:
        assert "1h30m" in str(exc)
    else:
        assert result >= timedelta(0)


@given(
    st.integers(0, 40),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)
def test_duration_text_round_trips(days: int, hours: int, minutes: int, seconds: int) -> None:
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    assert parse_duration(timefmt.duration_text(total)) == timedelta(seconds=total)
