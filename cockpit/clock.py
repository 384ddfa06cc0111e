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


class SystemClock:
    """The machine's time, to the millisecond (as precise as a ULID, and easier to read)."""

    def now(self) -> datetime:
        now = datetime.now(UTC)
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
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
        marker = "/zoneinfo/"
        if marker in target:
            name = target.split(marker, 1)[1]
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def zone(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo for `name`, or for this machine when no name is given."""
    try:
        return ZoneInfo(name or local_zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
