"""Spaced review: due dates against the fsrs package's own, local days across zones and DST,
"due today" in the member's day, the stored state's conversions, and which cards are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from bot.roadmap.model import Answer, Question, SelfCheck
from bot.services.clock import ManualClock
from bot.services.review import (
    RATINGS,
    CardState,
    Rating,
    ReviewScheduler,
    due_day,
    due_reviews,
    due_start,
    review_question,
    suggested_rating,
)
from tests.unit.services.roadmaps import make_roadmap

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


def package_scheduler() -> fsrs.Scheduler:
    """fsrs configured as the brief says, written out here rather than taken from the module:
    whole-day steps and no fuzz."""
    days = timedelta(days=1)
    return fsrs.Scheduler(
        learning_steps=(days, 3 * days),
        relearning_steps=(days, 3 * days),
        enable_fuzzing=False,
    )


# Done (Good), then a review on each due day: through learning, review, a lapse, relearning and
# back, with every rating.
SEQUENCE = (
    Rating.Good,
    Rating.Good,
    Rating.Hard,
    Rating.Good,
    Rating.Again,
    Rating.Hard,
    Rating.Good,
    Rating.Good,
    Rating.Easy,
    Rating.Again,
    Rating.Again,
    Rating.Easy,
)


def test_due_dates_follow_the_fsrs_package_for_a_sequence_of_ratings() -> None:
    clock = ManualClock(START)
    reviews = ReviewScheduler(clock)
    package = package_scheduler()
    theirs = fsrs.Card(card_id=1, due=START)
    ours: CardState | None = None
    states = set()
    for rating in SEQUENCE:
        now = clock.now()
        theirs, _ = package.review_card(theirs, rating, review_datetime=now)
        ours = reviews.first(UTC_ZONE) if ours is None else reviews.review(ours, rating, UTC_ZONE)
        interval = theirs.due - now
        assert interval % timedelta(days=1) == timedelta(0), "every interval is whole days"
        assert ours.due == theirs.due.date()
        assert (ours.stability, ours.difficulty) == (theirs.stability, theirs.difficulty)
        assert (ours.state, ours.step) == (theirs.state.name.lower(), theirs.step)
        assert ours.last_review == now
        states.add(ours.state)
        # The member reviews at 09:00 on the due day (a different hour than the last review).
        clock.set(datetime.combine(ours.due, time(9), UTC))
    assert states == {"learning", "review", "relearning"}


@pytest.mark.parametrize(
    ("rating", "days", "state"),
    [
        (Rating.Again, 1, "learning"),
        (Rating.Hard, 2, "learning"),
        (Rating.Good, 3, "learning"),
        (Rating.Easy, 8, "review"),
    ],
)
def test_first_ratings_land_on_whole_days(rating: Rating, days: int, state: str) -> None:
    card = ReviewScheduler(ManualClock(START)).first(UTC_ZONE, rating)
    assert card.due == START.date() + timedelta(days=days)
    assert card.state == state


def test_done_is_a_first_rating_of_good() -> None:
    reviews = ReviewScheduler(ManualClock(START))
    assert reviews.first(UTC_ZONE) == reviews.first(UTC_ZONE, Rating.Good)
    assert reviews.first(UTC_ZONE).due == date(2024, 5, 18)


def test_a_part_of_a_day_counts_as_a_whole_day() -> None:
    # fsrs gives 1.5 days for Hard on a single step (its rule for one step); counted up, 2.
    one_step = fsrs.Scheduler(learning_steps=(timedelta(days=1),), enable_fuzzing=False)
    card = ReviewScheduler(ManualClock(START), one_step).first(UTC_ZONE, Rating.Hard)
    assert card.due == START.date() + timedelta(days=2)
    assert due_day(START, START + timedelta(hours=36), UTC_ZONE) == date(2024, 5, 17)
    assert due_day(START, START + timedelta(days=1), UTC_ZONE) == date(2024, 5, 16)


@pytest.mark.parametrize(
    ("reviewed_local", "rating", "expected"),
    [
        # Spring forward (2024-03-31): 24 hours after 23:30 CET on the 30th is 00:30 CEST
        # on April 1, yet the card is due the next calendar day.
        (datetime(2024, 3, 30, 23, 30), Rating.Again, date(2024, 3, 31)),
        (datetime(2024, 3, 29, 23, 30), Rating.Hard, date(2024, 3, 31)),
        # Fall back (2024-10-27): 24 hours after 00:30 CEST is 23:30 CET the same day.
        (datetime(2024, 10, 27, 0, 30), Rating.Again, date(2024, 10, 28)),
        (datetime(2024, 10, 26, 0, 30), Rating.Good, date(2024, 10, 29)),
    ],
)
def test_a_dst_change_does_not_shift_the_local_due_day(
    reviewed_local: datetime, rating: Rating, expected: date
) -> None:
    now = reviewed_local.replace(tzinfo=BERLIN).astimezone(UTC)
    card = ReviewScheduler(ManualClock(now)).first(BERLIN, rating)
    assert card.due == expected
    # The package's own UTC instant, read as a Berlin date, is a day off here.
    theirs, _ = package_scheduler().review_card(fsrs.Card(card_id=1, due=now), rating, now)
    assert theirs.due.astimezone(BERLIN).date() != expected
    assert (theirs.due - now).days == (expected - reviewed_local.date()).days


def test_a_sequence_across_dst_keeps_each_interval_in_local_days() -> None:
    # Reviews at 23:30 Berlin time around both changes of 2024, compared with the package.
    clock = ManualClock(datetime(2024, 3, 20, 23, 30, tzinfo=BERLIN))
    reviews = ReviewScheduler(clock)
    package = package_scheduler()
    theirs = fsrs.Card(card_id=1, due=clock.now())
    ours: CardState | None = None
    for rating in SEQUENCE:
        now = clock.now()
        theirs, _ = package.review_card(theirs, rating, review_datetime=now)
        ours = reviews.first(BERLIN) if ours is None else reviews.review(ours, rating, BERLIN)
        local_day = now.astimezone(BERLIN).date()
        assert ours.due == local_day + timedelta(days=(theirs.due - now).days)
        assert ours.stability == theirs.stability
        clock.set(datetime.combine(ours.due, time(23, 30), BERLIN))


def test_the_review_day_is_the_members_local_day() -> None:
    # 06:30 UTC on May 16 is still May 15 in Los Angeles and already the evening in Auckland.
    now = datetime(2024, 5, 16, 6, 30, tzinfo=UTC)
    reviews = ReviewScheduler(ManualClock(now))
    assert reviews.first(ZoneInfo("America/Los_Angeles"), Rating.Again).due == date(2024, 5, 16)
    assert reviews.first(ZoneInfo("Pacific/Auckland"), Rating.Again).due == date(2024, 5, 17)
    assert reviews.first(UTC_ZONE, Rating.Again).due == date(2024, 5, 17)


def test_due_today_begins_at_the_members_local_midnight() -> None:
    clock = ManualClock(datetime(2024, 3, 30, 23, 30, tzinfo=BERLIN))
    reviews = ReviewScheduler(clock)
    card = reviews.first(BERLIN, Rating.Again)
    assert card.due == date(2024, 3, 31)
    assert not reviews.is_due(card, BERLIN)
    clock.set(datetime(2024, 3, 30, 23, 59, 59, tzinfo=BERLIN))
    assert not reviews.is_due(card, BERLIN)
    clock.set(datetime(2024, 3, 31, 0, 0, tzinfo=BERLIN))
    assert reviews.is_due(card, BERLIN)
    # Later days keep it due until it is reviewed.
    clock.advance(days=5)
    assert reviews.is_due(card, BERLIN)
    # The same card at the same instant: Los Angeles has not reached March 31 yet.
    clock.set(datetime(2024, 3, 31, 0, 0, tzinfo=BERLIN))
    assert not reviews.is_due(card, ZoneInfo("America/Los_Angeles"))
    assert reviews.today(ZoneInfo("America/Los_Angeles")) == date(2024, 3, 30)


def test_due_start_is_local_midnight_as_utc() -> None:
    card = ReviewScheduler(ManualClock(datetime(2024, 3, 30, 12, tzinfo=UTC))).first(
        BERLIN, Rating.Again
    )
    assert due_start(card, BERLIN) == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # CET, UTC+1
    later = CardState(**{**card.to_row(), "due": date(2024, 4, 1)})
    assert due_start(later, BERLIN) == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)  # CEST, UTC+2


def test_the_stored_state_round_trips_through_a_row_and_an_fsrs_card() -> None:
    card = ReviewScheduler(ManualClock(START)).first(UTC_ZONE)
    row = card.to_row()
    assert set(row) == {"due", "stability", "difficulty", "state", "step", "last_review"}
    assert CardState.from_row(row) == card
    # SQLite hands timestamps back naive: they are UTC.
    naive = {**row, "last_review": START.replace(tzinfo=None)}
    assert CardState.from_row(naive).last_review == START
    package_card = card.to_card()
    assert package_card.state == fsrs.State.Learning
    assert (package_card.step, package_card.stability) == (card.step, card.stability)
    assert package_card.last_review == START


def test_a_stored_state_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown review state"):
        CardState(date(2024, 5, 18), 2.3, 2.1, "forgotten", None, START)
    with pytest.raises(ValueError, match="aware"):
        CardState(date(2024, 5, 18), 2.3, 2.1, "review", None, START.replace(tzinfo=None))


def test_rating_names_and_suggestions() -> None:
    assert dict(RATINGS) == {
        "again": Rating.Again,
        "hard": Rating.Hard,
        "good": Rating.Good,
        "easy": Rating.Easy,
    }
    assert suggested_rating(True) is Rating.Good
    assert suggested_rating(False) is Rating.Again


def _card(due: date, reviewed: datetime = START) -> CardState:
    return CardState(due, 2.3, 2.1, "learning", 1, reviewed)


def test_due_reviews_follow_replaces_and_drop_removed_topics() -> None:
    roadmap = make_roadmap(
        {"basics": ["setup", "syntax", "functions"], "web": ["http"]},
        replaces={"functions": ["defs"]},
    )
    today = date(2024, 5, 20)
    cards = [
        ("http", _card(date(2024, 5, 18))),
        ("syntax", _card(date(2024, 5, 20))),
        ("setup", _card(date(2024, 5, 18))),
        ("defs", _card(date(2024, 5, 19))),  # stored under the id `functions` replaces
        ("gone", _card(date(2024, 5, 1))),  # a topic that left the content
        ("later", _card(date(2024, 5, 21))),
    ]
    due = due_reviews(roadmap, cards, today)
    # Earliest due first; on the same day, in roadmap order.
    assert [(item.topic.id, item.stored_topic_id) for item in due] == [
        ("setup", "setup"),
        ("http", "http"),
        ("functions", "defs"),
        ("syntax", "syntax"),
    ]
    assert due_reviews(roadmap, cards, date(2024, 5, 17)) == []


def test_under_an_old_and_a_new_id_the_latest_review_decides() -> None:
    roadmap = make_roadmap({"basics": ["functions"]}, replaces={"functions": ["defs"]})
    old = _card(date(2024, 5, 16), START)
    new = _card(date(2024, 5, 30), START + timedelta(days=1))
    for cards in ([("defs", old), ("functions", new)], [("functions", new), ("defs", old)]):
        assert due_reviews(roadmap, cards, date(2024, 5, 20)) == []
    assert [item.stored_topic_id for item in due_reviews(roadmap, cards, date(2024, 5, 30))] == [
        "functions"
    ]


def test_a_review_asks_one_check_question_chosen_by_the_card() -> None:
    questions = tuple(
        Question(f"Q{i}?", (Answer("yes", True, "Yes."), Answer("no", False, "No.")))
        for i in range(4)
    )
    check = SelfCheck(questions)
    card = _card(date(2024, 5, 18))
    index = review_question(check, 1, "loops", card)
    assert 0 <= index < 4
    assert review_question(check, 1, "loops", card) == index  # shown again: the same question
    # Over many reviews (each a new last_review) every question comes up.
    asked = {
        review_question(check, 1, "loops", _card(card.due, START + timedelta(days=n)))
        for n in range(40)
    }
    assert asked == {0, 1, 2, 3}
    assert review_question(None, 1, "loops", card) == -1


@pytest.mark.parametrize("rating", list(Rating))
def test_a_remembered_first_rating_matches_fsrs_at_every_later_moment(rating: Rating) -> None:
    """`first` computes a rating through fsrs once and reuses it: the cards it makes later, in
    other zones and across a DST change, are the ones fsrs itself gives at that moment."""
    clock = ManualClock(START)
    remembered = ReviewScheduler(clock)
    remembered.first(UTC_ZONE, rating)  # computes and keeps this rating's outcome
    for hours, zone in ((5, BERLIN), (24 * 300 + 7, ZoneInfo("Pacific/Auckland")), (1, UTC_ZONE)):
        clock.advance(timedelta(hours=hours))
        fresh = ReviewScheduler(ManualClock(clock.now()))
        assert remembered.first(zone, rating) == fresh.first(zone, rating)
