"""The WeeklyPlanner: the server's weekly leaderboard post, exactly once per server and ISO week.

Planned like the daily post: a schedule (weekday, local time, zone) waits at the ISO week of its
next post (`next_period`, `YYYY-Www`) and the UTC instant it fires (`next_fire_at`). A tick
claims each due week in the delivery ledger (kind `weekly`, nonce starting with `w`) and moves
the schedule to the next week in the same transaction; the ledger (services/ledger.py) sends,
records and resolves crashes as for every scheduled send. A week the bot was down through by
more than the grace is recorded as missed, never posted late.

The post shows the week's leaderboard (Monday to the moment it is sent, in the server's zone)
from the leaderboard service's public `leaderboard` (which the summary tables make fast); the
board is read when the post is sent, so a resend after a crash shows the same week.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Protocol

from bot.errors import StudyError
from bot.records import WEEKLY, Delivery, WeeklySchedule
from bot.roadmap.model import Roadmap
from bot.services.clock import Clock
from bot.services.delivery import SendOutcome
from bot.services.leaderboard import Leaderboard
from bot.services.ledger import RESEND_WINDOW, DeliveryLedger, TickRun, delivery_nonce
from bot.services.timezones import (
    local_date,
    localize,
    parse_local_time,
    parse_zone,
    zone_or_utc,
)
from bot.store.ledger import Claim, DeliveryKey, Effect
from bot.store.moderation import ModerationRepository, WeeklyStep, weekly_key

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: When a moderator names no day and time: Sunday evening, when the week is nearly over.
DEFAULT_WEEKDAY = 6
DEFAULT_TIME = "18:00"
BATCH_SIZE = 100
OFFLINE = "the bot was offline too long"
NOT_IN_HISTORY = "not found in the channel after a restart; not sent again"


def iso_week(day: date) -> str:
    """The ISO week holding `day`, as the ledger's period: `2026-W10`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def day_of_week(period: str, weekday: int) -> date:
    """The date of `weekday` (0 = Monday) in the ISO week `period`."""
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), weekday + 1)


def parse_weekday(text: str | None) -> int:
    """`monday`..`sunday` (any case, or their first three letters) as 0..6; None: Sunday."""
    if text is None or not text.strip():
        return DEFAULT_WEEKDAY
    cleaned = text.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if cleaned == name or (len(cleaned) >= 3 and name.startswith(cleaned)):
            return number
    raise StudyError(f"`{text}` is not a day of the week; use monday, tuesday, … or sunday.")


def next_occurrence(
    weekday: int, at: time, zone_name: str, after: datetime
) -> tuple[str, datetime]:
    """The first (ISO week, UTC fire time) of `weekday` at local `at` strictly after `after`."""
    zone = zone_or_utc(zone_name)
    start = local_date(after, zone) - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        fire_at = localize(day, at, zone)
        if fire_at > after:
            return iso_week(day), fire_at
    raise AssertionError("a weekday recurs within 9 days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class WeeklyPostRequest:
    """One weekly post to send: where, for which week, with which nonce. The board itself is
    read when it is sent."""

    guild_id: int
    channel_id: int
    period: str
    nonce: str


@dataclass(frozen=True, slots=True)
class WeeklyBoard:
    """What the weekly post shows: the week's leaderboard of the server's roadmap."""

    roadmap: Roadmap
    board: Leaderboard


class WeeklySender(Protocol):
    async def send_weekly(self, request: WeeklyPostRequest, board: WeeklyBoard) -> SendOutcome:
        """Post it with `request.nonce`; `refused` (with a reason for moderators) for good."""
        ...

    async def find_weekly_post(self, channel_id: int, period: str) -> SendOutcome:
        """Our weekly post of that ISO week in the channel's recent history: `sent`, `missing`,
        or `refused`/`retry` when the history cannot be read."""
        ...


#: Reads the week's board of a server (wiring: the server's roadmap, the leaderboard service).
BoardOf = Callable[[int], Awaitable[WeeklyBoard]]
#: Tells the server's moderators (their log channel) a line.
Report = Callable[[int, str], Awaitable[object]]


@dataclass
class WeeklyReport:
    posted: int = 0
    missed: int = 0
    failed: int = 0
    skipped: int = 0


class WeeklyCourier:
    """What the ledger needs of the weekly post."""

    def __init__(
        self,
        store: ModerationRepository,
        clock: Clock,
        sender: WeeklySender,
        board_of: BoardOf,
        report: Report | None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.board_of = board_of
        self.report = report

    async def send(self, request: WeeklyPostRequest) -> SendOutcome:
        outcome = await self.sender.send_weekly(request, await self.board_of(request.guild_id))
        if outcome.kind == "refused" and self.report is not None:
            reason = outcome.reason or "Discord refused it"
            await self.report(
                request.guild_id,
                f"📴 The weekly leaderboard post is turned off: {reason}. "
                "`/roadmap-admin weekly` with a channel turns it on again.",
            )
        return outcome

    async def rebuild(self, row: Delivery) -> WeeklyPostRequest | None:
        if row.channel_id is None:
            return None
        key = weekly_key(row.guild_id, row.period)
        return WeeklyPostRequest(row.guild_id, row.channel_id, row.period, delivery_nonce(key))

    async def find_sent(self, row: Delivery) -> SendOutcome:
        if row.channel_id is None:
            return SendOutcome.missing(NOT_IN_HISTORY)
        found = await self.sender.find_weekly_post(row.channel_id, row.period)
        return SendOutcome.missing(NOT_IN_HISTORY) if found.kind == "missing" else found

    def on_sent(self, key: DeliveryKey, outcome: SendOutcome) -> Effect | None:
        return None

    def on_refused(self, key: DeliveryKey, reason: str) -> Effect:
        return self.store.after_weekly_refused(key.guild_id, reason, self.clock.now())


class WeeklyPlanner:
    """Weekly leaderboard posts of every server: the moderators' settings and the tick."""

    def __init__(
        self,
        store: ModerationRepository,
        clock: Clock,
        sender: WeeklySender,
        board_of: BoardOf,
        *,
        report: Report | None = None,
        grace: timedelta = timedelta(minutes=120),
        resend_window: timedelta = RESEND_WINDOW,
        pace: Callable[[], Awaitable[object]] | None = None,
        concurrency: int = 16,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.grace = grace
        self.batch_size = batch_size
        self.ledger = DeliveryLedger(
            WEEKLY, store.ledger, clock, WeeklyCourier(store, clock, sender, board_of, report),
            grace=grace, resend_window=resend_window, pace=pace, concurrency=concurrency,
        )  # fmt: skip

    async def configure(
        self, guild_id: int, channel_id: int, weekday: int, time_text: str, zone_name: str
    ) -> WeeklySchedule:
        """`/roadmap-admin weekly <channel>`: (re)start the schedule from the next occurrence
        of that weekday and local time. Raises InvalidTime / InvalidTimeZone."""
        at = parse_local_time(time_text)
        zone = parse_zone(zone_name)
        now = self.clock.now()
        period, fire_at = next_occurrence(weekday, at, zone.key, now)
        return await self.store.save_weekly(
            guild_id=guild_id, channel_id=channel_id, weekday=weekday, local_time=at,
            time_zone=zone.key, next_period=period, next_fire_at=fire_at, now=now,
        )  # fmt: skip

    async def turn_off(self, guild_id: int, reason: str = "turned off by a moderator") -> bool:
        return await self.store.turn_off_weekly(guild_id, reason, self.clock.now())

    async def schedule(self, guild_id: int) -> WeeklySchedule | None:
        return await self.store.weekly(guild_id)

    async def recent(self, guild_id: int, limit: int = 3) -> list[Delivery]:
        return await self.store.recent_weekly(guild_id, limit)

    async def tick(self) -> WeeklyReport:
        """Settle unfinished posts, then post every week that is due."""
        report = WeeklyReport()
        claim_batch = partial(self._claim_batch, report=report)
        counts = await self.ledger.tick_in_batches(
            self.store.due_weekly, claim_batch, self.batch_size
        )
        report.posted += counts.sent
        report.failed += counts.refused
        report.missed += counts.missed
        return report

    async def _claim_batch(
        self,
        due: Sequence[WeeklySchedule],
        now: datetime,
        run: TickRun[WeeklyPostRequest],
        report: WeeklyReport,
    ) -> None:
        steps: list[WeeklyStep] = []
        requests: dict[DeliveryKey, WeeklyPostRequest] = {}
        for schedule in due:
            key = weekly_key(schedule.guild_id, schedule.next_period)
            late = now - schedule.next_fire_at > self.grace
            claim = (
                Claim(key, status="missed", error=OFFLINE)
                if late
                else Claim(key, channel_id=schedule.channel_id, scheduled_for=schedule.next_fire_at)
            )
            if late:
                report.missed += 1
            else:
                requests[key] = WeeklyPostRequest(
                    schedule.guild_id, schedule.channel_id, schedule.next_period,
                    delivery_nonce(key),
                )  # fmt: skip
            period, fire_at = next_occurrence(
                schedule.weekday, schedule.local_time, schedule.time_zone,
                max(now, schedule.next_fire_at),
            )  # fmt: skip
            steps.append(
                WeeklyStep(schedule.guild_id, schedule.next_period, claim, period, fire_at)
            )

        async def write() -> set[DeliveryKey]:
            claimed = await self.store.claim_weekly(steps, now)
            return {s.claim.key for s, ours in zip(steps, claimed, strict=True) if ours}

        ours = await self.ledger.claiming(requests, write)
        for key, request in requests.items():
            if key in ours:
                run.spawn(key, request)
            else:
                report.skipped += 1
