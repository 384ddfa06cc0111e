"""ULIDs: 26 characters of Crockford base32, sortable by time, monotonic within a millisecond."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit import ulid

CROCKFORD = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
MAX_MS = (1 << 48) - 1

values = st.integers(min_value=0, max_value=(1 << 128) - 1)
millis = st.integers(min_value=0, max_value=MAX_MS)


def test_alphabet_is_crockford_base32() -> None:
    assert ulid.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ulid.ALPHABET)) == 32


@given(values)
def test_encode_decode_round_trip(value: int) -> None:
    text = ulid.encode(value)
    assert len(text) == 26
    assert set(text) <= CROCKFORD
    assert ulid.decode(text) == value


@given(values)
def test_encoding_sorts_like_the_number(value: int) -> None:
    # Fixed width, alphabet in ascending order: string order is numeric order.
    if value > 0:
        assert ulid.encode(value - 1) < ulid.encode(value)


def test_encode_known_values() -> None:
    assert ulid.encode(0) == "0" * 26
    assert ulid.encode((1 << 128) - 1) == "7" + "Z" * 25
    assert ulid.encode(31) == "0" * 25 + "Z"


@pytest.mark.parametrize("value", [-1, 1 << 128, 1 << 130])
def test_encode_refuses_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        ulid.encode(value)


@given(millis)
def test_new_ulid_is_26_crockford_characters(ms: int) -> None:
    text = ulid.new_ulid(ms)
    assert len(text) == 26
    assert set(text) <= CROCKFORD
    assert ulid.is_ulid(text)


def test_new_ulid_without_time_uses_now() -> None:
    before = datetime.now(UTC)
    text = ulid.new_ulid()
    after = datetime.now(UTC)
    made = ulid.timestamp(text)
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= made <= after


@given(millis)
def test_time_prefix_round_trip(ms: int) -> None:
    text = ulid.new_ulid(ms)
    assert ulid.timestamp_ms(text) == ms
    # The first ten characters are the time; the rest is random.
    assert text[:10] == ulid.encode(ms << ulid.RANDOM_BITS)[:10]


def test_timestamp_is_aware_utc() -> None:
    when = datetime(2026, 3, 4, 15, 23, 0, 123000, tzinfo=UTC)
    ms = (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    text = ulid.new_ulid(ms)
    stamp = ulid.timestamp(text)
    assert stamp == when
    assert stamp.utcoffset() is not None
    assert stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_monotonic_within_one_millisecond() -> None:
    ms = 1_772_634_180_000
    ids = [ulid.new_ulid(ms) for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {ulid.timestamp_ms(i) for i in ids} == {ms}
    # Each increments the random part by one.
    numbers = [ulid.decode(i) for i in ids]
    assert all(b - a == 1 for a, b in itertools.pairwise(numbers))


@given(millis, millis)
def test_ids_sort_by_time(a: int, b: int) -> None:
    first, second = ulid.new_ulid(a), ulid.new_ulid(b)
    if a < b:
        assert first < second
    elif a > b:
        assert first > second
    else:
        assert first < second  # same millisecond: made later, sorts later


def test_decode_accepts_lowercase_and_crockford_aliases() -> None:
    text = ulid.new_ulid(1_772_634_180_000)
    assert ulid.decode(text.lower()) == ulid.decode(text)
    # Crockford reads I and L as 1, O as 0.
    assert ulid.decode("0" * 25 + "I") == 1
    assert ulid.decode("0" * 25 + "L") == 1
    assert ulid.decode("O" * 26) == 0


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0" * 25,
        "0" * 27,
        "0" * 25 + "U",  # U is not in Crockford base32
        "0" * 25 + "-",
        "0" * 25 + " ",
        "8" + "0" * 25,  # above 128 bits
        "Z" * 26,
        "00ß" + "0" * 23,  # 26 characters, but upper() makes it 27 valid ones
        "0ı" + "0" * 24,  # dotless i: not ASCII, not Crockford
        "０" * 26,  # fullwidth zeros
    ],
)
def test_decode_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        ulid.decode(bad)
    assert not ulid.is_ulid(bad)


@given(st.text(max_size=30))
def test_decode_only_accepts_26_crockford_characters(text: str) -> None:
    try:
        value = ulid.decode(text)
    except ValueError:
        return
    assert len(text) == 26
    assert set(text.upper()) <= CROCKFORD | set("ILO")
    assert 0 <= value < (1 << 128)
