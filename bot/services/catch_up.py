"""Catching up: a member skips a whole stage they already know, one topic at a time through
the study service's own mark, so the completion rule, streaks and rewards are the usual ones."""

from __future__ import annotations

from dataclasses import dataclass

from bot.records import DONE, SKIPPED
from bot.roadmap.catalog import require_stage
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.progress import MarkResult, StudyService


@dataclass(frozen=True, slots=True)
class StagePlan:
    """What skipping a stage would change: its topics not yet done or skipped."""

    stage: Stage
    number: int
    to_skip: tuple[Topic, ...]


async def plan_stage_skip(
    study: StudyService, guild_id: int, user_id: int, roadmap: Roadmap, stage_text: str
) -> StagePlan:
    """The stage (UnknownStage with suggestions else) and the topics a skip would mark."""
    stage = require_stage(roadmap, stage_text)
    standing = await study.standing(guild_id, user_id, roadmap)
    left = tuple(
        topic for topic in stage.topics if standing.status_of(topic.id) not in (DONE, SKIPPED)
    )
    return StagePlan(stage, (roadmap.stage_position(stage.id) or 0) + 1, left)


async def skip_stage(
    study: StudyService, guild_id: int, user_id: int, roadmap: Roadmap, stage_id: str
) -> list[MarkResult]:
    """Mark every topic of the stage not yet done or skipped as skipped; the changes made.
    Topics done stay done. Asked again, it changes nothing (the plan is read afresh)."""
    plan = await plan_stage_skip(study, guild_id, user_id, roadmap, stage_id)
    results = []
    for topic in plan.to_skip:
        result = await study.mark(guild_id, user_id, roadmap, topic.id, SKIPPED)
        if result.changed:
            results.append(result)
    return results
