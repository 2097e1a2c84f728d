"""Pure rules of daily posts and reminders: when each local day fires, what a late tick does,
and which topic is the topic of the day (a send's nonce is the ledger's: services/ledger.py).

No I/O here: the DailyPlanner and ReminderPlanner apply these rules to stored state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.roadmap.model import Roadmap, Topic
from bot.services.timezones import local_date, localize

# After a long outage only the most recent missed days are written to the ledger: enough for
# `daily status` to explain the gap without writing a row per server per day of a month away.
MAX_MISSED_RECORDED = 7


@dataclass(frozen=True, slots=True)
class FirePlan:
    """What a tick does for one due schedule.

    `post_date` is the local date to post now (None when it is too late for every due day),
    `missed` the earlier local dates to record as missed (the most recent ones only), and
    `next_date` / `next_fire_at` where the schedule waits next.
    """

    post_date: date | None
    scheduled_for: datetime | None
    missed: tuple[date, ...]
    next_date: date
    next_fire_at: datetime


# Pure, and asked again and again with the same values: a tick plans thousands of schedules
# that share a few local times, zones and dates (~20 us each to compute, ~0.2 us remembered).
@lru_cache(maxsize=4096)
def fire_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local date `day` fires (DST gap and fold rules of `localize`)."""
    return localize(day, at, zone)


def first_date(at: time, zone: ZoneInfo, now: datetime) -> date:
    """The first local date of a new (or changed) schedule: today if its time is still ahead,
    else tomorrow. A time set at 09:05 for 09:00 does not post at once: it starts tomorrow."""
    today = local_date(now, zone)
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        if fire_time(day, at, zone) > now:
            return day
    return today + timedelta(days=2)  # unreachable for real zones; keeps the type total


@lru_cache(maxsize=4096)
def plan_due(
    next_date: date, at: time, zone: ZoneInfo, now: datetime, grace: timedelta
) -> FirePlan:
    """Decide what to do for a schedule whose `next_date` may have come.

    Only the latest local date whose time has passed can be posted, and only when it is at most
    `grace` late; every earlier date, and that one when later than `grace`, is missed. Past days
    are never posted.
    """
    latest_due = None
    # The latest due day is today or yesterday in the zone (never more than one day off).
    today = local_date(now, zone)
    for day in (today + timedelta(days=1), today, today - timedelta(days=1)):
        if day >= next_date and fire_time(day, at, zone) <= now:
            latest_due = day
            break
    if latest_due is None:
        if fire_time(next_date, at, zone) > now:
            return FirePlan(None, None, (), next_date, fire_time(next_date, at, zone))
        # next_date is more than a day behind today: everything from it up to yesterday passed.
        latest_due = today - timedelta(days=1)

    scheduled = fire_time(latest_due, at, zone)
    on_time = now - scheduled <= grace
    missed_until = latest_due if on_time else latest_due + timedelta(days=1)
    missed_days = (missed_until - next_date).days
    first_recorded = next_date + timedelta(days=max(0, missed_days - MAX_MISSED_RECORDED))
    missed = tuple(
        first_recorded + timedelta(days=i) for i in range((missed_until - first_recorded).days)
    )
    following = latest_due + timedelta(days=1)
    return FirePlan(
        post_date=latest_due if on_time else None,
        scheduled_for=scheduled if on_time else None,
        missed=missed,
        next_date=following,
        next_fire_at=fire_time(following, at, zone),
    )


def topic_of_the_day(
    roadmap: Roadmap,
    *,
    last_topic_id: str | None,
    last_position: int | None,
    jump_topic_id: str | None = None,
) -> Topic | None:
    """The topic the next post shows: the one a moderator jumped to, else the one after the last
    posted topic (wrapping to the first after the last), else the first.

    The cursor is the id of the last posted topic, so reordering and inserting topics keep the
    walk where it was; a renamed topic is followed through `replaces`. When the last posted
    topic left the content entirely, the topic that now sits at its old position comes next
    (the first one when that position is past the end).
    """
    topics = roadmap.topics
    if not topics:
        return None
    if jump_topic_id is not None:
        jumped = roadmap.resolve(jump_topic_id)
        if jumped is not None:
            return roadmap.topic(jumped)
    if last_topic_id is None:
        return topics[0]
    live = roadmap.resolve(last_topic_id)
    if live is not None:
        position = roadmap.topic_position(live)
        assert position is not None
        return topics[(position + 1) % len(topics)]
    if last_position is not None and 0 <= last_position < len(topics):
        return topics[last_position]
    return topics[0]  # it was at or past the new end: the walk wraps


def nth_daily_topic(roadmap: Roadmap, n: int) -> Topic | None:
    """The topic of the n-th post (1-based) of a new schedule, wrapping after the last topic."""
    if not roadmap.topics or n < 1:
        return None
    return roadmap.topics[(n - 1) % len(roadmap.topics)]
