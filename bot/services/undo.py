"""Undo of a Done or Skip (the button on the answer after it): the topic's status before, the
completion Done logged (so the streak is as it was) and the review card it made; and the stage
reward role the press earned, when the stage is no longer complete by the one completion rule
(services/completion.py): only a role the bot itself gave for that stage (`reward_grants`), so
a role a moderator gave by hand stays."""

from __future__ import annotations

from bot.records import DONE, SKIPPED
from bot.roadmap.model import Roadmap
from bot.services.progress import StudyService
from bot.services.standing import Standing
from bot.store.database import Database
from bot.store.moderation import ModerationRepository
from bot.store.undo import UndoRepository, UndoRequest

UNDOABLE = (DONE, SKIPPED)


class UndoService:
    def __init__(self, db: Database, study: StudyService) -> None:
        self._undo = UndoRepository(db)
        self._grants = ModerationRepository(db)
        self._study = study

    async def undo(
        self,
        guild_id: int,
        user_id: int,
        roadmap: Roadmap,
        topic_id: str,
        *,
        given: str,
        before: str | None,
    ) -> Standing | None:
        """The member's standing after undoing, or None when the topic has changed since (or
        the change is not one Undo takes back)."""
        if given not in UNDOABLE or before == given:
            return None
        live = roadmap.resolve(topic_id) or topic_id
        request = UndoRequest(guild_id, user_id, roadmap.id, live, given, before)
        if not await self._undo.undo(request):
            return None
        return await self._study.standing(guild_id, user_id, roadmap)

    async def reward_to_take_back(
        self, guild_id: int, user_id: int, standing: Standing, topic_id: str
    ) -> int | None:
        """After an undo: the role the bot gave for the topic's stage, forgotten now, when that
        stage is no longer complete (the caller takes the role away); None otherwise."""
        roadmap = standing.roadmap
        live = roadmap.resolve(topic_id) or topic_id
        stage = roadmap.stage_of(live)
        if stage is None or standing.stage_complete(stage):
            return None
        return await self._grants.take_back_grant(guild_id, user_id, roadmap.id, stage.id)
