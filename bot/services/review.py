"""Spaced review of the topics a member has done, scheduled by FSRS (the `fsrs` package).

Done (or a passed check) is a topic's first rating, Good; each review after it is rated Again,
Hard, Good or Easy. The scheduling itself is fsrs's: this module only configures it for a study
bot and turns its due instants into local days:

- Whole-day steps: learning and relearning steps of 1 and 3 days (fsrs's defaults are 1 and 10
  minutes, made for flashcards drilled in one sitting). With two steps, every rating in a step
  lands on a whole day (Again 1, Hard 2, Good 3), and a graduated card's interval is always
  whole days in fsrs.
- No fuzzing: fsrs draws its fuzz from the module-global `random()`, which cannot be injected,
  so due dates would differ from run to run and from the package's own in tests.
- A due date is a day in the member's local calendar: the local day of the review plus the
  interval's days (a fraction counted up, so a step is never cut short). Adding days to the local
  date rather than taking the local date of fsrs's UTC instant keeps a review done at 23:30 due
  on the next calendar day across a DST change, when 24 hours later is already 00:30 of the day
  after.

`CardState` is what a store row holds, in plain types, so the store needs no fsrs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import fsrs

from bot.roadmap.model import Roadmap, SelfCheck, Topic
from bot.services.clock import Clock
from bot.services.timezones import local_date, localize

Rating = fsrs.Rating
#: Ratings by the names buttons and logs use.
RATINGS: Mapping[str, Rating] = {rating.name.lower(): rating for rating in Rating}

LEARNING_STEPS = (timedelta(days=1), timedelta(days=3))
RELEARNING_STEPS = (timedelta(days=1), timedelta(days=3))

# fsrs's states by the names stored (readable in an export), and back.
_STATE_NAMES = {
    fsrs.State.Learning: "learning",
    fsrs.State.Review: "review",
    fsrs.State.Relearning: "relearning",
}
_STATES = {name: state for state, name in _STATE_NAMES.items()}
STATE_NAMES = tuple(_STATE_NAMES.values())

_DAY = timedelta(days=1)
# fsrs stamps every Card it makes without an id with the current epoch milliseconds and then
# sleeps a millisecond; a fixed id avoids both (cards are identified by the store's key).
_CARD_ID = 0


def study_scheduler() -> fsrs.Scheduler:
    """The fsrs scheduler this bot uses: default parameters, whole-day steps, no fuzzing."""
    return fsrs.Scheduler(
        learning_steps=LEARNING_STEPS,
        relearning_steps=RELEARNING_STEPS,
        enable_fuzzing=False,
    )


@dataclass(frozen=True, slots=True)
class CardState:
    """One member's review card of one topic, as stored.

    `due` is a day of the member's local calendar; `last_review` an aware UTC instant.
    `step` is the learning or relearning step, None once the card is in review.
    """

    due: date
    stability: float
    difficulty: float
    state: str  # one of STATE_NAMES
    step: int | None
    last_review: datetime

    def __post_init__(self) -> None:
        if self.state not in _STATES:
            raise ValueError(f"unknown review state {self.state!r}")
        if self.last_review.tzinfo is None:
            raise ValueError("last_review must be an aware datetime")

    @property
    def version(self) -> int:
        """Which review of the card this is: its last review in whole seconds. A rating button
        carries it, so a button shown before the card's last rating cannot rate it again."""
        return int(self.last_review.timestamp())

    def is_due(self, today: date) -> bool:
        """Whether the card is due on the local day `today` (or was before, and not reviewed)."""
        return self.due <= today

    def to_row(self) -> dict[str, Any]:
        """The card as column values (the store adds its key: server, member, topic)."""
        return {
            "due": self.due,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "state": self.state,
            "step": self.step,
            "last_review": self.last_review,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CardState:
        """The card from column values as `to_row` gives them (a naive `last_review` is read
        as UTC: SQLite hands timestamps back without their zone)."""
        last_review: datetime = row["last_review"]
        if last_review.tzinfo is None:
            last_review = last_review.replace(tzinfo=UTC)
        return cls(
            due=row["due"],
            stability=float(row["stability"]),
            difficulty=float(row["difficulty"]),
            state=str(row["state"]),
            step=None if row["step"] is None else int(row["step"]),
            last_review=last_review.astimezone(UTC),
        )

    def to_card(self) -> fsrs.Card:
        """The fsrs card this state stands for. Its `due` is the start of the due day in UTC:
        fsrs reads only state, step, stability, difficulty and last_review when it reviews."""
        return fsrs.Card(
            card_id=_CARD_ID,
            state=_STATES[self.state],
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=datetime.combine(self.due, time(), UTC),
            last_review=self.last_review,
        )


def due_interval(scheduler: fsrs.Scheduler, rating: Rating, now: datetime) -> timedelta:
    """How long after `now` a new card rated `rating` at `now` is due, by fsrs."""
    reviewed, _ = scheduler.review_card(
        fsrs.Card(card_id=_CARD_ID, due=now), Rating(rating), review_datetime=now
    )
    return reviewed.due - now


def due_day(reviewed_at: datetime, due_at: datetime, zone: ZoneInfo) -> date:
    """The local day a card reviewed at `reviewed_at` and due by fsrs at `due_at` is due on:
    the review's local day plus the interval in whole days (a part of a day counts as one)."""
    interval = due_at - reviewed_at
    days = interval.days + (1 if interval % _DAY else 0)
    return local_date(reviewed_at, zone) + timedelta(days=days)


def due_start(card: CardState, zone: ZoneInfo) -> datetime:
    """The UTC instant the card's due day begins in `zone` (for a Discord timestamp)."""
    return localize(card.due, time(), zone)


class ReviewScheduler:
    """Rates review cards at the injected clock's now and says what is due in a local day."""

    def __init__(self, clock: Clock, scheduler: fsrs.Scheduler | None = None) -> None:
        self._clock = clock
        self._scheduler = scheduler or study_scheduler()
        # A new card's first rating, once per rating: (interval, stability, difficulty, state,
        # step). Without fuzzing none of it depends on when the card is rated, and every Done
        # makes a first card (~25 us through fsrs on the event loop).
        self._first_ratings: dict[Rating, tuple[timedelta, float, float, str, int | None]] = {}

    def today(self, zone: ZoneInfo) -> date:
        """The member's local day now."""
        return local_date(self._clock.now(), zone)

    def first(self, zone: ZoneInfo, rating: Rating = Rating.Good) -> CardState:
        """A new card for a topic just done or checked: its first rating (Good) now."""
        now = self._clock.now().astimezone(UTC)
        rated = self._first_ratings.get(rating)
        if rated is None or self._scheduler.enable_fuzzing:
            card = self._rate(fsrs.Card(card_id=_CARD_ID, due=now), rating, zone)
            interval = due_interval(self._scheduler, rating, now)
            rated = (interval, card.stability, card.difficulty, card.state, card.step)
            self._first_ratings[rating] = rated
            return card
        interval, stability, difficulty, state, step = rated
        return CardState(
            due=due_day(now, now + interval, zone),
            stability=stability,
            difficulty=difficulty,
            state=state,
            step=step,
            last_review=now,
        )

    def review(self, card: CardState, rating: Rating, zone: ZoneInfo) -> CardState:
        """The card after the member rates it now."""
        return self._rate(card.to_card(), rating, zone)

    def is_due(self, card: CardState, zone: ZoneInfo) -> bool:
        """Whether the card is due today in the member's local day."""
        return card.is_due(self.today(zone))

    def _rate(self, card: fsrs.Card, rating: Rating, zone: ZoneInfo) -> CardState:
        now = self._clock.now().astimezone(UTC)
        reviewed, _ = self._scheduler.review_card(card, Rating(rating), review_datetime=now)
        assert reviewed.stability is not None and reviewed.difficulty is not None
        return CardState(
            due=due_day(now, reviewed.due, zone),
            stability=reviewed.stability,
            difficulty=reviewed.difficulty,
            state=_STATE_NAMES[reviewed.state],
            step=reviewed.step,
            last_review=now,
        )


def suggested_rating(right: bool) -> Rating:
    """The rating a review question's answer suggests: right Good, wrong Again."""
    return Rating.Good if right else Rating.Again


def review_question(check: SelfCheck | None, user_id: int, topic_id: str, card: CardState) -> int:
    """Which of the topic's check questions a review asks (an index), or -1 when the topic has
    none (the review shows its summary). Derived from the member, the topic and the card's last
    review, so a review shown again before it is rated asks the same question, and the next
    review (a new last_review) may ask another."""
    if check is None or not check.questions:
        return -1
    seed = f"{user_id}:{topic_id}:{card.last_review.isoformat()}".encode()
    digest = hashlib.blake2b(seed, digest_size=8).digest()
    return int.from_bytes(digest, "big") % len(check.questions)


@dataclass(frozen=True, slots=True)
class DueReview:
    topic: Topic
    card: CardState
    stored_topic_id: str  # the id the card is stored under (an old id it replaces, maybe)


def due_reviews(
    roadmap: Roadmap, cards: Iterable[tuple[str, CardState]], today: date
) -> list[DueReview]:
    """The member's cards due on `today`, earliest due first, then in roadmap order.

    Cards follow topic ids through `replaces`; a card under an id that left the content is
    never due. When a topic has cards under its own id and an old one, the latest reviewed
    decides.
    """
    chosen: dict[str, DueReview] = {}
    for stored_id, card in cards:
        live_id = roadmap.resolve(stored_id)
        topic = None if live_id is None else roadmap.topic(live_id)
        if topic is None:
            continue
        other = chosen.get(topic.id)
        if other is None or card.last_review > other.card.last_review:
            chosen[topic.id] = DueReview(topic, card, stored_id)
    due = [item for item in chosen.values() if item.card.is_due(today)]
    due.sort(key=lambda item: (item.card.due, roadmap.topic_position(item.topic.id) or 0))
    return due
