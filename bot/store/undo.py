"""Undo of a member's last Done or Skip of a topic: the status before, the completion that Done
appended to the log (so the streak is as it was) and the review card it made
(when no other completion or passed check explains it).

A compare-and-set: it undoes only while the topic still has the status the press gave it,
so an Undo pressed after a later change (or twice) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from bot.records import DONE
from bot.store.database import Database
from bot.store.progress import _lock_member
from bot.store.schema import completions, progress, review_cards
from bot.store.summaries import LATEST_INSTANT, refresh_member


@dataclass(frozen=True, slots=True)
class UndoRequest:
    guild_id: int
    user_id: int
    roadmap_id: str
    topic_id: str
    status_given: str  # what the press set (done or skipped)
    status_before: str | None  # what to restore; None: not started (the row goes)


def _undo(conn: Connection, request: UndoRequest) -> bool:
    _lock_member(conn, request.guild_id, request.user_id)
    row_key = (
        (progress.c.guild_id == request.guild_id)
        & (progress.c.user_id == request.user_id)
        & (progress.c.roadmap_id == request.roadmap_id)
        & (progress.c.topic_id == request.topic_id)
    )
    current = conn.execute(
        select(progress.c.status, progress.c.completed_at, progress.c.checked_at)
        .where(row_key)
        .with_for_update()
    ).one_or_none()
    if current is None or current.status != request.status_given:
        return False
    log_key = (
        (completions.c.guild_id == request.guild_id)
        & (completions.c.user_id == request.user_id)
        & (completions.c.roadmap_id == request.roadmap_id)
        & (completions.c.topic_id == request.topic_id)
    )
    if request.status_given == DONE and current.completed_at is not None:
        # The completion this Done appended is the one at the row's completed_at.
        conn.execute(
            delete(completions).where(log_key, completions.c.completed_at == current.completed_at)
        )
        left = conn.scalar(select(completions.c.id).where(log_key).limit(1))
        if current.checked_at is None and left is None:
            # A card is made by a first Done or a passed check: with neither left, it came
            # from the Done undone.
            card_key = (
                (review_cards.c.guild_id == request.guild_id)
                & (review_cards.c.user_id == request.user_id)
                & (review_cards.c.roadmap_id == request.roadmap_id)
                & (review_cards.c.topic_id == request.topic_id)
            )
            conn.execute(delete(review_cards).where(card_key))
    if request.status_before is None:
        conn.execute(delete(progress).where(row_key))
        return True
    completed_at = None
    if request.status_before == DONE:
        # Done before (then skipped): it was completed at its latest logged completion.
        completed_at = conn.scalar(
            select(completions.c.completed_at)
            .where(log_key)
            .order_by(completions.c.completed_at.desc())
            .limit(1)
        )
    conn.execute(
        update(progress)
        .where(row_key)
        .values(status=request.status_before, completed_at=completed_at)
    )
    return True


def _undo_and_refresh(conn: Connection, request: UndoRequest) -> bool:
    undone = _undo(conn, request)
    if undone:  # the whole-server summaries follow every change of the rows (summaries.py)
        removed = LATEST_INSTANT if request.status_given == DONE else None
        refresh_member(
            conn, request.guild_id, request.user_id, request.roadmap_id, completion_at=removed
        )
    return undone


class UndoRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def undo(self, request: UndoRequest) -> bool:
        """Whether the change was undone (False: the topic has changed since)."""
        return bool(await self._db.write(_undo_and_refresh, request))
