"""Study use cases of one member: next topic, marking topics, stage views, progress, streaks.

Every method takes the roadmap to work on (the caller resolves which one the member follows,
see MemberService.roadmap_for) and ids; results are plain dataclasses for the render layer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from bot.errors import NotSaved, ProgressHidden
from bot.records import DONE, IN_PROGRESS, check_status
from bot.roadmap.catalog import require_stage, require_topic
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import Clock
from bot.services.standing import (
    Standing,
    roadmap_finished,
    stage_finished,
    standing,
    topic_ids,
)
from bot.services.streaks import Streak, compute_streak
from bot.services.timezones import local_date, pick_zone
from bot.store.database import Database
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.settings import MemberSettingsRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NextTopic:
    standing: Standing  # next_topic is None when the roadmap is finished
    status: str | None  # the next topic's status: None (not started) or in_progress

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


class StudyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._progress = ProgressRepository(db)
        self._settings = MemberSettingsRepository(db)
        self._clock = clock

    async def standing(self, guild_id: int, user_id: int, roadmap: Roadmap) -> Standing:
        return standing(roadmap, await self._progress.rows(guild_id, user_id, roadmap.id))

    async def next_topic(
        self, guild_id: int, user_id: int, roadmap: Roadmap, *, mark_open: bool = False
    ) -> NextTopic:
        """The first topic in roadmap order neither done nor skipped. With `mark_open`, a topic
        shown for the first time becomes "in progress" (one write, only the first time). When
        a pick is due (`standing.next_choice`) nothing is marked: the member chooses first."""
        current = await self.standing(guild_id, user_id, roadmap)
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
        return NextTopic(current, status)

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
    ) -> MarkResult:
        now = self._clock.now()

        local_day: date | None = None
        if status == DONE:
            # The completions log records the member's local day. It is worked out here,
            # before the store's write transaction, which runs no services code.
            zones = await self._settings.zones(guild_id, user_id)
            local_day = local_date(now, pick_zone(*zones))

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
                with_days=status == DONE,
            )
        )
        after = standing(roadmap, outcome.after)
        # Only this topic's rows changed, so the statuses before differ from those after in this
        # topic alone, whose status before was the previous row's (no second pass over rows).
        before = dict(after.statuses)
        if outcome.previous is None:
            before.pop(topic.id, None)
        else:
            before[topic.id] = outcome.previous.status
        stage = roadmap.stage_of(topic.id)
        assert stage is not None  # find_topic returns live topics only
        stage_now = after.stage_progress(stage.id)
        assert stage_now is not None
        return MarkResult(
            topic=topic,
            stage=stage,
            status=after.status_of(topic.id),
            previous_status=before.get(topic.id),
            changed=outcome.changed,
            completed_stage=(
                stage if stage_now.finished and not stage_finished(stage, before) else None
            ),
            finished_roadmap=after.finished and not roadmap_finished(roadmap, before),
            streak=compute_streak(outcome.days, local_day) if local_day is not None else None,
            standing=after,
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
        current = await self.standing(guild_id, member_id, roadmap)
        return ProgressSummary(member_id, current, await self.streak(guild_id, member_id))
