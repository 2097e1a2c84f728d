"""The Undo of a Done or Skip on SQLite and PostgreSQL: status, completion log and first review
card restored; a compare-and-set, so a stale or second Undo changes nothing."""

from __future__ import annotations

from datetime import date

from bot.store.database import Database
from bot.store.progress import ProgressRepository
from bot.store.reviews import ReviewRepository
from bot.store.undo import UndoRepository, UndoRequest
from tests.store.test_reviews import G, U, _logged, card, change


def request(topic: str, given: str, before: str | None) -> UndoRequest:
    return UndoRequest(G, U, "rm", topic, given, before)


async def test_undo_of_done_restores_the_status_the_log_and_the_card(store_db: Database) -> None:
    progress, reviews, undo = (
        ProgressRepository(store_db),
        ReviewRepository(store_db),
        UndoRepository(store_db),
    )
    await progress.change(change(["a"], "in_progress"))
    await progress.change(change(["a"], "done", review_card=card(date(2024, 5, 16))))
    await progress.change(change(["b"], "done", review_card=card(date(2024, 5, 16))))
    assert await undo.undo(request("a", "done", "in_progress"))
    rows = {row.topic_id: row for row in await progress.rows(G, U, "rm")}
    assert rows["a"].status == "in_progress" and rows["a"].completed_at is None
    assert await store_db.read(_logged) == ["b"]  # only a's completion went
    assert [c.topic_id for c in await reviews.cards(G, U, "rm")] == ["b"]
    # A second Undo (or one after a later change) finds another status: nothing changes.
    assert not await undo.undo(request("a", "done", "in_progress"))
    assert not await undo.undo(request("b", "skipped", None))
    assert await store_db.read(_logged) == ["b"]


async def test_undo_of_skip_brings_back_done_with_its_completion_time_or_no_row(
    store_db: Database,
) -> None:
    progress, undo = ProgressRepository(store_db), UndoRepository(store_db)
    done = await progress.change(change(["a"], "done"))
    completed = {row.topic_id: row for row in done.after}["a"].completed_at
    await progress.change(change(["a"], "skipped"))
    assert await undo.undo(request("a", "skipped", "done"))
    (row,) = await progress.rows(G, U, "rm")
    assert row.status == "done" and row.completed_at == completed
    assert await store_db.read(_logged) == ["a"]  # the skip logged nothing; nothing removed

    await progress.change(change(["c"], "skipped"))
    assert await undo.undo(request("c", "skipped", None))
    assert [row.topic_id for row in await progress.rows(G, U, "rm")] == ["a"]
