"""Study use cases of one member: next topic, marking topics, stage views, progress, streaks,
and the study loop: a passed self-check, spaced review.

Every method takes the roadmap to work on (the caller resolves which one the member follows,
see MemberService.roadmap_for) and ids; results are plain dataclasses for the render layer.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.errors import NotSaved, ProgressHidden, StudyError
from bot.records import DONE, IN_PROGRESS, SKIPPED, check_status
from bot.roadmap.catalog import require_stage, require_topic
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import Clock
from bot.services.completion import stage_complete
from bot.services.review import CardState, Rating, ReviewScheduler
from bot.services.self_check import Score
from bot.services.standing import (
    Standing,
    live_rows,
    roadmap_finished,
    standing,
    topic_ids,
)
from bot.services.streaks import Streak, compute_streak
from bot.services.study_loop import (
    RatedReview,
    ReviewsDue,
    card_of,
    cards_read_upto,
    next_due_at,
    reviews_due,
    reviews_due_from_read,
)
from bot.services.timezones import local_date, pick_zone
from bot.store.database import Database
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NextTopic:
    standing: Standing  # next_topic is None when the roadmap is finished
    status: str | None  # the next topic's status: None (not started) or in_progress
    reviews_due: int = 0  # spaced reviews due today (0 when reviews are off)

    @property
    def topic(self) -> Topic | None:
        return self.standing.next_topic

    @property
    def stage(self) -> Stage | None:
        return self.standing.next_stage.stage if self.standing.next_stage else None


@dataclass(frozen=True, slots=True)
class MarkResult:
    topic: Topic
    stage: Stage
    status: str | None  # the topic's status now; None after a reset
    previous_status: str | None
    changed: bool  # False when the topic already had that status
    completed_stage: Stage | None  # the stage this change just finished (for reward roles)
    finished_roadmap: bool  # this change just finished the whole roadmap
    streak: Streak | None  # after a mark as done only: no other mark reads the completion days
    standing: Standing  # counts, percentage and the next topic after the change
    checked: bool = False  # this change recorded the topic's passed check


@dataclass(frozen=True, slots=True)
class TopicState:
    topic: Topic
    status: str | None


@dataclass(frozen=True, slots=True)
class StageView:
    stage: Stage
    number: int  # 1-based
    stage_count: int
    topics: tuple[TopicState, ...]
    standing: Standing


@dataclass(frozen=True, slots=True)
class ProgressSummary:
    user_id: int
    standing: Standing  # per-stage counts in `standing.stages`
    streak: Streak
    reviews_due: int = 0


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """A finished self-check: its score, and what passing it changed (None when it failed)."""

    topic: Topic
    score: Score
    mark: MarkResult | None


class ReviewGone(StudyError):
    """A review button whose card is gone (reset, forgotten) or whose topic left the content."""


class ReviewAnswered(StudyError):
    """A rating button shown before the card's last rating: that review is answered already."""

    def __init__(self) -> None:
        super().__init__(
            "This review was already answered; run `/roadmap review` for the next one."
        )


class StudyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._progress = ProgressRepository(db)
        self._settings = MemberSettingsRepository(db)
        self._reviews = ReviewRepository(db)
        self._clock = clock
        self._scheduler = ReviewScheduler(clock)

    async def standing(self, guild_id: int, user_id: int, roadmap: Roadmap) -> Standing:
        return standing(roadmap, await self._progress.rows(guild_id, user_id, roadmap.id))

    async def next_topic(
        self, guild_id: int, user_id: int, roadmap: Roadmap, *, mark_open: bool = False
    ) -> NextTopic:
        """The first topic in roadmap order neither done nor skipped. With `mark_open`, a topic
        shown for the first time becomes "in progress" (one write, only the first time). When
        a pick is due (`standing.next_choice`) nothing is marked: the member chooses first."""
        current, due = await asyncio.gather(
            self.standing(guild_id, user_id, roadmap), self.reviews_due(guild_id, user_id, roadmap)
        )
        topic = current.next_topic
        status = current.status_of(topic.id) if topic else None
        choosing = current.next_choice is not None
        if topic is not None and status is None and mark_open and not choosing:
            try:
                result = await self._change(
                    guild_id, user_id, roadmap, topic, IN_PROGRESS, only_if_unset=True
                )
            except NotSaved as exc:
                # "In progress" is a convenience; showing the topic must not depend on it.
                log.warning(
                    "topic shown without marking it in progress guild=%s member=%s: %s",
                    guild_id,
                    user_id,
                    exc.reason,
                )
            else:
                current, status = result.standing, result.status
        return NextTopic(current, status, due.count)

    async def mark(
        self, guild_id: int, user_id: int, roadmap: Roadmap, topic_text: str, status: str
    ) -> MarkResult:
        """Set a topic to done, skipped or in_progress (UnknownTopic / InvalidStatus else)."""
        check_status(status)
        topic = require_topic(roadmap, topic_text)
        return await self._change(guild_id, user_id, roadmap, topic, status)

    async def pick(
        self, guild_id: int, user_id: int, roadmap: Roadmap, topic_text: str
    ) -> NextTopic:
        """The member picks this topic of a choice group: it becomes "in progress" (unless it
        has a status already), which makes it their pick, and their next topic is returned."""
        topic = require_topic(roadmap, topic_text)
        await self._change(guild_id, user_id, roadmap, topic, IN_PROGRESS, only_if_unset=True)
        return await self.next_topic(guild_id, user_id, roadmap)

    async def reset(
        self, guild_id: int, user_id: int, roadmap: Roadmap, topic_text: str
    ) -> MarkResult:
        """Forget a topic's status (its completions stay in the history)."""
        topic = require_topic(roadmap, topic_text)
        return await self._change(guild_id, user_id, roadmap, topic, None)

    async def _change(
        self,
        guild_id: int,
        user_id: int,
        roadmap: Roadmap,
        topic: Topic,
        status: str | None,
        *,
        only_if_unset: bool = False,
        check_passed: bool = False,
    ) -> MarkResult:
        now = self._clock.now()

        local_day: date | None = None
        first_card = None
        days: list[date] = []
        if status == DONE or check_passed:
            # The completions log records the member's local day, and the first review card
            # is due on a local day. Both are worked out here, before the store's write
            # transaction, which runs no services code; the card is written only when the
            # topic has none. The completion days for the streak come with the zones.
            zones, days = await self._progress.zones_and_days(guild_id, user_id)
            zone = pick_zone(*zones)
            local_day = local_date(now, zone)
            first_card = self._scheduler.first(zone).to_row()

        outcome = await self._progress.change(
            StatusChange(
                guild_id,
                user_id,
                roadmap.id,
                topic_ids(roadmap, topic),
                status,
                now,
                local_day,
                only_if_unset=only_if_unset,
                check_passed=check_passed,
                review_card=first_card,
            )
        )
        if outcome.logged and local_day is not None and local_day not in days:
            bisect.insort(days, local_day)  # the day this change logged
        after = standing(roadmap, outcome.after)
        # Only this topic's rows changed, so the statuses before differ from those after in this
        # topic alone, whose status before was the previous row's (no second pass over rows).
        before = dict(after.statuses)
        checked_before = set(after.checked)
        if outcome.previous is None:
            before.pop(topic.id, None)
            checked_before.discard(topic.id)
        else:
            before[topic.id] = outcome.previous.status
            if outcome.previous.checked is None:
                checked_before.discard(topic.id)
            else:
                checked_before.add(topic.id)
        stage = roadmap.stage_of(topic.id)
        assert stage is not None  # find_topic returns live topics only
        # The one completion rule (completion.py) decides whether this change completed the
        # stage, so earned its reward: a skipped topic counts only once its check is passed.
        completed = after.stage_complete(stage) and not stage_complete(
            stage, before, checked_before
        )
        return MarkResult(
            topic=topic,
            stage=stage,
            status=after.status_of(topic.id),
            previous_status=before.get(topic.id),
            changed=outcome.changed,
            completed_stage=stage if completed else None,
            finished_roadmap=after.finished and not roadmap_finished(roadmap, before),
            streak=None if local_day is None else compute_streak(days, local_day),
            standing=after,
            checked=outcome.checked,
        )

    async def stage_view(
        self, guild_id: int, user_id: int, roadmap: Roadmap, stage_text: str
    ) -> StageView:
        """A stage's topics with the member's status for each (UnknownStage when no such)."""
        stage = require_stage(roadmap, stage_text)
        current = await self.standing(guild_id, user_id, roadmap)
        topics = tuple(TopicState(t, current.status_of(t.id)) for t in stage.topics)
        number = (roadmap.stage_position(stage.id) or 0) + 1
        return StageView(stage, number, len(roadmap.stages), topics, current)

    async def streak(self, guild_id: int, user_id: int) -> Streak:
        """Current and longest streak in the member's local days."""
        today = local_date(
            self._clock.now(), pick_zone(*await self._settings.zones(guild_id, user_id))
        )
        return compute_streak(await self._progress.completion_days(guild_id, user_id), today)

    async def summary(
        self, guild_id: int, member_id: int, roadmap: Roadmap, *, viewer_id: int | None = None
    ) -> ProgressSummary:
        """Progress per stage, totals and streaks of `member_id`. When someone else
        (`viewer_id`) asks and the member hides their progress, raises ProgressHidden."""
        if viewer_id is not None and viewer_id != member_id:
            settings = await self._settings.get(guild_id, member_id)
            if settings.hide_progress:
                raise ProgressHidden(member_id)
        current, streak, due = await asyncio.gather(
            self.standing(guild_id, member_id, roadmap),
            self.streak(guild_id, member_id),
            self.reviews_due(guild_id, member_id, roadmap),
        )
        return ProgressSummary(member_id, current, streak, due.count)

    async def record_check(
        self, guild_id: int, user_id: int, roadmap: Roadmap, topic: Topic, score: Score
    ) -> CheckOutcome:
        """A finished self-check. Passed, it marks the topic checked and, if it is not done,
        done (a completion in the log, so streaks and leaderboards see it), and creates its
        review card: one write. A failed check changes nothing."""
        if not score.passed:
            return CheckOutcome(topic, score, None)
        mark = await self._change(guild_id, user_id, roadmap, topic, DONE, check_passed=True)
        return CheckOutcome(topic, score, mark)

    async def check_topic(self, guild_id: int, user_id: int, roadmap: Roadmap) -> Topic | None:
        """The topic `/roadmap check` asks about when none is named: the one done last, if it
        has questions and is not checked yet, else the member's current topic; with no topic
        left, the first skipped one with questions not checked yet (its check is what still
        counts it toward its stage)."""
        rows = await self._progress.rows(guild_id, user_id, roadmap.id)
        chosen = live_rows(roadmap, rows)
        done = [(row.completed, live_id) for live_id, row in chosen.items() if row.completed]
        if done:
            _, last_id = max(done)
            last = roadmap.topic(last_id)
            row = chosen[last_id]
            has_questions = last is not None and last.check is not None and last.check.questions
            if has_questions and row.status == DONE and row.checked is None:
                return last
        current = standing(roadmap, rows).next_topic
        if current is not None:
            return current
        return next(
            (
                topic
                for topic in roadmap.topics
                if (kept := chosen.get(topic.id)) is not None
                and kept.status == SKIPPED
                and kept.checked is None
                and topic.check is not None
                and topic.check.questions
            ),
            None,
        )

    async def review_card(
        self, guild_id: int, user_id: int, roadmap: Roadmap, topic: Topic
    ) -> CardState | None:
        """The member's review card of the topic (None when it has none)."""
        found = card_of(roadmap, await self._reviews.cards(guild_id, user_id, roadmap.id), topic)
        return None if found is None else found[1]

    async def zone(self, guild_id: int, user_id: int) -> ZoneInfo:
        """The member's zone (theirs, else the server's, else UTC)."""
        return pick_zone(*await self._settings.zones(guild_id, user_id))

    async def reviews_due(self, guild_id: int, user_id: int, roadmap: Roadmap) -> ReviewsDue:
        """The member's reviews due today in their local day: one read of the cards due by
        the latest local day it can be anywhere (UTC's day after), then the member's own."""
        now = self._clock.now()
        upto = cards_read_upto(now)
        found = await self._reviews.member_reviews(guild_id, user_id, roadmap.id, upto)
        zone = pick_zone(found.member_zone, found.server_zone)
        today = local_date(now, zone)
        due = reviews_due_from_read(roadmap, found.cards, today, zone, found.enabled)
        if due is None:
            cards = await self._reviews.cards(guild_id, user_id, roadmap.id)
            due = reviews_due(roadmap, cards, today, zone, found.enabled)
        return due

    async def rate_review(
        self,
        guild_id: int,
        user_id: int,
        roadmap: Roadmap,
        topic_id: str,
        rating: Rating,
        *,
        version: int,
    ) -> RatedReview:
        """Rate the member's card of the topic now (ReviewGone when it has none). `version` is
        the card's `version` when the question was shown: a button shown before the card's last
        rating raises ReviewAnswered, so no old button rates a review the member never saw. A
        card of that version that is not due saves nothing (`saved` False) and says when it is
        due."""
        live_id = roadmap.resolve(topic_id)
        topic = roadmap.topic(live_id) if live_id else None
        stage = roadmap.stage_of(topic.id) if topic else None
        if topic is None or stage is None:
            raise ReviewGone("This topic is no longer in the roadmap, so it is not reviewed.")
        zone = await self.zone(guild_id, user_id)
        found = card_of(roadmap, await self._reviews.cards(guild_id, user_id, roadmap.id), topic)
        if found is None:
            raise ReviewGone("This topic has no review card any more (it was reset).")
        stored_id, card = found
        if card.version != version:
            raise ReviewAnswered
        today = self._scheduler.today(zone)
        saved = False
        if card.is_due(today):
            rated = self._scheduler.review(card, rating, zone)
            saved = await self._reviews.rate(
                guild_id,
                user_id,
                roadmap.id,
                stored_id,
                expected_last_review=card.last_review,
                card=rated.to_row(),
            )
            card = rated if saved else card
        remaining = await self.reviews_due(guild_id, user_id, roadmap)
        return RatedReview(
            topic, stage, int(rating), card, next_due_at(card, zone), remaining, saved
        )

    async def reviews_enabled(self, guild_id: int, user_id: int) -> bool:
        return await self._reviews.enabled(guild_id, user_id)

    async def set_reviews_enabled(self, guild_id: int, user_id: int, enabled: bool) -> None:
        """Turn spaced review on or off for the member in the server (cards are kept)."""
        await self._reviews.set_enabled(guild_id, user_id, enabled, self._clock.now())
