"""`/roadmap check | review | topic`: check yourself, spaced review, open any topic; and the
review's buttons (its answers and the Again / Hard / Good / Easy ratings).

Every button is a DynamicItem on a template of bot/render/custom_ids.py carrying all its press
needs, so a review goes on after a restart with nothing kept in memory; only the member it was
made for may press it. A review opened from a reminder DM (Review now) rates in the server the
DM names (`DmReviewAnswerButton`, `DmReviewRatingButton`). The check's buttons are in
check_yourself.py.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.cogs.answers import answer, answer_edit
from bot.cogs.autocomplete import MAX_CHOICES
from bot.cogs.buttons import persistent_view
from bot.cogs.check_yourself import (
    OUTDATED,
    TOPIC_LEFT,
    check_send,
    check_start_button,
    live_topic,
    questions_of,
)
from bot.cogs.groups import SubcommandCog, subcommand
from bot.cogs.kind_buttons import DmKindButton, KindButton, OwnedKindButton
from bot.cogs.topic_card import topic_view_card
from bot.errors import StudyError
from bot.render import study_loop as views
from bot.render.custom_ids import (
    DmReviewAnswer,
    DmReviewRating,
    ReviewAnswer,
    ReviewRating,
    UnversionedDmRating,
    UnversionedRating,
)
from bot.render.lookup import topic_in_roadmap
from bot.render.payload import Message
from bot.render.to_discord import edit_kwargs, send_kwargs
from bot.roadmap.catalog import require_topic
from bot.roadmap.model import Answer, Roadmap, SelfCheck, Topic
from bot.services.progress import ReviewGone
from bot.services.review import Rating, review_question, suggested_rating
from bot.services.self_check import (
    Feedback,
    Progress,
    ShownQuestion,
    answer_order,
    check_fingerprint,
)
from bot.services.study_loop import ReviewsDue

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


# -- spaced review -------------------------------------------------------------------------


def _shown_review_question(
    check: SelfCheck, user_id: int, topic: Topic, index: int
) -> ShownQuestion:
    question = check.questions[index]
    order = answer_order(user_id, topic.id, index, len(question.answers))
    answers = tuple(question.answers[i].text for i in order)
    return ShownQuestion(index, len(check.questions), question.question, answers)


def _rating_view(
    owner_id: int,
    roadmap_id: str,
    topic_id: str,
    suggested: Rating | None,
    *,
    version: int,
    dm_guild_id: int | None = None,
) -> discord.ui.View:
    """The four rating buttons for the card of `version` (CardState.version) as it was shown."""
    buttons: list[ReviewRatingButton] = []
    for rating, label in views.RATING_BUTTONS:
        spec = ReviewRating(owner_id, roadmap_id, topic_id, int(rating), version)
        # The suggested rating stands out.
        style = discord.ButtonStyle.success if rating == suggested else None
        if dm_guild_id is None:
            buttons.append(ReviewRatingButton(spec, label, style=style))
        else:
            dm_spec = DmReviewRating.of(dm_guild_id, spec)
            buttons.append(DmReviewRatingButton(dm_spec, owner_id, label, style=style))
    return persistent_view(*buttons)


def _answer_button(spec: ReviewAnswer, label: str, dm_guild_id: int | None) -> ReviewAnswerButton:
    if dm_guild_id is None:
        return ReviewAnswerButton(spec, label)
    return DmReviewAnswerButton(DmReviewAnswer.of(dm_guild_id, spec), spec.owner_id, label)


def review_card(
    owner_id: int, roadmap: Roadmap, due: ReviewsDue, dm_guild_id: int | None = None
) -> tuple[Message, discord.ui.View | None]:
    """The first review due (a check question, else the summary and the ratings), or the
    message that nothing is due; `dm_guild_id`: a review in a reminder DM, for that server."""
    item = due.first
    if item is None:
        return views.reviews_done(due), None
    topic = item.topic
    check = questions_of(topic)
    index = review_question(check, owner_id, topic.id, item.card)
    if check is None or index < 0:
        message = views.review_summary(topic, due)
        view = _rating_view(
            owner_id, roadmap.id, topic.id, None, version=item.card.version, dm_guild_id=dm_guild_id
        )
        return message, view
    shown = _shown_review_question(check, owner_id, topic, index)
    fingerprint = check_fingerprint(check)
    view = persistent_view(
        *(
            _answer_button(
                ReviewAnswer(owner_id, roadmap.id, topic.id, index, fingerprint, position),
                views.answer_label(position, text),
                dm_guild_id,
            )
            for position, text in enumerate(shown.answers)
        )
    )
    return views.review_question(topic, shown, due), view


class ReviewAnswerButton(OwnedKindButton[ReviewAnswer], kind=ReviewAnswer):
    """An answer to a review's question: right or wrong with why, then the rating buttons
    (Good suggested for a right answer, Again for a wrong one)."""

    #: The server a review in a reminder DM rates in (None: the interaction's server).
    dm_guild_id: int | None = None

    async def press(self, interaction: discord.Interaction) -> None:
        spec = self.spec
        found = live_topic(_bot(interaction), spec.roadmap_id, spec.topic_id) if spec else None
        if spec is None or found is None:
            await answer(interaction, TOPIC_LEFT if spec else OUTDATED, ephemeral=True)
            return
        roadmap, topic = found
        guild_id = self.dm_guild_id or interaction.guild_id
        assert guild_id is not None  # a review button is pressed in its server or in a DM
        # The card as it is now: the ratings shown with this answer rate this version of it.
        card = await _bot(interaction).services.study.review_card(
            guild_id, spec.owner_id, roadmap, topic
        )
        if card is None:
            raise ReviewGone("This topic has no review card any more (it was reset).")
        ratings = partial(
            _rating_view,
            spec.owner_id,
            roadmap.id,
            topic.id,
            version=card.version,
            dm_guild_id=self.dm_guild_id,
        )
        check = questions_of(topic)
        if (
            check is None
            or check_fingerprint(check) != spec.fingerprint
            or spec.question_index >= len(check.questions)
        ):
            # The questions changed: rate from memory instead.
            text = "The questions changed since this review was shown; rate from memory."
            message = views.review_answered(topic, text, Rating.Good)
            await answer_edit(interaction, **edit_kwargs(message), view=ratings(None))
            return
        question = check.questions[spec.question_index]
        order = answer_order(spec.owner_id, topic.id, spec.question_index, len(question.answers))
        if not 0 <= spec.position < len(order):
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        chosen = question.answers[order[spec.position]]
        right_answer = next((a for a in question.answers if a.right), question.answers[0])
        feedback = _feedback(chosen, right_answer)
        suggested = suggested_rating(chosen.right)
        message = views.review_answered(topic, views.feedback_line(feedback), suggested)
        await answer_edit(interaction, **edit_kwargs(message), view=ratings(suggested))


def _feedback(chosen: Answer, right_answer: Answer) -> Feedback:
    return Feedback(chosen.right, chosen, right_answer, Progress(), None, None)


class ReviewRatingButton(OwnedKindButton[ReviewRating], kind=ReviewRating):
    """Again / Hard / Good / Easy: rates the card, says when it comes back, and shows the
    next review due (in the same message)."""

    default_label = "Rate"
    dm_guild_id: int | None = None  # as ReviewAnswerButton's

    async def press(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        spec = self.spec
        roadmap = bot.content.catalog.get(spec.roadmap_id) if spec else None
        guild_id = self.dm_guild_id or interaction.guild_id
        if spec is None or roadmap is None or guild_id is None:
            await answer(interaction, TOPIC_LEFT if spec else OUTDATED, ephemeral=True)
            return
        rated = await bot.services.study.rate_review(
            guild_id,
            spec.owner_id,
            roadmap,
            spec.topic_id,
            Rating(spec.rating),
            version=spec.version,
        )
        log.info(
            "review topic=%s rating=%d guild=%s member=%s saved=%s",
            rated.topic.id,
            rated.rating,
            guild_id,
            spec.owner_id,
            rated.saved,
        )
        message, view = review_card(spec.owner_id, roadmap, rated.remaining, self.dm_guild_id)
        edit = edit_kwargs(message)
        edit["content"] = views.rated_line(rated)
        await answer_edit(interaction, **edit, view=view)


class DmReviewAnswerButton(DmKindButton[ReviewAnswer], ReviewAnswerButton, kind=DmReviewAnswer):
    """A review's answer in a reminder DM (`ya:`): the id names the server, the presser is the
    member (only the member a DM went to can press its buttons; anywhere but in a DM the id
    belongs to no one)."""


class DmReviewRatingButton(DmKindButton[ReviewRating], ReviewRatingButton, kind=DmReviewRating):
    """Again / Hard / Good / Easy in a reminder DM (`yv:`), as DmReviewAnswerButton."""


#: The answer to a rating button written before ratings carried the card's version.
UNVERSIONED = (
    "This rating button is from before an update and cannot tell which review it answers; "
    "run `/roadmap review` for the one due now."
)


class UnversionedRatingButton(KindButton[UnversionedRating], kind=UnversionedRating):
    """A rating button without the card's version (`rv:` as written before): read, and
    answered without rating, since the review it was shown for may not be the one due now.
    Rating messages are ephemeral or in the member's DM, so only the member sees it."""

    async def press(self, interaction: discord.Interaction) -> None:
        await answer(interaction, UNVERSIONED, ephemeral=True)


class UnversionedDmRatingButton(KindButton[UnversionedDmRating], kind=UnversionedDmRating):
    """An UnversionedRatingButton in a reminder DM (`yv:` without the version)."""

    async def press(self, interaction: discord.Interaction) -> None:
        await answer(interaction, UNVERSIONED, ephemeral=True)


# -- commands ------------------------------------------------------------------------------


async def staged_topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Topics of every stage for what was typed, each named with its stage's number."""
    bot = _bot(interaction)
    catalog = bot.content.catalog
    roadmap = catalog.default
    if interaction.guild_id is not None:
        roadmap = await bot.services.roadmaps.member_roadmap(
            interaction.guild_id, interaction.user.id
        )
    choices = []
    for topic in catalog.search_topics(roadmap.id, current, MAX_CHOICES):
        stage = roadmap.stage_of(topic.id)
        number = (roadmap.stage_position(stage.id) or 0) + 1 if stage else 0
        name = f"{number}. {topic.title}"
        choices.append(app_commands.Choice(name=name[:100], value=topic.id))
    return choices


class StudyLoop(SubcommandCog):
    @subcommand("roadmap check", "Check yourself: a topic's questions, one at a time")
    @app_commands.describe(topic="The topic (default: the one you just finished, else your next)")
    @app_commands.autocomplete(topic=staged_topic_choices)
    async def check(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        if topic is not None:
            with self.bot.content.catalog.topics_elsewhere(roadmap, topic_in_roadmap):
                chosen: Topic | None = require_topic(roadmap, topic)
        else:
            chosen = await self.bot.services.study.check_topic(guild_id, user_id, roadmap)
        if chosen is None:
            raise StudyError(
                "No topic is left to study: name one to check, e.g. `/roadmap check topic:...`."
            )
        await answer(interaction, **check_send(user_id, roadmap.id, chosen), ephemeral=True)

    @subcommand("roadmap review", "Spaced review: the topics due today, rated as you remember them")
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        due = await self.bot.services.study.reviews_due(guild_id, user_id, roadmap)
        message, view = review_card(user_id, roadmap, due)
        kwargs = send_kwargs(message)
        if view is not None:
            kwargs["view"] = view
        await answer(interaction, **kwargs, ephemeral=True)

    @subcommand("roadmap topic", "Open any topic's card, with your status and its buttons")
    @app_commands.describe(topic="The topic: pick one from the list (stage number first)")
    @app_commands.autocomplete(topic=staged_topic_choices)
    async def topic(self, interaction: discord.Interaction, topic: str) -> None:
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        with self.bot.content.catalog.topics_elsewhere(roadmap, topic_in_roadmap):
            chosen = require_topic(roadmap, topic)
        standing = await self.bot.services.study.standing(guild_id, user_id, roadmap)
        card = topic_view_card(
            standing, chosen, user_id, extra=check_start_button(user_id, roadmap.id, chosen)
        )
        await answer(interaction, **card.send(), ephemeral=True)


PERSISTENT_ITEMS = (
    ReviewAnswerButton,
    ReviewRatingButton,
    DmReviewAnswerButton,
    DmReviewRatingButton,
    UnversionedRatingButton,
    UnversionedDmRatingButton,
)
