"""The one clock.

One `Clock` is made at start and passed down; nothing else asks the system for the time.
Tests use `ManualClock`; exercises will use `ScaledClock`.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...


# The times the cockpit can record: a ULID starts at 1970 (Unix time 0), and Python's own
# clock reading (nanoseconds in 64 bits) ends in April 2262.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)


class ClockError(Exception):
    """The machine's clock reads a time the cockpit cannot record (exit 2)."""


def system_now() -> datetime:
    """The machine's time (aware UTC); ClockError unless EARLIEST <= now < LATEST."""
    try:
        now = datetime.now(UTC)
    except (OverflowError, ValueError, OSError):
        raise ClockError(_out_of_range(_overflowed_reading())) from None
    if not EARLIEST <= now < LATEST:  # Python's reading stops at LATEST: it saturates there
        reading = _stamp(now) if now < EARLIEST else f"{_stamp(LATEST)} or later"
        raise ClockError(_out_of_range(reading))
    return now


def system_ms() -> int:
    """The machine's time in Unix milliseconds (for ids); ClockError out of range."""
    return (system_now() - EARLIEST) // timedelta(milliseconds=1)


def _stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%S}Z"


def _out_of_range(reading: str) -> str:
    return (
        f"the machine's clock reads {reading}, outside the times the cockpit can record "
        f"({_stamp(EARLIEST)} to {_stamp(LATEST)}); set the clock right and try again "
        "(nothing was logged)"
    )


def _overflowed_reading() -> str:
    """What the system clock reads when Python cannot hold it (past 64-bit nanoseconds
    either way): the C library's clock_gettime, in whole seconds since 1970."""
    try:
        import ctypes

        class Timespec(ctypes.Structure):
            _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_long)]

        spec = Timespec()
        if ctypes.CDLL(None).clock_gettime(0, ctypes.byref(spec)) != 0:  # CLOCK_REALTIME
            raise OSError
        seconds = int(spec.tv_sec)
    except (OSError, AttributeError, TypeError):
        return "a time too far from 1970 to read"
    try:
        when = EARLIEST + timedelta(seconds=seconds)
    except OverflowError:
        return f"{seconds} seconds from 1970"
    if when < EARLIEST:
        return _stamp(when)
    # A clock that saturates (as a faked one may) reads the last second Python can hold.
    return _stamp(when) if when > LATEST else f"{_stamp(LATEST)} or later"


class SystemClock:
    """The machine's time, to the millisecond (as precise as a ULID, and easier to read).
    A time outside what the cockpit can record raises ClockError."""

    def now(self) -> datetime:
        now = system_now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class ScaledClock:
    """Story time for exercises: starts at `start`, runs `speed` times faster, can pause."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._story = start.astimezone(UTC)
        self._real = time.monotonic()
        self._speed = speed
        self._paused = False

    def now(self) -> datetime:
        with self._lock:
            if self._paused:
                return self._story
            elapsed = (time.monotonic() - self._real) * self._speed
            return self._story + timedelta(seconds=elapsed)

    def _rebase(self) -> None:
        now = self.now()
        with self._lock:
            self._story, self._real = now, time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._rebase()
        self._speed = speed

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._real = time.monotonic()
        self._paused = False


def local_zone_name() -> str:
    """This machine's IANA time zone name ("UTC" when it cannot be told)."""
    return zone_lookup()[0]


def zone_warning() -> str | None:
    """Why `TZ` is not used, when it is set to something that names no known zone."""
    return zone_lookup()[1]


def zone_lookup() -> tuple[str, str | None]:
    """This machine's zone name, from `TZ` (an IANA name such as Europe/Berlin, or a path
    into a zoneinfo folder) or else the system's setting; and a warning when `TZ` is set
    but names no zone, saying which zone is used instead."""
    raw = os.environ.get("TZ", "")
    wanted = raw.lstrip(":")
    if "/zoneinfo/" in wanted:  # TZ=:/usr/share/zoneinfo/Europe/Berlin
        wanted = wanted.split("/zoneinfo/", 1)[1]
    if wanted and _known(wanted):
        return wanted, None
    name = _system_zone_name()
    if not raw:
        return name, None
    used = "UTC" if name == "UTC" else f"{name} (the system's zone)"
    return name, f"TZ={raw}: not a known time zone; using {used}"


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _system_zone_name() -> str:
    try:
        target = str(Path("/etc/localtime").resolve())
        marker = "/zoneinfo/"
        if marker in target:
            name = target.split(marker, 1)[1]
            if _known(name):
                return name
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name and _known(name):
            return name
    except OSError:
        pass
    return "UTC"


def zone(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo for `name`, or for this machine when no name is given."""
    try:
        return ZoneInfo(name or local_zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
