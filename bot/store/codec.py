"""How values are written to the database: UTC timestamps as fixed-width text, dates as ISO."""

from __future__ import annotations

from datetime import UTC, date, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def encode_time(moment: datetime) -> str:
    """An aware datetime -> `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC (sorts as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime(_FORMAT)


def decode_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def encode_date(day: date) -> str:
    return day.isoformat()


def decode_date(text: str) -> date:
    return date.fromisoformat(text)
