"""The study loop's messages: answer buttons fit Discord's labels, feedback says right or wrong
and why, the score says what passing did, and a rated review names its next due day as a
Discord timestamp."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.render import study_loop as views
from bot.render.limits import fits
from bot.roadmap.model import Answer, Question, SelfCheck, Stage, Topic
from bot.services.review import CardState, Rating
from bot.services.self_check import CheckSession, Score
from bot.services.study_loop import RatedReview, ReviewsDue

RIGHT = Answer("A tuple", True, "A tuple cannot change once made.")
WRONG = Answer("A list", False, "Lists change in place.")
CHECK = SelfCheck((Question("Which is immutable?", (RIGHT, WRONG)),))
TOPIC = Topic("types", "Data types", "Python's types.", check=CHECK)
STAGE = Stage("basics", "Basics", "-", (TOPIC,))
NOON = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


def test_an_answer_label_is_numbered_and_cut_to_discords_80_characters() -> None:
    assert views.answer_label(0, "A tuple") == "1. A tuple"
    long = views.answer_label(3, "word " * 40)
    assert len(long) == views.BUTTON_LABEL_MAX and long.startswith("4. word") and long[-1] == "…"


def test_a_question_then_the_feedback_and_the_score() -> None:
    session = CheckSession(CHECK, 7, TOPIC.id)
    shown = session.question()
    assert shown is not None
    question = views.check_question(TOPIC, shown)
    assert question.embed is not None and fits(question)
    assert "Question 1 of 1" in (question.embed.description or "")
    assert "**1.** " in (question.embed.description or "")
    wrong_position = shown.answers.index("A list")
    feedback = session.answer(wrong_position)
    line = views.feedback_line(feedback)
    assert line == "❌ Not quite: the answer is A tuple\nLists change in place."
    failed = views.check_result(TOPIC, feedback, Score(0, 1, 1), newly_done=False)
    assert "Score: 0 of 1 right" in (failed.embed.description or "")  # type: ignore[union-attr]
    assert "`/roadmap check types`" in (failed.embed.description or "")  # type: ignore[union-attr]
    right = CheckSession(CHECK, 7, TOPIC.id).answer(shown.answers.index("A tuple"))
    passed = views.check_result(TOPIC, right, Score(1, 1, 1), newly_done=True, next_review_at=NOON)
    text = passed.embed.description or ""  # type: ignore[union-attr]
    assert "☑️ **Data types** is checked." in text
    assert "marked done too" in text
    assert f"<t:{int(NOON.timestamp())}:D>" in text


def test_a_rated_review_names_its_next_due_day() -> None:
    card = CardState(date(2024, 5, 18), 2.3, 2.1, "learning", 1, NOON)
    due = ReviewsDue(date(2024, 5, 15), ZoneInfo("UTC"), True, ())
    midnight = datetime(2024, 5, 18, tzinfo=UTC)
    rated = RatedReview(TOPIC, STAGE, int(Rating.Hard), card, midnight, due, True)
    assert views.rated_line(rated) == (
        f"🔁 **Data types** rated Hard: next review <t:{int(midnight.timestamp())}:D>."
    )
    again = RatedReview(TOPIC, STAGE, int(Rating.Hard), card, midnight, due, False)
    assert "was already rated" in views.rated_line(again)
    assert views.reviews_due_line(0) is None
    assert views.reviews_due_line(1) == "🔁 1 review due today: `/roadmap review`"
    assert "Nothing to review today" in (views.reviews_done(due).embed.description or "")  # type: ignore[union-attr]
