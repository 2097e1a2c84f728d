"""How values are written to the database, and read back once, in the store: UTC timestamps
as fixed-width text, dates as ISO (wall-clock times of day are `HH:MM`, which the schedule
repositories read with `time.fromisoformat`).

Repositories decode what they read with these before handing records out, so no caller
re-parses a stored string on every use (a tick, a render).
"""

from __future__ import annotations

from datetime import UTC, date, datetime


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
