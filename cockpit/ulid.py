"""ULIDs: 128-bit ids, sortable by creation time, unique across machines.

A ULID is 48 bits of Unix milliseconds followed by 80 random bits, written as 26
characters of Crockford base32. Ids made by one process in the same millisecond
increase monotonically, so the log's id order never contradicts creation order there.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford base32 reads I and L as 1 and O as 0.
_DECODE.update({"I": 1, "L": 1, "O": 0})
RANDOM_BITS = 80
_MAX_RANDOM = (1 << RANDOM_BITS) - 1

_lock = threading.Lock()
_last_ms = -1
_last_random = 0


def encode(value: int) -> str:
    """Write a 128-bit integer as 26 Crockford base32 characters."""
    if not 0 <= value < (1 << 128):
        raise ValueError("a ULID is a 128-bit unsigned integer")
    chars = []
    for _ in range(26):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def decode(text: str) -> int:
    """Read 26 Crockford base32 characters back into an integer."""
    if len(text) != 26:
        raise ValueError(f"a ULID has 26 characters, not {len(text)}")
    if not text.isascii():
        raise ValueError("a ULID is written in ASCII letters and digits")
    value = 0
    for ch in text.upper():
        if ch not in _DECODE:
            raise ValueError(f"{ch!r} is not a Crockford base32 character")
        value = (value << 5) | _DECODE[ch]
    if value >= (1 << 128):
        raise ValueError("a ULID cannot start with a character above 7")
    return value


def new_ulid(ms: int | None = None, *, monotonic: bool = True) -> str:
    """A new ULID for the given Unix time in milliseconds (default: the system's now).

    Within one millisecond the random part is incremented, so ids stay ordered; with
    monotonic=False the random part is always fresh (for ids whose random part is shown,
    like incident refs).
    """
    global _last_ms, _last_random
    if ms is None:
        from cockpit.clock import system_ms

        ms = system_ms()  # a clock before 1970 or past 2262 is a ClockError, said plainly
    if not monotonic:
        return encode((ms << RANDOM_BITS) | int.from_bytes(os.urandom(10), "big"))
    with _lock:
        if ms == _last_ms and _last_random < _MAX_RANDOM:
            rand = _last_random + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big")
        _last_ms, _last_random = ms, rand
    return encode((ms << RANDOM_BITS) | rand)


def timestamp_ms(ulid: str) -> int:
    """The Unix milliseconds a ULID was made at."""
    return decode(ulid) >> RANDOM_BITS


def timestamp(ulid: str) -> datetime:
    """The time a ULID was made at, as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp_ms(ulid) / 1000, tz=UTC)


def is_ulid(text: str) -> bool:
    try:
        decode(text)
    except ValueError:
        return False
    return True
