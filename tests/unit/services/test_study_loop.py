"""The study loop's use cases over a real database and a manual clock: a passed check marks a
topic checked (and done), done creates the review card, reviews come due in the member's local
day, each rating reschedules, cards follow `replaces`, removed topics never come due, and the
stage-completion rule decides rewards."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import fsrs
import pytest

from bot.records import DONE, SKIPPED
from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.members import MemberService
from bot.services.progress import ReviewAnswered, ReviewGone, StudyService
from bot.services.review import CardState, Rating, due_day, study_scheduler
from bot.services.self_check import Score
from bot.store.database import Database
from bot.store.reviews import ReviewRepository
from tests.unit.services.conftest import ALICE, BOB, GUILD
from tests.unit.services.roadmaps import make_roadmap

PASSED = Score(right=3, total=3, pass_count=3)
FAILED = Score(right=1, total=3, pass_count=3)


async def test_a_passed_check_marks_the_topic_checked_and_done_once(
    study: StudyService, roadmap: Roadmap, db: Database
) -> None:
    topic = roadmap.topic("setup")
    assert topic is not None
    failed = await study.record_check(GUILD, ALICE, roadmap, topic, FAILED)
    assert failed.mark is None
    assert (await study.standing(GUILD, ALICE, roadmap)).status_of("setup") is None

    passed = await study.record_check(GUILD, ALICE, roadmap, topic, PASSED)
    assert passed.mark is not None and passed.mark.changed and passed.mark.checked
    standing = passed.mark.standing
    assert standing.status_of("setup") == DONE and standing.is_checked("setup")
    # A completion in the log: the streak sees it.
    assert passed.mark.streak is not None and passed.mark.streak.current == 1
    assert len(await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id)) == 1

    again = await study.record_check(GUILD, ALICE, roadmap, topic, PASSED)
    assert again.mark is not None and not again.mark.changed and not again.mark.checked

    reset = await study.reset(GUILD, ALICE, roadmap, "setup")
    assert reset.status is None and not reset.standing.is_checked("setup")
    assert await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id) == []


async def test_done_creates_a_card_due_by_fsrs_in_the_local_day(
    study: StudyService, roadmap: Roadmap, clock: ManualClock, members: MemberService
) -> None:
    await members.update_settings(GUILD, ALICE, time_zone="Asia/Tokyo")
    await study.mark(GUILD, ALICE, roadmap, "setup", DONE)
    assert (await study.reviews_due(GUILD, ALICE, roadmap)).count == 0
    assert (await study.next_topic(GUILD, ALICE, roadmap)).reviews_due == 0

    # fsrs's own first Good: due three days later (a whole-day step), on the Tokyo calendar.
    first, _ = study_scheduler().review_card(fsrs.Card(card_id=0, due=clock.now()), Rating.Good)
    assert first.due - first.last_review == timedelta(days=3)
    clock.advance(days=2)
    assert (await study.reviews_due(GUILD, ALICE, roadmap)).count == 0
    clock.advance(days=1)
    due = await study.reviews_due(GUILD, ALICE, roadmap)
    assert due.today == date(2024, 5, 18)  # 21:00 in Tokyo
    assert [item.topic.id for item in due.due] == ["setup"]
    assert (await study.next_topic(GUILD, ALICE, roadmap)).reviews_due == 1
    summary = await study.summary(GUILD, ALICE, roadmap)
    assert summary.reviews_due == 1
    # Bob has nothing due.
    assert (await study.reviews_due(GUILD, BOB, roadmap)).count == 0


@pytest.mark.parametrize("rating", list(Rating))
async def test_each_rating_reschedules_the_card_as_fsrs_does(
    study: StudyService, roadmap: Roadmap, clock: ManualClock, db: Database, rating: Rating
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", DONE)
    clock.advance(days=3)
    (stored,) = await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id)
    expected, _ = study_scheduler().review_card(
        CardState.from_row(stored.as_row()).to_card(), rating, review_datetime=clock.now()
    )
    shown = CardState.from_row(stored.as_row()).version  # the card when it was shown
    rated = await study.rate_review(GUILD, ALICE, roadmap, "setup", rating, version=shown)
    assert rated.saved and rated.rating == int(rating)
    assert rated.card.due == due_day(clock.now(), expected.due, UTC)
    assert rated.card.due > date(2024, 5, 18)
    assert rated.next_due_at == datetime.combine(rated.card.due, time(), UTC)
    assert rated.remaining.count == 0
    assert rated.card.version != shown
    # A second press of a button shown before that rating is refused and changes nothing.
    with pytest.raises(ReviewAnswered, match="already answered; run `/roadmap review`"):
        await study.rate_review(GUILD, ALICE, roadmap, "setup", rating, version=shown)
    # One of the card as it is now, not due: saves nothing either, and says when it is due.
    again = await study.rate_review(
        GUILD, ALICE, roadmap, "setup", rating, version=rated.card.version
    )
    assert not again.saved and again.card == rated.card
    (after,) = await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id)
    assert CardState.from_row(after.as_row()) == rated.card


async def test_an_old_rating_button_cannot_rate_the_next_review_of_its_card(
    study: StudyService, roadmap: Roadmap, clock: ManualClock, db: Database
) -> None:
    """Rated Again, the card comes due again; the buttons of the review answered before must
    not rate this one, whose question the member has not seen."""
    await study.mark(GUILD, ALICE, roadmap, "setup", DONE)
    clock.advance(days=3)
    (stored,) = await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id)
    shown = CardState.from_row(stored.as_row()).version
    first = await study.rate_review(GUILD, ALICE, roadmap, "setup", Rating.Again, version=shown)
    assert first.saved
    clock.advance(days=(first.card.due - clock.now().date()).days)
    assert (await study.reviews_due(GUILD, ALICE, roadmap)).count == 1  # due again
    with pytest.raises(ReviewAnswered):
        await study.rate_review(GUILD, ALICE, roadmap, "setup", Rating.Easy, version=shown)
    (after,) = await ReviewRepository(db).cards(GUILD, ALICE, roadmap.id)
    assert CardState.from_row(after.as_row()) == first.card  # not rated again
    now = await study.rate_review(
        GUILD, ALICE, roadmap, "setup", Rating.Good, version=first.card.version
    )
    assert now.saved


async def test_reviews_can_be_turned_off_and_on(
    study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", DONE)
    clock.advance(days=3)
    await study.set_reviews_enabled(GUILD, ALICE, False)
    off = await study.reviews_due(GUILD, ALICE, roadmap)
    assert (off.enabled, off.count) == (False, 0)
    assert not await study.reviews_enabled(GUILD, ALICE)
    await study.set_reviews_enabled(GUILD, ALICE, True)
    assert (await study.reviews_due(GUILD, ALICE, roadmap)).count == 1


async def test_cards_follow_replaces_and_a_removed_topic_is_never_due(
    study: StudyService, clock: ManualClock
) -> None:
    before = make_roadmap({"basics": ["defs", "loops"]}, roadmap_id="python")
    await study.mark(GUILD, ALICE, before, "defs", DONE)
    await study.mark(GUILD, ALICE, before, "loops", DONE)
    clock.advance(days=3)
    assert (await study.reviews_due(GUILD, ALICE, before)).count == 2

    # The content is edited: `functions` replaces `defs`, `loops` is removed.
    after = make_roadmap(
        {"basics": ["functions"]}, roadmap_id="python", replaces={"functions": ["defs"]}
    )
    due = await study.reviews_due(GUILD, ALICE, after)
    assert [(item.topic.id, item.stored_topic_id) for item in due.due] == [("functions", "defs")]
    shown = due.due[0].card.version
    rated = await study.rate_review(GUILD, ALICE, after, "functions", Rating.Good, version=shown)
    assert rated.saved and rated.topic.id == "functions"
    assert (await study.reviews_due(GUILD, ALICE, after)).count == 0
    with pytest.raises(ReviewGone):
        await study.rate_review(GUILD, ALICE, after, "loops", Rating.Good, version=shown)


async def test_a_skipped_topic_counts_for_the_stage_only_once_its_check_is_passed(
    study: StudyService, roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", DONE)
    await study.mark(GUILD, ALICE, roadmap, "syntax", DONE)
    skipped = await study.mark(GUILD, ALICE, roadmap, "functions", SKIPPED)
    assert skipped.completed_stage is None
    topic = roadmap.topic("functions")
    assert topic is not None
    checked = await study.record_check(GUILD, ALICE, roadmap, topic, PASSED)
    assert checked.mark is not None
    assert checked.mark.completed_stage is not None
    assert checked.mark.completed_stage.id == "basics"
    assert checked.mark.standing.stage_complete(checked.mark.stage)
