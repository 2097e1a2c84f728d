"""The DailyPlanner: the topic of the day, posted exactly once per server and local date.

Each tick first settles claims a crash (or a passing failure) left `sending`, then takes the
due schedules in batches: one transaction records missed dates, claims the post rows and
advances each schedule in its own zone; then the posts go out through the sender (which paces
them) and each outcome is recorded. The database is the source of truth: a restart between any
two steps neither repeats nor loses a post (DESIGN section 4).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.errors import StudyError
from bot.records import DailyPost, DailySchedule
from bot.roadmap.model import Roadmap, Topic
from bot.services.clock import Clock
from bot.services.content import ContentHolder
from bot.services.daily_rules import (
    daily_nonce,
    fire_time,
    first_date,
    plan_due,
    topic_of_the_day,
)
from bot.services.delivery import (
    RESEND_WINDOW,
    DailyPostRequest,
    DailySender,
    SendOutcome,
    attempt_counted,
    unfinished_fate,
)
from bot.services.timezones import (
    format_local_time,
    local_date,
    parse_local_time,
    parse_zone,
    zone_or_utc,
)
from bot.store.daily import DailyRepository, PostClaim, TickClaim

log = logging.getLogger(__name__)

#: Schedules planned and claimed per transaction: planning one costs ~60 µs of loop time, so a
#: batch stays well under the 20 ms stall budget of the fan-out.
BATCH_SIZE = 100


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


@dataclass(frozen=True, slots=True)
class DailyStatus:
    schedule: DailySchedule
    recent: tuple[DailyPost, ...]
    roadmap: Roadmap | None


@dataclass(frozen=True, slots=True)
class DailyPreview:
    local_date: date
    roadmap: Roadmap
    topic: Topic
    ping_role_id: int | None


@dataclass
class _Work:
    """Send tasks of one tick, bounded in number."""

    limit: asyncio.Semaphore
    tasks: set[asyncio.Task[SendOutcome]] = field(default_factory=set)


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
        self.resend_window = resend_window
        self.batch_size = batch_size
        self._concurrency = concurrency
        self._pace = pace  # waits for a REST slot (the pacer), before a send is counted
        # Claims this process is sending right now: the crash resolver leaves them alone.
        # A key is added before its claim is written and removed once the outcome is recorded.
        self._in_flight: set[tuple[int, date]] = set()
        self._tick_lock = asyncio.Lock()  # ticks never overlap, whoever calls them

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
    ) -> DailySchedule:
        """`daily set`: validates the time, zone and roadmap, then (re)starts the schedule from
        the next occurrence of that local time. Raises InvalidTime / InvalidTimeZone /
        UnknownRoadmap with a message for the moderator."""
        at = parse_local_time(time_text)
        zone = parse_zone(zone_name)
        if roadmap_id is not None:
            roadmap_id = self.content.catalog.require(roadmap_id).id
        now = self.clock.now()
        day = first_date(at, zone, now)
        return await self.store.save(
            guild_id=guild_id,
            channel_id=channel_id,
            local_time=format_local_time(at),
            time_zone=zone.key,
            roadmap_id=roadmap_id,
            ping_role_id=ping_role_id,
            next_date=day,
            next_fire_at=fire_time(day, at, zone),
            now=now,
        )

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

    async def post_now(self, guild_id: int) -> tuple[DailyPost | None, SendOutcome | None]:
        """`daily post-now`: today's post, now; it counts as today's. Returns (the row that was
        already there, None) when today's post exists, else (None, the send outcome)."""
        schedule = await self._require_schedule(guild_id)
        now = self.clock.now()
        today = local_date(now, zone_or_utc(schedule.time_zone))
        roadmap, topic = self._topic_for(schedule)
        claim = _post_claim(schedule, today, roadmap, topic, scheduled_for=None)
        key = (guild_id, today)
        if key in self._in_flight:
            raise StudyError("Today's post is being sent right now.")
        self._in_flight.add(key)
        try:
            existing = await self.store.claim_now(guild_id, schedule.revision, claim, now)
        except LookupError:
            self._in_flight.discard(key)
            raise StudyError("The daily post settings just changed; try again.") from None
        if existing is not None:
            self._in_flight.discard(key)
            return existing, None
        return None, await self._deliver(_request(guild_id, claim, roadmap, topic))

    # --- the tick ---------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Settle unfinished claims, then post everything that is due; returns what it did."""
        async with self._tick_lock:
            return await self._tick()

    async def _tick(self) -> TickReport:
        report = TickReport()
        work = _Work(asyncio.Semaphore(self._concurrency))
        await self._resolve_unfinished(work, report)
        now = self.clock.now()
        while True:
            due = await self.store.due(now, self.batch_size)
            if not due:
                break
            await self._claim_and_send(due, now, work, report)
            if len(due) < self.batch_size:
                break
            await asyncio.sleep(0)  # let members' commands in between batches
        if work.tasks:
            for outcome in await asyncio.gather(*work.tasks):
                _count(report, outcome)
        return report

    async def _claim_and_send(
        self, due: list[DailySchedule], now: datetime, work: _Work, report: TickReport
    ) -> None:
        claims: list[TickClaim] = []
        planned: list[tuple[Roadmap, Topic] | None] = []
        for schedule in due:
            at = parse_local_time(schedule.local_time)
            zone = zone_or_utc(schedule.time_zone)
            plan = plan_due(schedule.next_date, at, zone, now, self.grace)
            post = None
            chosen = self._topic_or_none(schedule) if plan.post_date else None
            if plan.post_date is not None and chosen is not None:
                post = _post_claim(schedule, plan.post_date, *chosen, plan.scheduled_for)
            planned.append(chosen if post else None)
            report.missed += len(plan.missed)
            claims.append(
                TickClaim(
                    guild_id=schedule.guild_id,
                    revision=schedule.revision,
                    from_date=schedule.next_date,
                    missed=plan.missed,
                    post=post,
                    next_date=plan.next_date,
                    next_fire_at=plan.next_fire_at,
                )
            )
        keys = [(c.guild_id, c.post.local_date) for c in claims if c.post is not None]
        busy = self._in_flight.intersection(keys)  # a post-now of the same date is sending
        self._in_flight.update(keys)
        try:
            claimed = await self.store.claim(claims, now)
        finally:
            self._in_flight.difference_update(set(keys) - busy)
        for claim, chosen, ours in zip(claims, planned, claimed, strict=True):
            if claim.post is None or chosen is None:
                continue
            if not ours:
                report.skipped += 1
                continue
            self._spawn(work, _request(claim.guild_id, claim.post, *chosen))

    def _spawn(self, work: _Work, request: DailyPostRequest) -> None:
        async def bounded() -> SendOutcome:
            async with work.limit:
                return await self._deliver(request)

        self._in_flight.add((request.guild_id, request.local_date))
        work.tasks.add(asyncio.ensure_future(bounded()))

    async def _deliver(self, request: DailyPostRequest) -> SendOutcome:
        """Send one claimed post (its key already in flight) and record the outcome; the claim
        stays `sending` on a passing failure (the resolver retries it with the same nonce)."""
        key = (request.guild_id, request.local_date)
        try:
            outcome = await attempt_counted(
                pace=self._pace,
                begin_attempt=lambda: self.store.begin_attempt(*key, self.clock.now()),
                send=lambda: self.sender.send_daily(request),
                what=f"daily post guild={key[0]} date={key[1]}",
            )
            if outcome.kind != "skipped":
                await self._record(request.guild_id, request.local_date, outcome)
            return outcome
        finally:
            self._in_flight.discard(key)

    async def _record(self, guild_id: int, day: date, outcome: SendOutcome) -> None:
        now = self.clock.now()
        if outcome.kind == "sent" and outcome.message_id is not None:
            await self.store.mark_sent(guild_id, day, outcome.message_id, now)
            log.info(
                "daily post guild=%s date=%s sent message=%s", guild_id, day, outcome.message_id
            )
        elif outcome.kind == "refused":
            reason = outcome.reason or "Discord refused the post"
            await self.store.mark_failed(guild_id, day, reason, now, disable=True)
            log.warning(
                "daily post guild=%s date=%s refused, schedule disabled: %s", guild_id, day, reason
            )
        else:
            await self.store.note_error(guild_id, day, outcome.reason or "no answer")
            log.warning(
                "daily post guild=%s date=%s will be retried: %s", guild_id, day, outcome.reason
            )

    # --- crash resolution -------------------------------------------------------------------

    async def _resolve_unfinished(self, work: _Work, report: TickReport) -> None:
        """Claims left `sending` by a crash or a passing failure (DESIGN section 4)."""
        now = self.clock.now()
        for post in await self.store.unfinished_posts():
            if (post.guild_id, post.local_date) in self._in_flight:
                continue
            fate = unfinished_fate(
                attempts=post.attempts, due=post.scheduled_for or post.claimed_at,
                first_attempt_at=post.first_attempt_at, now=now, grace=self.grace,
                resend_window=self.resend_window,
            )  # fmt: skip
            request = self._request_from_row(post) if fate == "resend" else None
            if request is not None:
                # Same nonce: if an earlier send reached Discord, this returns that message.
                self._spawn(work, request)
            elif post.attempts == 0:
                await self.store.settle(
                    post.guild_id, post.local_date, status="missed",
                    error="the bot stopped before sending it", now=now,
                )  # fmt: skip
                report.missed += 1
            else:
                # It may be in the channel: look there rather than post it blindly.
                await self._settle_from_history(post, report)

    def _request_from_row(self, post: DailyPost) -> DailyPostRequest | None:
        roadmap = self.content.catalog.get(post.roadmap_id or "")
        live = roadmap.resolve(post.topic_id or "") if roadmap else None
        topic = roadmap.topic(live) if roadmap and live else None
        if roadmap is None or topic is None or post.channel_id is None:
            return None
        return DailyPostRequest(
            guild_id=post.guild_id,
            channel_id=post.channel_id,
            local_date=post.local_date,
            roadmap=roadmap,
            topic=topic,
            ping_role_id=post.ping_role_id,
            nonce=daily_nonce(post.guild_id, post.local_date),
        )

    async def _settle_from_history(self, post: DailyPost, report: TickReport) -> None:
        """Too old to resend safely: our post of that date is either in the channel or not."""
        now = self.clock.now()
        if post.channel_id is None:
            found = SendOutcome.missing()
        else:
            try:
                if self._pace is not None:
                    await self._pace()  # a history read is REST traffic too
                found = await self.sender.find_daily_post(post.channel_id, post.local_date)
            except Exception as exc:
                log.exception("history search guild=%s failed", post.guild_id)
                found = SendOutcome.retry(type(exc).__name__)
        if found.kind == "sent" and found.message_id is not None:
            await self.store.mark_sent(post.guild_id, post.local_date, found.message_id, now)
            report.resolved += 1
            log.info(
                "daily post guild=%s date=%s found in history after a crash",
                post.guild_id,
                post.local_date,
            )
        elif found.kind == "retry" and now - post.claimed_at <= self.grace:
            await self.store.note_error(post.guild_id, post.local_date, found.reason or "")
            report.retrying += 1
        else:
            reason = found.reason or "not found in the channel after a restart; not sent again"
            await self.store.settle(
                post.guild_id, post.local_date, status="unknown", error=reason, now=now
            )
            report.unknown += 1
            log.warning(
                "daily post guild=%s date=%s unknown: %s", post.guild_id, post.local_date, reason
            )

    # --- helpers ----------------------------------------------------------------------------

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


def _post_claim(
    schedule: DailySchedule,
    day: date,
    roadmap: Roadmap,
    topic: Topic,
    scheduled_for: datetime | None,
) -> PostClaim:
    position = roadmap.topic_position(topic.id)
    return PostClaim(
        local_date=day,
        channel_id=schedule.channel_id,
        roadmap_id=roadmap.id,
        topic_id=topic.id,
        topic_position=position if position is not None else 0,
        ping_role_id=schedule.ping_role_id,
        scheduled_for=scheduled_for,
    )


def _request(guild_id: int, claim: PostClaim, roadmap: Roadmap, topic: Topic) -> DailyPostRequest:
    return DailyPostRequest(
        guild_id=guild_id,
        channel_id=claim.channel_id,
        local_date=claim.local_date,
        roadmap=roadmap,
        topic=topic,
        ping_role_id=claim.ping_role_id,
        nonce=daily_nonce(guild_id, claim.local_date),
    )


def _count(report: TickReport, outcome: SendOutcome) -> None:
    if outcome.kind == "sent":
        report.posted += 1
    elif outcome.kind == "refused":
        report.failed += 1
    elif outcome.kind == "retry":
        report.retrying += 1
