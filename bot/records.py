"""The records and statuses shared by the store (which returns them), the services and render
(which read them), so that render never imports the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import InvalidStatus

#: A topic's progress status, as stored.
DONE = "done"
SKIPPED = "skipped"
IN_PROGRESS = "in_progress"
STATUSES = (DONE, SKIPPED, IN_PROGRESS)


def check_status(status: str) -> str:
    """`status` itself, or InvalidStatus."""
    if status not in STATUSES:
        raise InvalidStatus(status)
    return status


@dataclass(frozen=True, slots=True)
class DailySchedule:
    guild_id: int
    channel_id: int
    local_time: str  # `HH:MM`
    time_zone: str
    roadmap_id: str | None  # None: the server's default roadmap
    ping_role_id: int | None
    enabled: bool
    disabled_reason: str | None
    next_date: date
    next_fire_at: datetime
    cursor_roadmap_id: str | None
    last_topic_id: str | None
    last_position: int | None
    last_posted_date: date | None
    jump_topic_id: str | None
    revision: int
    default_roadmap: str | None = None  # the server's default, joined in for convenience


@dataclass(frozen=True, slots=True)
class DailyPost:
    guild_id: int
    local_date: date
    status: str
    channel_id: int | None
    roadmap_id: str | None
    topic_id: str | None
    topic_position: int | None
    ping_role_id: int | None
    scheduled_for: datetime | None
    claimed_at: datetime
    attempts: int
    first_attempt_at: datetime | None
    finished_at: datetime | None
    message_id: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Reminder:
    """One member's reminder in one server, as the tick and the commands see it."""

    guild_id: int
    user_id: int
    local_time: str  # `HH:MM`
    time_zone: str | None
    next_date: date
    next_fire_at: datetime
    dm_channel_id: int | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A ledger row: one reminder DM of one local date."""

    guild_id: int
    user_id: int
    local_date: date
    status: str
    topic_id: str | None
    claimed_at: datetime
    attempts: int
    first_attempt_at: datetime | None
    message_id: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class StageReward:
    guild_id: int
    roadmap_id: str
    stage_id: str
    role_id: int
