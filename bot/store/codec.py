"""How values are written to the database, and read back once, in the store: UTC timestamps
as fixed-width text, dates as ISO, wall-clock times of day as `HH:MM`.

Repositories decode what they read with these before handing records out, so no caller
re-parses a stored string on every use (a tick, a render).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def encode_time(moment: datetime) -> str:
    """An aware datetime -> `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC (sorts as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def decode_time(text: str | None) -> datetime | None:
    # fromisoformat reads the trailing "Z" as UTC (Python 3.11+) and is ~40x faster than
    # strptime, which matters: every progress row carries three timestamps.
    return None if text is None else datetime.fromisoformat(text)


def decode_instant(text: str) -> datetime:
    """`decode_time` of a column that is never NULL."""
    return datetime.fromisoformat(text)


def encode_date(day: date) -> str:
    return day.isoformat()


def decode_date(text: str) -> date:
    return date.fromisoformat(text)


def encode_clock_time(value: time) -> str:
    """A local time of day -> `HH:MM` (seconds are not stored: schedules are per minute)."""
    return f"{value.hour:02d}:{value.minute:02d}"


def decode_clock_time(text: str) -> time:
    """A stored `HH:MM` -> time. The store only holds times it wrote, so a malformed one is a
    broken database (ValueError), not a member's typo."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
