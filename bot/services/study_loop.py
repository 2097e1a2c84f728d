"""The study loop's results and rules between the store and the render layer: a member's due
reviews, a rated review, a self-check's outcome.

The use cases themselves are `StudyService`'s (bot/services/progress.py): a passed check and a
first review card are written with the status change they come with, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.review import CardState, DueReview, due_reviews, due_start
from bot.store.reviews import StoredCard


@dataclass(frozen=True, slots=True)
class ReviewsDue:
    """The member's reviews due on their local day `today` (empty when reviews are off)."""

    today: date
    zone: ZoneInfo
    enabled: bool
    due: tuple[DueReview, ...]

    @property
    def count(self) -> int:
        return len(self.due)

    @property
    def first(self) -> DueReview | None:
        return self.due[0] if self.due else None


@dataclass(frozen=True, slots=True)
class RatedReview:
    """A review the member just rated: the card after it, when its next review is due (the
    start of that local day, for a Discord timestamp), and the reviews still due today."""

    topic: Topic
    stage: Stage
    rating: int
    card: CardState
    next_due_at: datetime
    remaining: ReviewsDue
    saved: bool  # False when this review had been rated already (a second press)


def states_of(cards: Iterable[StoredCard]) -> list[tuple[str, CardState]]:
    """(stored topic id, card) of stored cards."""
    return [(card.topic_id, CardState.from_row(card.as_row())) for card in cards]


def all_live(roadmap: Roadmap, cards: Iterable[StoredCard]) -> bool:
    """Whether every card is stored under a live topic id (so no card under an id it replaces
    could be newer than the one found): then the due cards alone decide what is due."""
    return all(roadmap.topic(card.topic_id) is not None for card in cards)


def reviews_due(
    roadmap: Roadmap, cards: Iterable[StoredCard], today: date, zone: ZoneInfo, enabled: bool
) -> ReviewsDue:
    """The reviews due on `today` among `cards` (cards follow `replaces`; removed topics never
    come due)."""
    if not enabled:
        return ReviewsDue(today, zone, False, ())
    return ReviewsDue(today, zone, True, tuple(due_reviews(roadmap, states_of(cards), today)))


def cards_read_upto(now: datetime) -> date:
    """The latest local day anywhere at `now` (UTC's day after): reading the cards due by then
    finds every member's cards due today, whatever their zone, before the zone is known."""
    return now.astimezone(UTC).date() + timedelta(days=1)


def reviews_due_from_read(
    roadmap: Roadmap, cards: Iterable[StoredCard], today: date, zone: ZoneInfo, enabled: bool
) -> ReviewsDue | None:
    """The reviews due on `today` from the cards read due by `cards_read_upto`; None when one
    of those due today sits under an id a topic replaces, since a newer card under the live id
    may exist and not be due: only all the member's cards tell then."""
    due_today = [card for card in cards if card.due <= today]
    if not all_live(roadmap, due_today):
        return None
    return reviews_due(roadmap, due_today, today, zone, enabled)


def card_of(
    roadmap: Roadmap, cards: Iterable[StoredCard], topic: Topic
) -> tuple[str, CardState] | None:
    """The member's card of `topic` (under its id or one it replaces; the latest reviewed
    decides), with the id it is stored under; None when the topic has none."""
    found: tuple[str, CardState] | None = None
    for stored_id, card in states_of(cards):
        if roadmap.resolve(stored_id) != topic.id:
            continue
        if found is None or card.last_review > found[1].last_review:
            found = (stored_id, card)
    return found


def next_due_at(card: CardState, zone: ZoneInfo) -> datetime:
    """When the card's due day begins for the member."""
    return due_start(card, zone)
