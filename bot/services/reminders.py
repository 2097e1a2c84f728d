"""The ReminderPlanner: a member's daily DM with their next topic, exactly once per local day.

What is the reminder's own: the member's time and zone, whose standing the DM shows, and where
it goes. Each tick claims each due reminder's (server, member, local date) in the delivery
ledger while advancing its schedule in the member's zone; the ledger (services/ledger.py) sends,
records and resolves crashes, as for every scheduled send. A member who finished the roadmap
gets no DM (nothing to remind of) and the schedule simply moves on; so does an idle-only
reminder (`only_if_idle`) on a local day the member already completed a topic, decided when the
DM is claimed (one read per batch), with no ledger row. A member whose DMs are closed (50007)
has the reminder turned off, the reason in the ledger.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.records import REMINDER, Delivery, Reminder
from bot.services.clock import Clock
from bot.services.daily_rules import fire_time, first_date, plan_due
from bot.services.delivery import ReminderRequest, ReminderSender, SendOutcome
from bot.services.ledger import RESEND_WINDOW, DeliveryLedger, TickRun, delivery_nonce
from bot.services.reminder_contents import ContentsSource
from bot.services.step_budget import StepBudget
from bot.services.timezones import parse_local_time, parse_zone, pick_zone
from bot.store.ledger import Claim, DeliveryKey, Effect
from bot.store.reminders import ReminderClaim, ReminderRepository, reminder_key

BATCH_SIZE = 100


@dataclass
class ReminderReport:
    """What one tick did, for logs and tests."""

    sent: int = 0
    finished: int = 0  # members who finished the roadmap: no DM
    studied: int = 0  # idle-only reminders of members who studied that day: no DM
    late: int = 0  # due more than the grace ago: skipped
    turned_off: int = 0
    retrying: int = 0
    unknown: int = 0  # left by a crash and not resent (missed or unknown)

    def any(self) -> bool:
        return any(vars(self).values())


class ReminderCourier:
    """What the ledger needs of a reminder DM: send it, rebuild it from its row, and what its
    outcome changes (the DM channel remembered, or the reminder turned off)."""

    def __init__(
        self,
        store: ReminderRepository,
        clock: Clock,
        sender: ReminderSender,
        contents: ContentsSource,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.contents = contents

    async def send(self, request: ReminderRequest) -> SendOutcome:
        return await self.sender.send_reminder(request)

    async def rebuild(self, row: Delivery) -> ReminderRequest | None:
        (content,) = await self.contents([(row.guild_id, row.user_id)])
        if content.standing.next_topic is None:
            return None
        return ReminderRequest(
            guild_id=row.guild_id,
            user_id=row.user_id,
            local_date=row.local_date,
            standing=content.standing,
            dm_channel_id=row.channel_id,
            nonce=delivery_nonce(reminder_key(row.guild_id, row.user_id, row.local_date)),
            reviews_due=content.reviews_due,
            review_titles=content.review_titles,
        )

    async def find_sent(self, row: Delivery) -> None:
        return None  # a DM leaves no trace we could look up: a doubtful one is never resent

    def on_sent(self, key: DeliveryKey, outcome: SendOutcome) -> Effect | None:
        return self.store.after_sent(key.guild_id, key.subject_id, outcome.channel_id)

    def on_refused(self, key: DeliveryKey, reason: str) -> Effect:
        return self.store.after_refused(key.guild_id, key.subject_id, self.clock.now())


class ReminderPlanner:
    def __init__(
        self,
        store: ReminderRepository,
        clock: Clock,
        sender: ReminderSender,
        contents: ContentsSource,
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
        self.grace = grace
        self.batch_size = batch_size
        self._contents = contents
        self._zones = zones  # (member's zone, server's zone)
        self.ledger = DeliveryLedger(
            REMINDER, store.ledger, clock, ReminderCourier(store, clock, sender, contents),
            grace=grace, resend_window=resend_window, pace=pace, concurrency=concurrency,
        )  # fmt: skip

    # --- the member's commands --------------------------------------------------------------

    async def set(
        self,
        guild_id: int,
        user_id: int,
        time_text: str,
        zone_name: str | None = None,
        *,
        only_if_idle: bool = False,
    ) -> Reminder:
        """`remind set`: the time in `zone_name`, else the member's zone, else the server's,
        else UTC (`only_if_idle`: no DM on a local day the member already studied). Raises
        InvalidTime / InvalidTimeZone before anything is written."""
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
            guild_id, user_id, local_time=at, time_zone=zone.key, next_date=day,
            next_fire_at=fire_time(day, at, zone), now=now, only_if_idle=only_if_idle,
        )  # fmt: skip

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
        report = ReminderReport()
        claim_batch = partial(self._claim_batch, report=report)
        counts = await self.ledger.tick_in_batches(self.store.due, claim_batch, self.batch_size)
        report.sent += counts.sent
        report.turned_off += counts.refused
        report.retrying += counts.retrying
        report.unknown += counts.missed + counts.unknown
        return report

    async def _claim_batch(
        self,
        due: Sequence[Reminder],
        now: datetime,
        run: TickRun[ReminderRequest],
        report: ReminderReport,
    ) -> None:
        # ~60 us of planning per reminder and as much again to build its claim: a batch's
        # computing is spread over loop steps of a few ms (members' commands run between).
        budget = StepBudget()
        plans = []
        for reminder in due:
            zone = pick_zone(reminder.time_zone)
            plans.append(plan_due(reminder.next_date, reminder.local_time, zone, now, self.grace))
            await budget.spend()
        # Idle-only reminders of members who studied that local day send nothing (one read).
        studied = await self.store.studied_on(
            [
                (reminder.guild_id, reminder.user_id, plan.post_date)
                for reminder, plan in zip(due, plans, strict=True)
                if reminder.only_if_idle and plan.post_date is not None
            ]
        )
        if studied:
            plans = [
                dataclasses.replace(plan, post_date=None)
                if (reminder.guild_id, reminder.user_id) in studied
                else plan
                for reminder, plan in zip(due, plans, strict=True)
            ]
        # What each DM shows is read before the claim (the sender reads nothing), for the
        # whole batch at once: one reader job, not a few point reads per member.
        found = iter(
            await self._contents(
                [
                    (reminder.guild_id, reminder.user_id)
                    for reminder, plan in zip(due, plans, strict=True)
                    if plan.post_date is not None
                ]
            )
        )
        steps: list[ReminderClaim] = []
        requests: dict[DeliveryKey, ReminderRequest] = {}
        for reminder, plan in zip(due, plans, strict=True):
            await budget.spend()
            send = None
            content = next(found) if plan.post_date is not None else None
            if (reminder.guild_id, reminder.user_id) in studied:
                report.studied += 1
            elif plan.post_date is None:
                report.late += 1
            elif content is None or content.standing.next_topic is None:
                report.finished += 1
            else:
                standing, topic = content.standing, content.standing.next_topic
                key = reminder_key(reminder.guild_id, reminder.user_id, plan.post_date)
                send = Claim(
                    key, channel_id=reminder.dm_channel_id, roadmap_id=standing.roadmap.id,
                    topic_id=topic.id,
                )  # fmt: skip
                requests[key] = ReminderRequest(
                    guild_id=reminder.guild_id, user_id=reminder.user_id,
                    local_date=plan.post_date, standing=standing,
                    dm_channel_id=reminder.dm_channel_id, nonce=delivery_nonce(key),
                    reviews_due=content.reviews_due, review_titles=content.review_titles,
                )  # fmt: skip
            steps.append(
                ReminderClaim(
                    guild_id=reminder.guild_id, user_id=reminder.user_id,
                    from_date=reminder.next_date, send=send, next_date=plan.next_date,
                    next_fire_at=plan.next_fire_at,
                )
            )  # fmt: skip

        async def write() -> set[DeliveryKey]:
            claimed = await self.store.claim(steps, now)
            return {s.send.key for s, ours in zip(steps, claimed, strict=True) if ours and s.send}

        ours = await self.ledger.claiming(requests, write)
        for key, request in requests.items():
            if key in ours:
                run.spawn(key, request)
