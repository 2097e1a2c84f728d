"""Spaced-review cards (one per member, server, roadmap and topic) and the member's setting that
turns reviews on or off.

Cards are handed in and out as `StoredCard`, plain values decoded from the row (a local due
day, an aware last-review instant): the scheduling is bot/services/review.py's, the store only
keeps what it computed. Rating a card is a compare-and-set on its `last_review`, so two presses
of the same rating button (or two clients) rate it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from bot.store.codec import decode_date, decode_instant, encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, insert
from bot.store.schema import member_settings, review_cards
from bot.store.settings import zones_of

CARD_COLUMNS = ("due", "stability", "difficulty", "state", "step", "last_review")


@dataclass(frozen=True, slots=True)
class StoredCard:
    """One stored card: `due` a local day, `last_review` an aware UTC instant."""

    topic_id: str
    due: date
    stability: float
    difficulty: float
    state: str
    step: int | None
    last_review: datetime

    def as_row(self) -> dict[str, Any]:
        """The card's `CARD_COLUMNS` values."""
        return {column: getattr(self, column) for column in CARD_COLUMNS}


_card = review_cards.c
_of_member = (
    (_card.guild_id == bindparam("guild_id"))
    & (_card.user_id == bindparam("user_id"))
    & (_card.roadmap_id == bindparam("roadmap_id"))
)
_SELECTED = (_card.topic_id, *(getattr(_card, name) for name in CARD_COLUMNS))

# `/roadmap next` counts the reviews due on every call: one range read of the member's cards by the
# primary key (at most one card a topic; an index by due date only cost each new card a write).
_SELECT_DUE = Prepared(select(*_SELECTED).where(_of_member, _card.due <= bindparam("today")))
_SELECT_ALL = Prepared(select(*_SELECTED).where(_of_member).order_by(_card.topic_id))
_SELECT_ENABLED = Prepared(
    select(member_settings.c.reviews_enabled).where(
        member_settings.c.guild_id == bindparam("guild_id"),
        member_settings.c.user_id == bindparam("user_id"),
    )
)


def _decoded(row: tuple[Any, ...]) -> StoredCard:
    topic_id, due, stability, difficulty, state, step, last_review = row
    return StoredCard(
        topic_id,
        decode_date(due),
        float(stability),
        float(difficulty),
        state,
        None if step is None else int(step),
        decode_instant(last_review),
    )


def card_values(card: Mapping[str, Any]) -> dict[str, Any]:
    """The stored columns of a card given as `CARD_COLUMNS` values (a date, an aware time)."""
    return {
        "due": encode_date(card["due"]),
        "stability": float(card["stability"]),
        "difficulty": float(card["difficulty"]),
        "state": card["state"],
        "step": card["step"],
        "last_review": encode_time(card["last_review"]),
    }


def insert_new_card(
    conn: Connection,
    key: Mapping[str, Any],
    topic_id: str,
    values: Mapping[str, Any],
) -> bool:
    """Create the card unless the topic has one (a topic done again keeps its schedule); for
    the progress write that marks a topic done or checked. True when it was created."""
    prepared = _NEW_CARD.get(conn.dialect.name)
    if prepared is None:
        # Built once per dialect (each spells ON CONFLICT its own way): building and compiling
        # it on every mark doubled the writer thread's CPU per Done.
        statement = insert(conn, review_cards).values(
            {column.name: bindparam(column.name) for column in review_cards.columns}
        )
        prepared = _NEW_CARD[conn.dialect.name] = Prepared(statement.on_conflict_do_nothing())
    return prepared.run(conn, **key, topic_id=topic_id, **values) > 0


_NEW_CARD: dict[str, Prepared] = {}


def delete_cards(conn: Connection, key: Mapping[str, Any], topic_ids: list[str]) -> int:
    """Delete the cards of a topic (its live id and those it replaces): a reset topic is
    neither done nor checked, so it is not reviewed either."""
    statement = delete(review_cards).where(
        _card.guild_id == key["guild_id"],
        _card.user_id == key["user_id"],
        _card.roadmap_id == key["roadmap_id"],
        _card.topic_id.in_(topic_ids),
    )
    return int(conn.execute(statement).rowcount)


def _due(
    conn: Connection, guild_id: int, user_id: int, roadmap_id: str, today: str
) -> list[StoredCard]:
    rows = _SELECT_DUE.rows(
        conn, guild_id=guild_id, user_id=user_id, roadmap_id=roadmap_id, today=today
    )
    return [_decoded(row) for row in rows]


@dataclass(frozen=True, slots=True)
class MemberReviews:
    """What a count of due reviews needs, read at once: the member's and the server's zone,
    whether reviews are on, and the cards due by `upto` (the latest the local day can be)."""

    member_zone: str | None
    server_zone: str | None
    enabled: bool
    cards: list[StoredCard]


def _member_reviews(
    conn: Connection, guild_id: int, user_id: int, roadmap_id: str, upto: str
) -> MemberReviews:
    member_zone, server_zone = zones_of(conn, guild_id, user_id)
    enabled = _enabled(conn, guild_id, user_id)
    cards = _due(conn, guild_id, user_id, roadmap_id, upto) if enabled else []
    return MemberReviews(member_zone, server_zone, enabled, cards)


def _all(conn: Connection, guild_id: int, user_id: int, roadmap_id: str) -> list[StoredCard]:
    rows = _SELECT_ALL.rows(conn, guild_id=guild_id, user_id=user_id, roadmap_id=roadmap_id)
    return [_decoded(row) for row in rows]


def _rate(
    conn: Connection,
    key: Mapping[str, Any],
    topic_id: str,
    expected_last_review: str,
    values: Mapping[str, Any],
) -> bool:
    statement = (
        update(review_cards)
        .where(
            _card.guild_id == key["guild_id"],
            _card.user_id == key["user_id"],
            _card.roadmap_id == key["roadmap_id"],
            _card.topic_id == topic_id,
            _card.last_review == expected_last_review,
        )
        .values(**values)
    )
    return bool(conn.execute(statement).rowcount)


def _enabled(conn: Connection, guild_id: int, user_id: int) -> bool:
    rows = _SELECT_ENABLED.rows(conn, guild_id=guild_id, user_id=user_id)
    return not rows or bool(rows[0][0])


def _set_enabled(conn: Connection, guild_id: int, user_id: int, enabled: int, at: str) -> None:
    statement = insert(conn, member_settings).values(
        guild_id=guild_id, user_id=user_id, reviews_enabled=enabled, updated_at=at
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["guild_id", "user_id"],
            set_={"reviews_enabled": statement.excluded.reviews_enabled, "updated_at": at},
        )
    )


def _count(conn: Connection, guild_id: int) -> int:
    return int(
        conn.scalar(
            select(func.count()).select_from(review_cards).where(_card.guild_id == guild_id)
        )
        or 0
    )


class ReviewRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(
        self, guild_id: int, user_id: int, roadmap_id: str, today: date
    ) -> list[StoredCard]:
        """The member's cards in the roadmap due on or before the local day `today`."""
        return await self._db.read(_due, guild_id, user_id, roadmap_id, encode_date(today))

    async def member_reviews(
        self, guild_id: int, user_id: int, roadmap_id: str, upto: date
    ) -> MemberReviews:
        """The member's zones, reviews setting and cards due by `upto`: one round trip."""
        return await self._db.read(
            _member_reviews, guild_id, user_id, roadmap_id, encode_date(upto)
        )

    async def cards(self, guild_id: int, user_id: int, roadmap_id: str) -> list[StoredCard]:
        """Every card of the member in the roadmap (including topics no longer in content)."""
        return await self._db.read(_all, guild_id, user_id, roadmap_id)

    async def add(
        self, guild_id: int, user_id: int, roadmap_id: str, topic_id: str, card: Mapping[str, Any]
    ) -> bool:
        """Create a card unless the topic has one; True when it was created."""
        key = {"guild_id": guild_id, "user_id": user_id, "roadmap_id": roadmap_id}
        return await self._db.write(insert_new_card, key, topic_id, card_values(card))

    async def rate(
        self,
        guild_id: int,
        user_id: int,
        roadmap_id: str,
        topic_id: str,
        *,
        expected_last_review: datetime,
        card: Mapping[str, Any],
    ) -> bool:
        """Store the card as rated, only if it was last reviewed at `expected_last_review`
        (False: rated meanwhile, by another press, or gone)."""
        key = {"guild_id": guild_id, "user_id": user_id, "roadmap_id": roadmap_id}
        return await self._db.write(
            _rate, key, topic_id, encode_time(expected_last_review), card_values(card)
        )

    async def enabled(self, guild_id: int, user_id: int) -> bool:
        """Whether the member has reviews on in the server (on unless turned off)."""
        return await self._db.read(_enabled, guild_id, user_id)

    async def set_enabled(self, guild_id: int, user_id: int, enabled: bool, at: datetime) -> None:
        await self._db.write(_set_enabled, guild_id, user_id, int(enabled), encode_time(at))

    async def count(self, guild_id: int) -> int:
        """How many cards the server's members hold (for tests and benchmarks)."""
        return await self._db.read(_count, guild_id)
