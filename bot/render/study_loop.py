"""The messages of the study loop: a self-check's questions, feedback and score, and a spaced
review's question, rating and next due date (a Discord timestamp, shown in the reader's own
zone and language).

Answers are listed in the text and numbered; the buttons under a question carry the numbers
with the start of each answer, so a long answer is never cut to fit a button's 80 characters.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.render.limits import fit_message
from bot.render.payload import DONE_COLOUR, NEUTRAL_COLOUR, TOPIC_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line
from bot.roadmap.model import Topic
from bot.services.completion import roadmap_completion
from bot.services.review import Rating
from bot.services.self_check import Feedback, Score, ShownQuestion
from bot.services.standing import Standing
from bot.services.study_loop import RatedReview, ReviewsDue

BUTTON_LABEL_MAX = 80
#: The rating buttons, in the order members see them: (fsrs rating, label).
RATING_BUTTONS: tuple[tuple[Rating, str], ...] = (
    (Rating.Again, "Again"),
    (Rating.Hard, "Hard"),
    (Rating.Good, "Good"),
    (Rating.Easy, "Easy"),
)
CHECKED_MARK = "☑️"


def discord_date(moment: datetime) -> str:
    """A Discord timestamp showing the date of `moment` in the reader's zone: `<t:...:D>`."""
    return f"<t:{int(moment.timestamp())}:D>"


def answer_label(position: int, text: str) -> str:
    """A button's label: the answer's number and as much of its text as fits."""
    label = f"{position + 1}. {one_line(no_pings(text))}"
    return label if len(label) <= BUTTON_LABEL_MAX else label[: BUTTON_LABEL_MAX - 1] + "…"


def _title(topic: Topic) -> str:
    return one_line(no_pings(topic.title))


def _question_text(shown: ShownQuestion) -> str:
    answers = "\n".join(
        f"**{number}.** {no_pings(text)}" for number, text in enumerate(shown.answers, 1)
    )
    return f"**{no_pings(shown.question)}**\n\n{answers}"


def feedback_line(feedback: Feedback) -> str:
    """Right or wrong, and why (the right answer too when the member missed it)."""
    if feedback.right:
        line = f"✅ Right: {no_pings(feedback.chosen.text)}"
    else:
        line = f"❌ Not quite: the answer is {no_pings(feedback.right_answer.text)}"
    why = feedback.explanation.strip()
    return f"{line}\n{no_pings(why)}" if why else line


def check_question(topic: Topic, shown: ShownQuestion, feedback: Feedback | None = None) -> Message:
    """One question of a self-check, after the feedback on the one before (if any)."""
    parts = [feedback_line(feedback)] if feedback is not None else []
    parts.append(f"Question {shown.number} of {shown.total}\n\n{_question_text(shown)}")
    embed = Embed(
        title=f"Check yourself · {_title(topic)}",
        description="\n\n".join(parts),
        footer="Pick an answer with the buttons below",
        colour=TOPIC_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def check_result(
    topic: Topic,
    feedback: Feedback,
    score: Score,
    *,
    newly_done: bool,
    next_review_at: datetime | None = None,
) -> Message:
    """The end of a self-check: the last feedback, the score, and what passing did."""
    lines = [feedback_line(feedback), "", f"**Score: {score.right} of {score.total} right**"]
    if score.passed:
        lines.append(f"{CHECKED_MARK} **{_title(topic)}** is checked.")
        if newly_done:
            lines.append("It is marked done too, and counts for your streak.")
        if next_review_at is not None:
            lines.append(f"First review: {discord_date(next_review_at)} (`/roadmap review`).")
    else:
        needed = score.pass_count
        lines.append(
            f"Not passed yet: {needed} right answer{'s' if needed != 1 else ''} pass. "
            f"Read the topic again and retry with `/roadmap check {topic.id}`."
        )
    embed = Embed(
        title=f"Check yourself · {_title(topic)}",
        description="\n".join(lines),
        colour=DONE_COLOUR if score.passed else NEUTRAL_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def no_check(topic: Topic) -> str:
    return f"**{_title(topic)}** has no self-check questions."


def _due_footer(remaining: int) -> str:
    return f"{remaining} review{'s' if remaining != 1 else ''} due today"


def review_question(topic: Topic, shown: ShownQuestion, due: ReviewsDue) -> Message:
    """A due review asking one of the topic's check questions."""
    embed = Embed(
        title=f"Review · {_title(topic)}",
        description=f"Do you still know this?\n\n{_question_text(shown)}",
        footer=_due_footer(due.count),
        colour=TOPIC_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def review_summary(topic: Topic, due: ReviewsDue) -> Message:
    """A due review of a topic without check questions: its summary, then the rating."""
    embed = Embed(
        title=f"Review · {_title(topic)}",
        description=(
            f"{no_pings(topic.summary.strip())}\n\n"
            "Recall what you learned about it, then rate how well you remembered."
        ),
        footer=_due_footer(due.count),
        colour=TOPIC_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def review_answered(topic: Topic, feedback_text: str, suggested: Rating) -> Message:
    """After a review question is answered: right or wrong, why, and the rating to give."""
    name = dict(RATING_BUTTONS)[suggested]
    embed = Embed(
        title=f"Review · {_title(topic)}",
        description=(
            f"{feedback_text}\n\nHow well did you remember? **{name}** is suggested; "
            "pick the rating that fits."
        ),
        colour=DONE_COLOUR if suggested >= Rating.Good else NEUTRAL_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def rated_line(rated: RatedReview) -> str:
    """What a rating did: when the topic comes back."""
    when = discord_date(rated.next_due_at)
    if not rated.saved:
        return f"**{_title(rated.topic)}** was already rated; next review {when}."
    name = dict(RATING_BUTTONS)[Rating(rated.rating)]
    return f"🔁 **{_title(rated.topic)}** rated {name}: next review {when}."


def reviews_done(due: ReviewsDue) -> Message:
    """No review left today."""
    if not due.enabled:
        text = "Reviews are off. Turn them on with `/roadmap settings reviews:True`."
    else:
        text = (
            "Nothing to review today 🎉. Topics you finish or check come back here "
            "when they are due."
        )
    return Message(embeds=(Embed(description=text, colour=DONE_COLOUR),))


def with_reviews_setting(settings: Message, enabled: bool) -> Message:
    """The `/roadmap settings` answer with the spaced-review setting as its last line."""
    state = "on (`/roadmap review`)" if enabled else "off: no spaced review comes due"
    line = f"• Reviews: {state}; `/roadmap settings reviews:` turns them on or off"
    content = f"{settings.content}\n{line}" if settings.content else line
    return fit_message(replace(settings, content=content))


def reviews_due_line(count: int) -> str | None:
    """`🔁 2 reviews due today: /roadmap review` (None when none are due)."""
    if count <= 0:
        return None
    return f"🔁 {count} review{'s' if count != 1 else ''} due today: `/roadmap review`"


def roadmap_complete(standing: Standing) -> bool:
    """Whether every stage is complete by the one rule (completion.py): only then is the
    roadmap "finished". No topic left (`standing.finished`) can still leave skipped topics that
    count only once their check is passed."""
    return standing.total > 0 and all(standing.stage_complete(s.stage) for s in standing.stages)


def waiting_checks_line(standing: Standing) -> str:
    """For a member with no topic left whose roadmap is not complete: how many skipped topics
    still wait for their check, and how to pass it."""
    waiting = sum(
        len(item.unchecked)
        for item in roadmap_completion(standing.roadmap, standing.statuses, standing.checked)
    )
    topics = "topic" if waiting == 1 else "topics"
    return (
        f"No topic is left, but {waiting} skipped {topics} still wait for their check: "
        "`/roadmap check <topic>` (or `/roadmap done <topic>` for one without questions)"
    )
