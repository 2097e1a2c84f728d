"""The DailyPlanner: the topic of the day, posted exactly once per server and local date.

What is the daily post's own: the moderators' settings, which topic a date shows, where it goes
and when, and the discussion thread opened on it (`daily set ... thread:True`): opened right
after the post is sent (or found again after a crash), at most once per post, since Discord
refuses a second thread on one message and the sender reads that refusal as the thread's id.
Each tick takes the due schedules in batches: one transaction records missed dates, claims the
post rows and advances each schedule in its own zone; the delivery ledger (services/ledger.py)
sends, records and resolves crashes, as for every scheduled send.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from bot.errors import StudyError
from bot.records import DAILY, DailySchedule, Delivery
from bot.roadmap.model import Roadmap, Topic
from bot.services.clock import Clock
from bot.services.content import ContentHolder
from bot.services.daily_rules import fire_time, first_date, plan_due, topic_of_the_day
from bot.services.delivery import DailyPostRequest, DailySender, SendOutcome
from bot.services.ledger import (
    RESEND_WINDOW,
    DeliveryCounts,
    DeliveryLedger,
    TickRun,
    delivery_nonce,
)
from bot.services.timezones import local_date, parse_local_time, parse_zone, zone_or_utc
from bot.store.daily import DailyRepository, TickClaim, post_key
from bot.store.ledger import Claim, DeliveryKey, Effect

log = logging.getLogger(__name__)

#: Schedules planned and claimed per transaction: planning one costs ~60 µs of loop time, so a
#: batch stays well under the 20 ms stall budget of the fan-out.
BATCH_SIZE = 100
NOT_IN_HISTORY = "not found in the channel after a restart; not sent again"


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    posted: int = 0
    missed: int = 0
    failed: int = 0
    retrying: int = 0
    resolved: int = 0
    unknown: int = 0
    skipped: int = 0  # the date already had a row: posted earlier (post-now, a previous run)

    def any(self) -> bool:
        return any(vars(self).values())

    def add(self, counts: DeliveryCounts) -> None:
        self.posted += counts.sent
        self.failed += counts.refused
        self.retrying += counts.retrying
        self.missed += counts.missed
        self.resolved += counts.resolved
        self.unknown += counts.unknown


@dataclass(frozen=True, slots=True)
class DailyStatus:
    schedule: DailySchedule
    recent: tuple[Delivery, ...]
    roadmap: Roadmap | None


@dataclass(frozen=True, slots=True)
class DailyPreview:
    local_date: date
    roadmap: Roadmap
    topic: Topic
    ping_role_id: int | None


class DailyCourier:
    """What the ledger needs of the daily post: send it, rebuild it from its row, find it in
    the channel, and what its outcome changes in the schedule."""

    def __init__(
        self, store: DailyRepository, content: ContentHolder, clock: Clock, sender: DailySender
    ) -> None:
        self.store = store
        self.content = content
        self.clock = clock
        self.sender = sender

    async def send(self, request: DailyPostRequest) -> SendOutcome:
        outcome = await self.sender.send_daily(request)
        if not request.open_thread or outcome.kind != "sent" or outcome.message_id is None:
            return outcome
        return await self._with_thread(
            outcome, request.guild_id, request.channel_id, request.topic.title
        )

    async def _with_thread(
        self, outcome: SendOutcome, guild_id: int, channel_id: int, title: str
    ) -> SendOutcome:
        """The sent post's outcome with the thread opened on it; a thread Discord refuses
        (no Create Public Threads any more) never costs the post: it is logged and left out."""
        assert outcome.message_id is not None
        thread_id = await self.sender.open_thread(channel_id, outcome.message_id, title)
        if thread_id is None:
            log.warning(
                "daily post guild=%s message=%s: no thread opened", guild_id, outcome.message_id
            )
            return outcome
        return dataclasses.replace(outcome, thread_id=thread_id)

    def _live_topic(self, row: Delivery) -> tuple[Roadmap, Topic] | None:
        roadmap = self.content.catalog.get(row.roadmap_id or "")
        live = roadmap.resolve(row.topic_id or "") if roadmap else None
        topic = roadmap.topic(live) if roadmap and live else None
        return (roadmap, topic) if roadmap is not None and topic is not None else None

    async def _wants_thread(self, guild_id: int) -> bool:
        schedule = await self.store.schedule(guild_id)
        return schedule is not None and schedule.open_thread

    async def rebuild(self, row: Delivery) -> DailyPostRequest | None:
        found = self._live_topic(row)
        if found is None or row.channel_id is None:
            return None
        roadmap, topic = found
        return DailyPostRequest(
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            local_date=row.local_date,
            roadmap=roadmap,
            topic=topic,
            ping_role_id=row.ping_role_id,
            nonce=delivery_nonce(post_key(row.guild_id, row.local_date)),
            open_thread=await self._wants_thread(row.guild_id),
        )

    async def find_sent(self, row: Delivery) -> SendOutcome:
        if row.channel_id is None:
            return SendOutcome.missing(NOT_IN_HISTORY)
        found = await self.sender.find_daily_post(row.channel_id, row.local_date)
        if found.kind == "missing":
            return SendOutcome.missing(NOT_IN_HISTORY)
        live = self._live_topic(row)
        if found.kind == "sent" and live is not None and await self._wants_thread(row.guild_id):
            # The crash may have come between the post and its thread.
            return await self._with_thread(found, row.guild_id, row.channel_id, live[1].title)
        return found

    def on_sent(self, key: DeliveryKey, outcome: SendOutcome) -> Effect:
        return self.store.after_sent(
            key.guild_id, date.fromisoformat(key.period), outcome.thread_id
        )

    def on_refused(self, key: DeliveryKey, reason: str) -> Effect:
        return self.store.after_refused(key.guild_id, reason, self.clock.now())


class DailyPlanner:
    """Daily posts of every server: settings changes from moderators and the scheduler's tick."""

    def __init__(
        self,
        store: DailyRepository,
        content: ContentHolder,
        clock: Clock,
        sender: DailySender,
        *,
        grace: timedelta = timedelta(minutes=120),
        resend_window: timedelta = RESEND_WINDOW,
        pace: Callable[[], Awaitable[object]] | None = None,
        concurrency: int = 64,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.content = content
        self.clock = clock
        self.sender = sender
        self.grace = grace
        self.batch_size = batch_size
        self.ledger = DeliveryLedger(
            DAILY, store.ledger, clock, DailyCourier(store, content, clock, sender),
            grace=grace, resend_window=resend_window, pace=pace, concurrency=concurrency,
        )  # fmt: skip

    # --- moderator commands -----------------------------------------------------------------

    async def configure(
        self,
        guild_id: int,
        channel_id: int,
        time_text: str,
        zone_name: str,
        *,
        roadmap_id: str | None = None,
        ping_role_id: int | None = None,
        open_thread: bool | None = None,
    ) -> DailySchedule:
        """`daily set`: validates the time, zone and roadmap, then (re)starts the schedule from
        the next occurrence of that local time (`open_thread`: a discussion thread on each
        post; None, as from the guided setup, which does not ask, keeps the current setting).
        Raises InvalidTime / InvalidTimeZone / UnknownRoadmap with a message for the moderator."""
        at = parse_local_time(time_text)
        zone = parse_zone(zone_name)
        if roadmap_id is not None:
            roadmap_id = self.content.catalog.require(roadmap_id).id
        now = self.clock.now()
        day = first_date(at, zone, now)
        if open_thread is None:
            current = await self.store.schedule(guild_id)
            open_thread = current is not None and current.open_thread
        return await self.store.save(
            guild_id=guild_id, channel_id=channel_id, local_time=at, time_zone=zone.key,
            roadmap_id=roadmap_id, ping_role_id=ping_role_id, next_date=day,
            next_fire_at=fire_time(day, at, zone), now=now, open_thread=open_thread,
        )  # fmt: skip

    async def turn_off(self, guild_id: int, reason: str = "turned off by a moderator") -> bool:
        return await self.store.turn_off(guild_id, reason, self.clock.now())

    async def status(self, guild_id: int, recent: int = 5) -> DailyStatus | None:
        schedule = await self.store.schedule(guild_id)
        if schedule is None:
            return None
        posts = await self.store.recent_posts(guild_id, recent)
        return DailyStatus(schedule, tuple(posts), self.roadmap_for(schedule))

    async def preview(self, guild_id: int) -> DailyPreview:
        """The next post as it would look now (its date, roadmap and topic)."""
        schedule = await self._require_schedule(guild_id)
        roadmap, topic = self._topic_for(schedule)
        return DailyPreview(schedule.next_date, roadmap, topic, schedule.ping_role_id)

    async def jump(self, guild_id: int, topic_value: str) -> Topic:
        """`daily jump`: the next post shows this topic (id, old id or exact title)."""
        schedule = await self._require_schedule(guild_id, enabled_only=False)
        roadmap = self._require_roadmap(schedule)
        topic = self.content.catalog.require_topic(roadmap, topic_value)
        await self.store.jump(guild_id, topic.id, self.clock.now())
        return topic

    async def post_now(self, guild_id: int) -> tuple[Delivery | None, SendOutcome | None]:
        """`daily post-now`: today's post, now; it counts as today's. Returns (the row that was
        already there, None) when today's post exists, else (None, the send outcome)."""
        schedule = await self._require_schedule(guild_id)
        now = self.clock.now()
        key = post_key(guild_id, local_date(now, zone_or_utc(schedule.time_zone)))
        if self.ledger.is_in_flight(key):
            raise StudyError("Today's post is being sent right now.")
        roadmap, topic = self._topic_for(schedule)
        claim = _claim(schedule, key, roadmap, topic, scheduled_for=None)
        in_the_way: list[Delivery] = []  # today's row, when it was sent or is being sent

        async def write() -> set[DeliveryKey]:
            existing = await self.store.claim_now(schedule.revision, claim, now)
            in_the_way.extend([existing] if existing else [])
            return set() if existing else {key}

        try:
            await self.ledger.claiming([key], write)
        except LookupError:
            raise StudyError("The daily post settings just changed; try again.") from None
        if in_the_way:
            return in_the_way[0], None
        return None, await self.ledger.deliver(key, _request(claim, schedule, roadmap, topic))

    # --- the tick ---------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Settle unfinished posts, then post everything that is due; returns what it did."""
        report = TickReport()
        claim_batch = partial(self._claim_batch, report=report)
        report.add(await self.ledger.tick_in_batches(self.store.due, claim_batch, self.batch_size))
        return report

    async def _claim_batch(
        self,
        due: Sequence[DailySchedule],
        now: datetime,
        run: TickRun[DailyPostRequest],
        report: TickReport,
    ) -> None:
        steps: list[TickClaim] = []
        requests: dict[DeliveryKey, DailyPostRequest] = {}
        for schedule in due:
            zone = zone_or_utc(schedule.time_zone)
            plan = plan_due(schedule.next_date, schedule.local_time, zone, now, self.grace)
            chosen = self._topic_or_none(schedule) if plan.post_date else None
            post = None
            if plan.post_date is not None and chosen is not None:
                key = post_key(schedule.guild_id, plan.post_date)
                post = _claim(schedule, key, *chosen, scheduled_for=plan.scheduled_for)
                requests[key] = _request(post, schedule, *chosen)
            report.missed += len(plan.missed)
            steps.append(
                TickClaim(
                    guild_id=schedule.guild_id, revision=schedule.revision,
                    from_date=schedule.next_date, missed=plan.missed, post=post,
                    next_date=plan.next_date, next_fire_at=plan.next_fire_at,
                )
            )  # fmt: skip

        async def write() -> set[DeliveryKey]:
            claimed = await self.store.claim(steps, now)
            return {s.post.key for s, ours in zip(steps, claimed, strict=True) if ours and s.post}

        ours = await self.ledger.claiming(requests, write)
        for key, request in requests.items():
            if key in ours:
                run.spawn(key, request)
            else:
                report.skipped += 1

    # --- which roadmap, which topic ---------------------------------------------------------

    def roadmap_for(self, schedule: DailySchedule) -> Roadmap | None:
        """The schedule's roadmap, else the server's default, else the catalog's default (a
        roadmap removed from the content falls back rather than stopping the posts)."""
        catalog = self.content.catalog
        for roadmap_id in (schedule.roadmap_id, schedule.default_roadmap, catalog.default_id):
            roadmap = catalog.get(roadmap_id) if roadmap_id else None
            if roadmap is not None:
                return roadmap
        return None

    def _topic_or_none(self, schedule: DailySchedule) -> tuple[Roadmap, Topic] | None:
        roadmap = self.roadmap_for(schedule)
        if roadmap is None:
            return None
        same_walk = schedule.cursor_roadmap_id == roadmap.id
        topic = topic_of_the_day(
            roadmap,
            last_topic_id=schedule.last_topic_id if same_walk else None,
            last_position=schedule.last_position if same_walk else None,
            jump_topic_id=schedule.jump_topic_id,
        )
        return (roadmap, topic) if topic is not None else None

    def _require_roadmap(self, schedule: DailySchedule) -> Roadmap:
        roadmap = self.roadmap_for(schedule)
        if roadmap is None:
            raise StudyError("There is no roadmap to post from: the content is empty.")
        return roadmap

    def _topic_for(self, schedule: DailySchedule) -> tuple[Roadmap, Topic]:
        chosen = self._topic_or_none(schedule)
        if chosen is None:
            raise StudyError("The roadmap of the daily post has no topics.")
        return chosen

    async def _require_schedule(self, guild_id: int, *, enabled_only: bool = True) -> DailySchedule:
        schedule = await self.store.schedule(guild_id)
        if schedule is None:
            raise StudyError("No daily post is set up here. `/roadmap-admin daily set` starts one.")
        if enabled_only and not schedule.enabled:
            raise StudyError(
                f"Daily posts are off ({schedule.disabled_reason}). "
                "`/roadmap-admin daily set` turns them on again."
            )
        return schedule


def _claim(
    schedule: DailySchedule,
    key: DeliveryKey,
    roadmap: Roadmap,
    topic: Topic,
    *,
    scheduled_for: datetime | None,
) -> Claim:
    """The ledger row of a post: what a resend after a crash needs."""
    position = roadmap.topic_position(topic.id)
    return Claim(
        key,
        channel_id=schedule.channel_id,
        roadmap_id=roadmap.id,
        topic_id=topic.id,
        topic_position=position if position is not None else 0,
        ping_role_id=schedule.ping_role_id,
        scheduled_for=scheduled_for,
    )


def _request(
    claim: Claim, schedule: DailySchedule, roadmap: Roadmap, topic: Topic
) -> DailyPostRequest:
    return DailyPostRequest(
        guild_id=schedule.guild_id,
        channel_id=schedule.channel_id,
        local_date=date.fromisoformat(claim.key.period),
        roadmap=roadmap,
        topic=topic,
        ping_role_id=schedule.ping_role_id,
        nonce=delivery_nonce(claim.key),
        open_thread=schedule.open_thread,
    )
