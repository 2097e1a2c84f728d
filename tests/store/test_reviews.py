"""Review cards and passed checks in the store, on SQLite and on PostgreSQL: cards in, the same
cards out; a card is created with the change that marks its topic done or checked and kept
after; a reset deletes both; a rating is stored once however often it is pressed."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from bot.store.database import Database
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.reviews import ReviewRepository
from bot.store.schema import completions
from bot.store.settings import MemberSettingsRepository

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
G, U = 10**18, 2**63 - 1  # the largest snowflake both databases must hold


def card(due: date, last_review: datetime = NOW, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "due": due,
        "stability": 2.3065,
        "difficulty": 2.118104,
        "state": "learning",
        "step": 1,
        "last_review": last_review,
    }
    values.update(changes)
    return values


def change(topic_ids: list[str], status: str | None, **kwargs: Any) -> StatusChange:
    return StatusChange(G, U, "rm", tuple(topic_ids), status, NOW, NOW.date(), **kwargs)


def _logged(conn: Connection) -> list[str]:
    return list(conn.scalars(select(completions.c.topic_id).order_by(completions.c.id)))


async def test_cards_round_trip_and_due_reads_only_cards_due_by_the_day(
    store_db: Database,
) -> None:
    reviews = ReviewRepository(store_db)
    day = date(2024, 5, 16)
    assert await reviews.add(G, U, "rm", "a", card(day))
    assert await reviews.add(
        G, U, "rm", "b", card(day + timedelta(days=3), state="review", step=None)
    )
    assert await reviews.add(G, U + 0, "other", "a", card(day))  # another roadmap
    assert not await reviews.add(G, U, "rm", "a", card(day + timedelta(days=9)))  # kept

    everything = await reviews.cards(G, U, "rm")
    assert [(c.topic_id, c.due, c.state, c.step) for c in everything] == [
        ("a", day, "learning", 1),
        ("b", day + timedelta(days=3), "review", None),
    ]
    first = everything[0]
    assert first.last_review == NOW and first.last_review.tzinfo is not None
    assert (first.stability, first.difficulty) == (2.3065, 2.118104)
    assert [c.topic_id for c in await reviews.due(G, U, "rm", day - timedelta(days=1))] == []
    assert [c.topic_id for c in await reviews.due(G, U, "rm", day)] == ["a"]
    assert sorted(c.topic_id for c in await reviews.due(G, U, "rm", day + timedelta(3))) == [
        "a",
        "b",
    ]
    assert await reviews.count(G) == 3


async def test_a_rating_is_stored_once_when_pressed_twice(store_db: Database) -> None:
    reviews = ReviewRepository(store_db)
    day = date(2024, 5, 16)
    await reviews.add(G, U, "rm", "a", card(day))
    later = NOW + timedelta(days=1)
    rated = card(day + timedelta(days=3), last_review=later, step=None, state="review")
    presses = await asyncio.gather(
        *(reviews.rate(G, U, "rm", "a", expected_last_review=NOW, card=rated) for _ in range(4))
    )
    assert sorted(presses) == [False, False, False, True]
    (stored,) = await reviews.cards(G, U, "rm")
    assert (stored.due, stored.last_review, stored.state) == (day + timedelta(3), later, "review")
    # A card that is gone is not rated either.
    assert not await reviews.rate(G, U, "rm", "zz", expected_last_review=NOW, card=rated)


async def test_done_creates_the_card_in_the_same_write_and_a_passed_check_marks_checked(
    store_db: Database,
) -> None:
    progress = ProgressRepository(store_db)
    reviews = ReviewRepository(store_db)
    first = card(date(2024, 5, 16))
    done = await progress.change(change(["a"], "done", review_card=first))
    assert done.changed and not done.checked
    (row,) = done.after
    assert row.checked is None
    assert [c.topic_id for c in await reviews.cards(G, U, "rm")] == ["a"]

    # Passing the check of a done topic records the check only: no second completion, and the
    # card keeps its schedule.
    again = await progress.change(
        change(["a"], "done", check_passed=True, review_card=card(date(2030, 1, 1)))
    )
    assert (again.changed, again.checked) == (False, True)
    (row,) = await progress.rows(G, U, "rm")
    assert row.status == "done" and row.checked_at == NOW and row.completed_at == NOW
    (kept,) = await reviews.cards(G, U, "rm")
    assert kept.due == date(2024, 5, 16)
    # Passing it once more changes nothing.
    assert not (await progress.change(change(["a"], "done", check_passed=True))).checked

    # The check of a topic in progress: it becomes done (a completion) and checked, with a card.
    await progress.change(change(["b"], "in_progress"))
    passed = await progress.change(change(["b"], "done", check_passed=True, review_card=first))
    assert passed.changed and passed.checked
    assert await store_db.read(_logged) == ["a", "b"]
    assert sorted(c.topic_id for c in await reviews.cards(G, U, "rm")) == ["a", "b"]

    # A later skip keeps the passed check beside the new status.
    skipped = await progress.change(change(["b"], "skipped"))
    assert {r.topic_id: (r.status, r.checked) for r in skipped.after}["b"][1] is not None


async def test_reset_clears_status_check_and_cards_under_every_id(store_db: Database) -> None:
    progress = ProgressRepository(store_db)
    reviews = ReviewRepository(store_db)
    first = card(date(2024, 5, 16))
    await progress.change(change(["old"], "done", check_passed=True, review_card=first))
    await progress.change(change(["new", "old"], "in_progress"))
    await progress.change(change(["new", "old"], "done", review_card=first))
    await progress.change(change(["other"], "done", review_card=first))
    assert len(await reviews.cards(G, U, "rm")) == 3
    reset = await progress.change(change(["new", "old"], None))
    assert reset.changed
    assert [r.topic_id for r in await progress.rows(G, U, "rm")] == ["other"]
    assert [c.topic_id for c in await reviews.cards(G, U, "rm")] == ["other"]


async def test_reviews_are_on_by_default_and_the_setting_is_read_with_the_zones(
    store_db: Database,
) -> None:
    reviews = ReviewRepository(store_db)
    day = date(2024, 5, 16)
    assert await reviews.enabled(G, U)
    await reviews.add(G, U, "rm", "a", card(day))
    await MemberSettingsRepository(store_db).update(G, U, NOW, time_zone="Asia/Tokyo")
    found = await reviews.member_reviews(G, U, "rm", day)
    assert (found.member_zone, found.server_zone, found.enabled) == ("Asia/Tokyo", None, True)
    assert [c.topic_id for c in found.cards] == ["a"]

    await reviews.set_enabled(G, U, False, NOW)
    assert not await reviews.enabled(G, U)
    off = await reviews.member_reviews(G, U, "rm", day)
    assert (off.enabled, off.cards, off.member_zone) == (False, [], "Asia/Tokyo")
    # The other settings are untouched, and turning reviews on again keeps them.
    await reviews.set_enabled(G, U, True, NOW)
    settings = await MemberSettingsRepository(store_db).get(G, U)
    assert settings.time_zone == "Asia/Tokyo" and await reviews.enabled(G, U)
    # Someone else's setting is their own.
    assert await reviews.enabled(G, U - 1)
