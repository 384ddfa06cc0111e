"""Times on the wire and on the screen.

Every stored time is UTC, written RFC 3339 with a `Z` (`2026-03-04T15:23:00Z`); fractional
seconds appear only when there are any.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo


def to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; cockpit times are always aware")
    return dt.astimezone(UTC)


def format_ts(dt: datetime) -> str:
    """`2026-03-04T15:23:00Z`, or with fractional seconds when the time has them."""
    dt = to_utc(dt)
    text = (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )
    if dt.microsecond:
        text += "." + f"{dt.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_ts(text: str) -> datetime:
    """Read an RFC 3339 time with a zone (Z or an offset) into aware UTC."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return dt.astimezone(UTC)


def to_us(dt: datetime) -> int:
    """Microseconds since the Unix epoch: an integer that sorts like the time."""
    delta = to_utc(dt) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_duration(delta: timedelta | float, *, seconds: bool = False) -> str:
    """A short human duration: `4 min`, `1 h 30 min`, `45 s` (with seconds=True)."""
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rem = divmod(total, 86_400)
    hours, rem = divmod(rem, 3_600)
    minutes, secs = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes or (not parts and not seconds):
        parts.append(f"{minutes} min")
    if seconds and (secs or not parts):
        parts.append(f"{secs} s")
    return sign + " ".join(parts)


def format_clock(delta: timedelta) -> str:
    """A countdown as `MM:SS` or `H:MM:SS`, without sign."""
    total = abs(int(delta.total_seconds()))
    hours, rem = divmod(total, 3600)
    minutes, secs = divmod(rem, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def local_time(dt: datetime, tz: tzinfo | None, *, seconds: bool = False) -> str:
    """`15:23` (or `15:23:10`) in the given zone."""
    value = dt.astimezone(tz) if tz is not None else dt
    return value.strftime("%H:%M:%S" if seconds else "%H:%M")


_DURATION_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
MAX_DURATION = timedelta(days=3660)  # ten years: anything longer is a typo
_DIGITS = "0123456789"


def ascii_digits(text: str, what: str, *, example: str = "") -> None:
    """Refuse digits other than 0-9 (Arabic-Indic, fullwidth, superscript...): int() and
    regular expressions' \\d would read `١٥:٢٣` as 15:23, but a person reading the log
    could not tell, and the rest of the cockpit writes times with 0-9. ValueError names
    the first such digit, or gives `example` of what to write."""
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            tail = f", {example}" if example else f" (not {ch!r})"
            raise ValueError(f"{text!r}: write {what} with the digits 0-9{tail}")


def parse_duration(text: str) -> timedelta:
    """`90s`, `5m`, `1h`, `1h30m`, `2d`; a bare number is minutes.

    Raises ValueError with a sentence saying what was expected.
    """
    raw = text.strip().lower()
    if not raw:
        raise ValueError("expected a duration like 5m, 90s, 1h or 1h30m")
    ascii_digits(text, "durations", example="as in 5m or 1h30m")  # ٥m, ５m: int() takes them
    if all(ch in _DIGITS for ch in raw):
        raw += "m"
    total = 0
    number = ""
    seen: list[str] = []
    for ch in raw:
        if ch in _DIGITS:
            number += ch
        elif ch in _DURATION_UNITS and number:
            if seen and "dhms".index(ch) <= "dhms".index(seen[-1]):
                raise ValueError(f"{text!r}: units go from largest to smallest, as in 1h30m")
            total += int(number) * _DURATION_UNITS[ch]
            seen.append(ch)
            number = ""
        else:
            raise ValueError(f"{text!r} is not a duration; expected one like 5m, 90s, 1h or 1h30m")
    if number:
        raise ValueError(f"{text!r} ends with a number without a unit; expected one like 1h30m")
    if total > MAX_DURATION.total_seconds():
        raise ValueError(f"{text!r} is longer than ten years; expected one like 5m or 1h30m")
    return timedelta(seconds=total)


def duration_text(seconds: int) -> str:
    """The inverse of parse_duration for whole seconds: 900 -> `15m`, 5400 -> `1h30m`."""
    if seconds == 0:
        return "0m"
    out = ""
    for unit in "dhms":
        size = _DURATION_UNITS[unit]
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out
