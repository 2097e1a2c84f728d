"""The ReminderPlanner: a member's daily DM with their next topic, exactly once per local day.

Same pattern as the daily posts (DESIGN section 4): the tick first settles DMs a crash left
`sending`, then claims each due reminder's (server, member, local date) in the ledger while
advancing its schedule in the member's zone, sends, and records the outcome. A member who
finished the roadmap gets no DM (nothing to remind of) and the schedule simply moves on.
A member whose DMs are closed (50007) has the reminder turned off, the reason in the ledger.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.records import Delivery, Reminder
from bot.roadmap.model import Roadmap, Topic
from bot.services.clock import Clock
from bot.services.daily_rules import fire_time, first_date, plan_due, reminder_nonce
from bot.services.delivery import (
    RESEND_WINDOW,
    ReminderRequest,
    ReminderSender,
    SendOutcome,
    attempt_counted,
    unfinished_fate,
)
from bot.services.timezones import format_local_time, parse_local_time, parse_zone, pick_zone
from bot.store.reminders import ReminderClaim, ReminderRepository

log = logging.getLogger(__name__)

BATCH_SIZE = 100

#: (guild_id, user_id) -> the roadmap the member studies there and their next topic (None when
#: they finished it). Reading it must not change the member's progress.
NextTopicSource = Callable[[int, int], Awaitable[tuple[Roadmap, Topic | None]]]


@dataclass
class ReminderReport:
    """What one tick did, for logs and tests."""

    sent: int = 0
    finished: int = 0  # members who finished the roadmap: no DM
    late: int = 0  # due more than the grace ago: skipped
    turned_off: int = 0
    retrying: int = 0
    unknown: int = 0

    def any(self) -> bool:
        return any(vars(self).values())


class ReminderPlanner:
    def __init__(
        self,
        store: ReminderRepository,
        clock: Clock,
        sender: ReminderSender,
        next_topic: NextTopicSource,
        zones: Callable[[int, int], Awaitable[tuple[str | None, str | None]]],
        *,
        grace: timedelta = timedelta(minutes=120),
        resend_window: timedelta = RESEND_WINDOW,
        pace: Callable[[], Awaitable[object]] | None = None,
        batch_size: int = BATCH_SIZE,
        concurrency: int = 64,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.grace = grace
        self.resend_window = resend_window
        self.batch_size = batch_size
        self._next_topic = next_topic
        self._zones = zones  # (member's zone, server's zone)
        self._pace = pace
        self._in_flight: set[tuple[int, int, date]] = set()
        self._tick_lock = asyncio.Lock()
        # Sends waiting for Discord at once: thousands due in one minute queue here, not as
        # thousands of open requests.
        self._sending = asyncio.Semaphore(concurrency)

    # --- the member's commands --------------------------------------------------------------

    async def set(
        self, guild_id: int, user_id: int, time_text: str, zone_name: str | None = None
    ) -> Reminder:
        """`remind set`: the time in `zone_name`, else the member's zone, else the server's,
        else UTC. Raises InvalidTime / InvalidTimeZone before anything is written."""
        at = parse_local_time(time_text)
        if zone_name is not None and zone_name.strip():
            zone = parse_zone(zone_name)
        else:
            zone = pick_zone(*await self._zones(guild_id, user_id))
        now = self.clock.now()
        day = first_date(at, zone, now)
        # A reminder already sent today is not sent again today after a change of time.
        last = await self.store.last_delivery(guild_id, user_id)
        if last is not None and last.local_date >= day:
            day = last.local_date + timedelta(days=1)
        return await self.store.save(
            guild_id,
            user_id,
            local_time=format_local_time(at),
            time_zone=zone.key,
            next_date=day,
            next_fire_at=fire_time(day, at, zone),
            now=now,
        )

    async def turn_off(self, guild_id: int, user_id: int) -> bool:
        return await self.store.turn_off(guild_id, user_id, self.clock.now())

    async def get(self, guild_id: int, user_id: int) -> Reminder | None:
        return await self.store.get(guild_id, user_id)

    async def refusal(self, guild_id: int, user_id: int) -> Delivery | None:
        """The refused DM that turned the member's reminder off (its date and Discord's
        reason), when that is why they have none; None otherwise."""
        if await self.store.get(guild_id, user_id) is not None:
            return None
        last = await self.store.last_delivery(guild_id, user_id)
        return last if last is not None and last.status == "failed" else None

    # --- the tick ---------------------------------------------------------------------------

    async def tick(self) -> ReminderReport:
        async with self._tick_lock:
            report = ReminderReport()
            tasks: list[asyncio.Task[SendOutcome]] = []
            await self._resolve_unfinished(tasks, report)
            now = self.clock.now()
            while True:
                due = await self.store.due(now, self.batch_size)
                if due:
                    await self._claim_and_send(due, now, tasks, report)
                if len(due) < self.batch_size:
                    break
                await asyncio.sleep(0)
            for outcome in await asyncio.gather(*tasks):
                _count(report, outcome)
            return report

    async def _claim_and_send(
        self,
        due: list[Reminder],
        now: datetime,
        tasks: list[asyncio.Task[SendOutcome]],
        report: ReminderReport,
    ) -> None:
        claims: list[ReminderClaim] = []
        chosen: list[tuple[Roadmap, Topic] | None] = []
        plans = [
            plan_due(
                reminder.next_date,
                parse_local_time(reminder.local_time),
                pick_zone(reminder.time_zone),
                now,
                self.grace,
            )
            for reminder in due
        ]
        # The members' next topics are independent reads: together they use every reader.
        topics = await asyncio.gather(
            *(
                self._topic_if(plan.post_date is not None, reminder)
                for reminder, plan in zip(due, plans, strict=True)
            )
        )
        for reminder, plan, found in zip(due, plans, topics, strict=True):
            pick: tuple[Roadmap, Topic] | None = None
            if plan.post_date is None:
                report.late += 1
            elif found is None or found[1] is None:
                report.finished += 1
            else:
                pick = (found[0], found[1])
            chosen.append(pick)
            claims.append(
                ReminderClaim(
                    guild_id=reminder.guild_id,
                    user_id=reminder.user_id,
                    from_date=reminder.next_date,
                    send_date=plan.post_date if pick else None,
                    topic_id=pick[1].id if pick else None,
                    next_date=plan.next_date,
                    next_fire_at=plan.next_fire_at,
                )
            )
        claimed = await self.store.claim(claims, now)
        for reminder, claim, pick, ours in zip(due, claims, chosen, claimed, strict=True):
            if ours and pick is not None and claim.send_date is not None:
                request = ReminderRequest(
                    guild_id=claim.guild_id,
                    user_id=claim.user_id,
                    local_date=claim.send_date,
                    roadmap=pick[0],
                    topic=pick[1],
                    dm_channel_id=reminder.dm_channel_id,
                    nonce=reminder_nonce(claim.guild_id, claim.user_id, claim.send_date),
                )
                tasks.append(self._spawn(request))

    async def _topic_if(
        self, wanted: bool, reminder: Reminder
    ) -> tuple[Roadmap, Topic | None] | None:
        return await self._next_topic(reminder.guild_id, reminder.user_id) if wanted else None

    def _spawn(self, request: ReminderRequest) -> asyncio.Task[SendOutcome]:
        self._in_flight.add((request.guild_id, request.user_id, request.local_date))
        return asyncio.ensure_future(self._deliver(request))

    async def _deliver(self, request: ReminderRequest) -> SendOutcome:
        key = (request.guild_id, request.user_id, request.local_date)
        try:
            async with self._sending:
                return await self._attempt(key, request)
        finally:
            self._in_flight.discard(key)

    async def _attempt(self, key: tuple[int, int, date], request: ReminderRequest) -> SendOutcome:
        outcome = await attempt_counted(
            pace=self._pace,
            begin_attempt=lambda: self.store.begin_attempt(*key, self.clock.now()),
            send=lambda: self.sender.send_reminder(request),
            what="reminder guild={} member={} date={}".format(*key),
        )
        if outcome.kind != "skipped":
            await self._record(key, outcome)
        return outcome

    async def _record(self, key: tuple[int, int, date], outcome: SendOutcome) -> None:
        now = self.clock.now()
        if outcome.kind == "sent" and outcome.message_id is not None:
            await self.store.mark_sent(
                *key, outcome.message_id, dm_channel_id=outcome.channel_id, now=now
            )
            log.info("reminder guild=%s member=%s date=%s sent", *key)
        elif outcome.kind == "refused":
            reason = outcome.reason or "Discord refused the DM"
            await self.store.mark_refused(*key, reason, now)
            log.warning("reminder guild=%s member=%s date=%s refused, turned off: %s", *key, reason)
        else:
            await self.store.note_error(*key, outcome.reason or "no answer")
            log.warning(
                "reminder guild=%s member=%s date=%s will be retried: %s", *key, outcome.reason
            )

    # --- crash resolution -------------------------------------------------------------------

    async def _resolve_unfinished(
        self, tasks: list[asyncio.Task[SendOutcome]], report: ReminderReport
    ) -> None:
        now = self.clock.now()
        for row in await self.store.unfinished():
            key = (row.guild_id, row.user_id, row.local_date)
            if key in self._in_flight:
                continue
            fate = unfinished_fate(
                attempts=row.attempts, due=row.claimed_at, first_attempt_at=row.first_attempt_at,
                now=now, grace=self.grace, resend_window=self.resend_window,
            )  # fmt: skip
            request = await self._request_from_row(row) if fate == "resend" else None
            if request is not None:
                # Never attempted, or attempted minutes ago: the same nonce makes it safe.
                tasks.append(self._spawn(request))
                continue
            # A DM leaves no trace we could look up: a doubtful one is never sent blindly.
            status = "missed" if row.attempts == 0 else "unknown"
            error = (
                "the bot stopped before sending it"
                if row.attempts == 0
                else "the bot stopped while sending it; not sent again"
            )
            await self.store.settle(*key, status=status, error=error, now=now)
            report.unknown += 1
            log.warning("reminder guild=%s member=%s date=%s %s: %s", *key, status, error)

    async def _request_from_row(self, row: Delivery) -> ReminderRequest | None:
        roadmap, topic = await self._next_topic(row.guild_id, row.user_id)
        if topic is None:
            return None
        return ReminderRequest(
            guild_id=row.guild_id,
            user_id=row.user_id,
            local_date=row.local_date,
            roadmap=roadmap,
            topic=topic,
            dm_channel_id=await self.store.dm_channel(row.guild_id, row.user_id),
            nonce=reminder_nonce(row.guild_id, row.user_id, row.local_date),
        )


def _count(report: ReminderReport, outcome: SendOutcome) -> None:
    if outcome.kind == "sent":
        report.sent += 1
    elif outcome.kind == "refused":
        report.turned_off += 1
    elif outcome.kind == "retry":
        report.retrying += 1
