"""The records and statuses shared by the store (which returns them), the services and render
(which read them), so that render never imports the store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

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


def _instant(text: str) -> datetime:
    # The store's fixed-width UTC text (bot/store/codec.py encode_time); fromisoformat reads
    # its trailing "Z" as UTC.
    return datetime.fromisoformat(text)


class ProgressRow(NamedTuple):
    """One stored row. Timestamps stay as stored (fixed-width UTC text, which orders like the
    instants it encodes) and are decoded on access: a mark reads every row of the member but
    needs hardly any of them as datetimes. A named tuple, not a frozen dataclass: a mark makes
    one per topic on the writer thread, and a frozen dataclass's `__init__` costs ~3x as much
    (each field set through `object.__setattr__`)."""

    topic_id: str
    status: str
    started: str
    updated: str
    completed: str | None
    checked: str | None = None  # when the topic's self-check was passed; None: not passed

    @property
    def started_at(self) -> datetime:
        return _instant(self.started)

    @property
    def updated_at(self) -> datetime:
        return _instant(self.updated)

    @property
    def completed_at(self) -> datetime | None:
        return None if self.completed is None else _instant(self.completed)

    @property
    def checked_at(self) -> datetime | None:
        return None if self.checked is None else _instant(self.checked)


def latest_of(rows: Iterable[ProgressRow], topic_ids: Collection[str]) -> ProgressRow | None:
    """The row that decides a topic's status when progress may sit under several ids (the
    topic's own and the old ids it `replaces`): the most recently updated one; on a tie, the
    first id in `topic_ids` (the live id) wins."""
    order = {topic_id: index for index, topic_id in enumerate(topic_ids)}
    best: ProgressRow | None = None
    for row in rows:
        if row.topic_id not in order:
            continue
        if best is None or (row.updated, -order[row.topic_id]) > (
            best.updated,
            -order[best.topic_id],
        ):
            best = row
    return best


@dataclass(frozen=True, slots=True)
class Score:
    """A member's place on a leaderboard."""

    user_id: int
    count: int
    rank: int  # 1-based; equal counts share a rank


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    guild_id: int
    channel_id: int
    weekday: int  # 0 = Monday
    local_time: time
    time_zone: str
    enabled: bool
    disabled_reason: str | None
    next_period: str  # the ISO week of the next post, `YYYY-Www`
    next_fire_at: datetime


@dataclass(frozen=True, slots=True)
class DailySchedule:
    guild_id: int
    channel_id: int
    local_time: time  # the post's local time of day (minutes)
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
    open_thread: bool = False  # a discussion thread is opened on each day's post


@dataclass(frozen=True, slots=True)
class Reminder:
    """One member's reminder in one server, as the tick and the commands see it."""

    guild_id: int
    user_id: int
    local_time: time  # the DM's local time of day (minutes)
    time_zone: str | None
    next_date: date
    next_fire_at: datetime
    dm_channel_id: int | None
    #: Skip the DM on a local day the member already studied (a completion that day).
    only_if_idle: bool = False


#: The kinds of scheduled send, as the delivery ledger stores them.
DAILY = "daily"
REMINDER = "reminder"
WEEKLY = "weekly"
#: Every kind the ledger knows (the schema's CHECK lists them); each nonce starts with its letter.
DELIVERY_KINDS = (DAILY, REMINDER, WEEKLY)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the delivery ledger: one scheduled send of one kind to one subject (the server
    for a daily post, the member for a reminder) for one period (a local date, or an ISO week
    `YYYY-Www`), with what a resend needs and how it went."""

    kind: str
    guild_id: int
    subject_id: int
    period: str
    status: str  # sending | sent | failed | missed | unknown
    claimed_at: datetime
    attempts: int = 0
    first_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    message_id: int | None = None
    error: str | None = None
    channel_id: int | None = None
    roadmap_id: str | None = None
    topic_id: str | None = None
    topic_position: int | None = None
    ping_role_id: int | None = None
    scheduled_for: datetime | None = None
    thread_id: int | None = None  # the thread opened on a daily post

    @property
    def local_date(self) -> date:
        """The local date of a daily post or a reminder (not of a weekly post)."""
        return date.fromisoformat(self.period)

    @property
    def user_id(self) -> int:
        """The member a reminder went to."""
        return self.subject_id


@dataclass(frozen=True, slots=True)
class StageReward:
    guild_id: int
    roadmap_id: str
    stage_id: str
    role_id: int
