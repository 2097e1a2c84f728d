"""Undo of a Done or Skip (the button on the answer after it): the topic's status before, the
completion Done logged (so the streak is as it was) and the review card it made. The stage
reward role a Done may have given is not taken back: which roles the bot gave is not recorded
(a moderator may have given the same role by hand), so that needs a table of its own."""

from __future__ import annotations

from bot.records import DONE, SKIPPED
from bot.roadmap.model import Roadmap
from bot.services.progress import StudyService
from bot.services.standing import Standing
from bot.store.database import Database
from bot.store.undo import UndoRepository, UndoRequest

UNDOABLE = (DONE, SKIPPED)


class UndoService:
    def __init__(self, db: Database, study: StudyService) -> None:
        self._undo = UndoRepository(db)
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
