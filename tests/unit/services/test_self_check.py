"""Self-check sessions: answers shuffled per member and topic and stable across a restart, one
question at a time with right/wrong and why, the score and `pass:`, and the state a button
carries."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.roadmap.model import Answer, Question, SelfCheck
from bot.services.self_check import (
    CheckSession,
    Progress,
    StaleCheck,
    answer_order,
    check_fingerprint,
)

ALICE = 900_000_000_000_000_001
BOB = 900_000_000_000_000_002


def question(text: str, right: str, *wrong: str) -> Question:
    return Question(
        text,
        (
            Answer(right, True, f"{right} is right."),
            *(Answer(w, False, f"{w} is not it.") for w in wrong),
        ),
    )


CHECK = SelfCheck(
    (
        question("What does len([1, 2]) give?", "2", "1", "3", "[1, 2]"),
        question("Which keyword defines a function?", "def", "fun", "function"),
        question("What is 7 // 2?", "3", "3.5", "4", "2", "1"),
    )
)


def position_of(session: CheckSession, text: str) -> int:
    shown = session.question()
    assert shown is not None
    return shown.answers.index(text)


def test_a_full_check_one_question_at_a_time_with_right_wrong_and_the_score() -> None:
    session = CheckSession(CHECK, ALICE, "basics")
    first = session.question()
    assert first is not None
    assert (first.number, first.total, first.question) == (1, 3, "What does len([1, 2]) give?")
    assert sorted(first.answers) == sorted(a.text for a in CHECK.questions[0].answers)

    feedback = session.answer(position_of(session, "2"))
    assert feedback.right and feedback.explanation == "2 is right."
    assert feedback.score is None
    assert feedback.next_question is not None and feedback.next_question.number == 2

    session = CheckSession(CHECK, ALICE, "basics", feedback.progress)
    feedback = session.answer(position_of(session, "fun"))
    assert not feedback.right
    assert feedback.explanation == "fun is not it."
    assert feedback.right_answer.text == "def"

    session = CheckSession(CHECK, ALICE, "basics", feedback.progress)
    feedback = session.answer(position_of(session, "3"))
    assert feedback.next_question is None
    assert feedback.progress.results == (True, False, True)
    assert feedback.score is not None
    assert (feedback.score.right, feedback.score.total, feedback.score.passed) == (2, 3, False)
    finished = CheckSession(CHECK, ALICE, "basics", feedback.progress)
    assert finished.finished and finished.question() is None
    with pytest.raises(StaleCheck):
        finished.answer(0)


@pytest.mark.parametrize(
    ("pass_count", "results", "passed"),
    [
        (0, (True, True, True), True),  # default: all right
        (0, (True, True, False), False),
        (2, (True, False, True), True),
        (2, (False, False, True), False),
    ],
)
def test_pass_is_the_contents_count_or_all(
    pass_count: int, results: tuple[bool, ...], passed: bool
) -> None:
    check = replace(CHECK, pass_count=pass_count) if pass_count else CHECK
    score = CheckSession(check, ALICE, "t", Progress(results)).score()
    assert score.passed is passed
    assert score.pass_count == (pass_count or 3)


def test_answers_are_shuffled_per_member_and_topic_and_hold_every_answer() -> None:
    orders = {
        (user, topic, index): answer_order(user, topic, index, 5)
        for user in range(40)
        for topic in ("a", "b")
        for index in range(3)
    }
    assert all(sorted(order) == [0, 1, 2, 3, 4] for order in orders.values())
    # Shuffled: neither one order for all nor always the content's own order.
    assert len(set(orders.values())) > 20
    assert sum(order == (0, 1, 2, 3, 4) for order in orders.values()) < 10
    # The right answer (first in the content) is not always shown first.
    assert len({order.index(0) for order in orders.values()}) == 5
    assert answer_order(ALICE, "a", 0, 5) == answer_order(ALICE, "a", 0, 5)


def test_two_members_see_their_own_order_and_it_survives_a_restart() -> None:
    alice = CheckSession(CHECK, ALICE, "basics").question()
    bob = CheckSession(CHECK, BOB, "basics").question()
    assert alice is not None and bob is not None and alice.answers != bob.answers
    # Another process (another PYTHONHASHSEED, as after a restart) derives the same order.
    code = (
        "from bot.services.self_check import answer_order; "
        f"print(list(answer_order({ALICE}, 'basics', 0, 4)))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[3],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        assert out.strip() == str(list(answer_order(ALICE, "basics", 0, 4)))


def test_the_progress_token_round_trips_and_stays_short() -> None:
    tokens = set()
    for count in range(5):
        for value in range(2**count):
            results = tuple(bool(value >> bit & 1) for bit in range(count))
            progress = Progress(results)
            token = progress.token()
            assert Progress.from_token(token) == progress
            assert len(token) <= 2
            tokens.add(token)
    assert len(tokens) == 31  # every state of up to four answers has its own token
    assert Progress().token() == "1"
    assert Progress((True, True, True, True)).token() == "1f"


@pytest.mark.parametrize("token", ["", "0", "01", "1F", "-1", "g", "1 "])
def test_a_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a check progress token"):
        Progress.from_token(token)


def test_a_press_from_before_a_content_edit_is_stale() -> None:
    progress = Progress((True,))
    session = CheckSession.resume(CHECK, ALICE, "t", progress, check_fingerprint(CHECK))
    assert session.progress == progress
    edited = replace(
        CHECK, questions=(CHECK.questions[0], question("Edited?", "yes", "no"), CHECK.questions[2])
    )
    assert len(check_fingerprint(CHECK)) == 4
    for changed in (
        edited,
        replace(CHECK, pass_count=2),
        replace(CHECK, questions=CHECK.questions[:2]),
    ):
        assert check_fingerprint(changed) != check_fingerprint(CHECK)
        with pytest.raises(StaleCheck):
            CheckSession.resume(changed, ALICE, "t", progress, check_fingerprint(CHECK))
    # More answers than questions, or a position that isn't shown, are stale too.
    with pytest.raises(StaleCheck):
        CheckSession(CHECK, ALICE, "t", Progress((True,) * 4))
    with pytest.raises(StaleCheck):
        CheckSession(CHECK, ALICE, "t").answer(4)
