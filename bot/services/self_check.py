"""A self-check session over a topic's `check:` questions, kept entirely in button ids.

One question at a time; each answer is right or wrong with its explanation; the end shows the
score, passed when at least the content's `pass:` answers are right (default: all). Nothing is
stored while a session runs: its state is `Progress` (right or wrong for each question answered so
far, a token of two characters at most) and the order of the answers is derived, not drawn, from
(member, topic, question index) through a hash-seeded `random.Random`, so the same member sees the
same order after a restart and another member a different one. A fingerprint of the questions
(four hex characters) tells a press from before a content edit from a press on the questions
shown now.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from bot.roadmap.model import Answer, Question, SelfCheck

FINGERPRINT_LENGTH = 4


class StaleCheck(Exception):
    """A press on a check whose questions changed since its buttons were made."""


def answer_order(user_id: int, topic_id: str, question_index: int, count: int) -> tuple[int, ...]:
    """The order a member sees a question's `count` answers in: indexes into its answers.

    Seeded from a hash (not `hash()`, which changes per process) of the member, the topic and
    the question's index, so it is stable across restarts.
    """
    digest = hashlib.blake2b(
        f"{user_id}:{topic_id}:{question_index}".encode(), digest_size=8
    ).digest()
    order = list(range(count))
    random.Random(int.from_bytes(digest, "big")).shuffle(order)
    return tuple(order)


def check_fingerprint(check: SelfCheck) -> str:
    """Four hex characters that change when a question, an answer or `pass:` changes."""
    hasher = hashlib.blake2b(digest_size=4)
    hasher.update(str(check.pass_count).encode())
    for question in check.questions:
        hasher.update(b"\x00q" + question.question.encode())
        for answer in question.answers:
            hasher.update(b"\x00a" + (b"+" if answer.right else b"-") + answer.text.encode())
    return hasher.hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True, slots=True)
class Progress:
    """The answers so far, in question order: True for right. The next question's index is
    how many there are."""

    results: tuple[bool, ...] = ()

    @property
    def question_index(self) -> int:
        return len(self.results)

    @property
    def right(self) -> int:
        return sum(self.results)

    def then(self, right: bool) -> Progress:
        return Progress((*self.results, right))

    def token(self) -> str:
        """The results as hex of the binary number `1` followed by one bit per answer (1 right):
        "1" before the first answer, at most "1f" after four."""
        return format(int("1" + "".join("1" if r else "0" for r in self.results), 2), "x")

    @classmethod
    def from_token(cls, token: str) -> Progress:
        """The progress `token()` wrote; ValueError for anything else."""
        try:
            bits = format(int(token, 16), "b")
        except ValueError:
            raise ValueError(f"not a check progress token: {token!r}") from None
        if not bits.startswith("1") or format(int(bits, 2), "x") != token:
            raise ValueError(f"not a check progress token: {token!r}")
        return cls(tuple(bit == "1" for bit in bits[1:]))


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """A question as the member sees it: its answers' texts in the member's order."""

    index: int  # 0-based
    total: int
    question: str
    answers: tuple[str, ...]

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True, slots=True)
class Score:
    right: int
    total: int
    pass_count: int

    @property
    def passed(self) -> bool:
        return self.right >= self.pass_count


@dataclass(frozen=True, slots=True)
class Feedback:
    """What one press says: right or wrong, why, and what comes next."""

    right: bool
    chosen: Answer
    right_answer: Answer
    progress: Progress  # including this answer
    next_question: ShownQuestion | None  # None when this was the last
    score: Score | None  # given after the last question

    @property
    def explanation(self) -> str:
        return self.chosen.why


class CheckSession:
    """One member's pass through one topic's check, rebuilt from a button's state on every
    press: the content, the member, the topic and `Progress`."""

    def __init__(
        self, check: SelfCheck, user_id: int, topic_id: str, progress: Progress | None = None
    ) -> None:
        self.check = check
        self.user_id = user_id
        self.topic_id = topic_id
        self.progress = progress or Progress()
        if self.progress.question_index > len(check.questions):
            raise StaleCheck("more answers than questions")

    @classmethod
    def resume(
        cls,
        check: SelfCheck,
        user_id: int,
        topic_id: str,
        progress: Progress,
        fingerprint: str,
    ) -> CheckSession:
        """The session a button made for `fingerprint` belongs to; StaleCheck when the topic's
        questions changed since (the member starts again)."""
        if fingerprint != check_fingerprint(check):
            raise StaleCheck("the questions changed")
        return cls(check, user_id, topic_id, progress)

    @property
    def fingerprint(self) -> str:
        return check_fingerprint(self.check)

    @property
    def finished(self) -> bool:
        return self.progress.question_index >= len(self.check.questions)

    def question(self) -> ShownQuestion | None:
        """The question to answer now, or None when every one is answered."""
        return None if self.finished else self._shown(self.progress.question_index)

    def order(self, index: int) -> tuple[int, ...]:
        """Indexes into question `index`'s answers, in the order this member sees them."""
        count = len(self.check.questions[index].answers)
        return answer_order(self.user_id, self.topic_id, index, count)

    def answer(self, position: int) -> Feedback:
        """The member pressed the answer shown at `position` (0-based) of the current question."""
        if self.finished:
            raise StaleCheck("every question is answered")
        index = self.progress.question_index
        question = self.check.questions[index]
        order = self.order(index)
        if not 0 <= position < len(order):
            raise StaleCheck(f"no answer at position {position}")
        chosen = question.answers[order[position]]
        progress = self.progress.then(chosen.right)
        after = CheckSession(self.check, self.user_id, self.topic_id, progress)
        return Feedback(
            right=chosen.right,
            chosen=chosen,
            right_answer=_right_answer(question),
            progress=progress,
            next_question=after.question(),
            score=after.score() if after.finished else None,
        )

    def score(self) -> Score:
        """Right answers so far out of all questions, and what passes."""
        return Score(self.progress.right, len(self.check.questions), self.check.pass_count)

    def _shown(self, index: int) -> ShownQuestion:
        question = self.check.questions[index]
        answers = tuple(question.answers[i].text for i in self.order(index))
        return ShownQuestion(index, len(self.check.questions), question.question, answers)


def _right_answer(question: Question) -> Answer:
    # The checker makes sure exactly one answer is right; a hand-built one may have none.
    return next((answer for answer in question.answers if answer.right), question.answers[0])
