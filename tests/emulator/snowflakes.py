"""Time-based Discord snowflakes, unique within one emulator, as Discord issues them."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Issues ids whose upper bits are the creation time, so discord.py's `created_at` is right."""

    def __init__(self, worker: int = 1) -> None:
        self._worker = worker & 0x1F
        self._increment = itertools.count()
        self._last = 0

    def next(self) -> int:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        # Never go backwards, even if the wall clock does: ids must stay unique and ordered.
        candidate = (now_ms << 22) | (self._worker << 17) | (next(self._increment) & 0xFFF)
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> datetime:
    """The moment a snowflake was issued."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def iso_timestamp(moment: datetime | None = None) -> str:
    """Discord's timestamp format (ISO 8601 with microseconds and +00:00)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
