"""Check yourself: the "Check yourself" button, a running check's answer buttons, and the
message of a check's question, kept entirely in the buttons' custom_ids (bot/render/custom_ids.py).

A check goes on after a restart with nothing kept in memory; only the member it was made for
may press its buttons. Passing records the check (and done) through StudyService.record_check.
A check started from a reminder DM records in the server the DM names (`DmCheckAnswerButton`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.answers import answer, answer_edit
from bot.cogs.buttons import persistent_view
from bot.cogs.events import announce_mark
from bot.cogs.kind_buttons import DmKindButton, OwnedKindButton
from bot.errors import StudyError
from bot.render import study_loop as views
from bot.render.custom_ids import CheckAnswer, CheckStart, DmCheckAnswer
from bot.render.payload import Message
from bot.render.to_discord import edit_kwargs, send_kwargs
from bot.roadmap.model import Roadmap, SelfCheck, Topic
from bot.services.self_check import CheckSession, Feedback, ShownQuestion, StaleCheck
from bot.services.study_loop import next_due_at

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

STALE_CHECK = (
    "This topic's questions changed since these buttons were made. "
    "Start again with `/roadmap check`."
)
OUTDATED = "This button is outdated. Use `/roadmap next` to carry on."
TOPIC_LEFT = (
    "This topic is no longer in the roadmap (the content was updated). "
    "Use `/roadmap next` to see your next topic."
)


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


def questions_of(topic: Topic) -> SelfCheck | None:
    """The topic's check when it has questions."""
    return topic.check if topic.check is not None and topic.check.questions else None


def live_topic(bot: StudyBot, roadmap_id: str, topic_id: str) -> tuple[Roadmap, Topic] | None:
    """The roadmap and the live topic a button names (following `replaces`), or None."""
    roadmap = bot.content.catalog.get(roadmap_id)
    live_id = roadmap.resolve(topic_id) if roadmap else None
    topic = roadmap.topic(live_id) if roadmap and live_id else None
    return None if roadmap is None or topic is None else (roadmap, topic)


def check_start_button(owner_id: int, roadmap_id: str, topic: Topic) -> CheckStartButton | None:
    """A Check yourself button for the topic (None when it has no questions)."""
    if questions_of(topic) is None:
        return None
    return CheckStartButton(CheckStart(owner_id, roadmap_id, topic.id))


def _check_view(
    owner_id: int,
    roadmap_id: str,
    session: CheckSession,
    shown: ShownQuestion,
    dm_guild_id: int | None = None,
) -> discord.ui.View:
    buttons: list[CheckAnswerButton] = []
    for position, text in enumerate(shown.answers):
        spec = CheckAnswer(
            owner_id, roadmap_id, session.topic_id, session.progress, session.fingerprint, position
        )
        label = views.answer_label(position, text)
        if dm_guild_id is None:
            buttons.append(CheckAnswerButton(spec, label))
        else:
            buttons.append(
                DmCheckAnswerButton(DmCheckAnswer.of(dm_guild_id, spec), owner_id, label)
            )
    return persistent_view(*buttons)


def check_card(
    owner_id: int, roadmap_id: str, topic: Topic, dm_guild_id: int | None = None
) -> tuple[Message, discord.ui.View]:
    """The first question of the topic's check with its answer buttons (StudyError when the
    topic has no questions); `dm_guild_id`: a check in a reminder DM, for that server."""
    check = questions_of(topic)
    if check is None:
        raise StudyError(views.no_check(topic))
    session = CheckSession(check, owner_id, topic.id)
    shown = session.question()
    assert shown is not None  # a check with questions has a first one
    view = _check_view(owner_id, roadmap_id, session, shown, dm_guild_id)
    return views.check_question(topic, shown), view


def check_send(
    owner_id: int, roadmap_id: str, topic: Topic, dm_guild_id: int | None = None
) -> dict[str, Any]:
    """`check_card` as keyword arguments for a new message."""
    message, view = check_card(owner_id, roadmap_id, topic, dm_guild_id)
    return {**send_kwargs(message), "view": view}


class CheckStartButton(OwnedKindButton[CheckStart], kind=CheckStart):
    """ "Check yourself": the topic's check as a new message, only for the presser."""

    default_label = "Check yourself"
    default_style = discord.ButtonStyle.primary

    async def press(self, interaction: discord.Interaction) -> None:
        spec = self.spec
        found = live_topic(_bot(interaction), spec.roadmap_id, spec.topic_id) if spec else None
        if found is None:
            await answer(interaction, TOPIC_LEFT if self.spec else OUTDATED, ephemeral=True)
            return
        roadmap, topic = found
        await answer(interaction, **check_send(self.owner_id, roadmap.id, topic), ephemeral=True)


class CheckAnswerButton(OwnedKindButton[CheckAnswer], kind=CheckAnswer):
    """One answer of a running check: says right or wrong, then the next question or the
    score; the last answer of a passed check records it."""

    #: The server a check in a reminder DM records in (None: the interaction's server).
    dm_guild_id: int | None = None

    async def press(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        spec = self.spec
        found = live_topic(bot, spec.roadmap_id, spec.topic_id) if spec else None
        if spec is None or found is None:
            await answer(interaction, TOPIC_LEFT if spec else OUTDATED, ephemeral=True)
            return
        roadmap, topic = found
        check = questions_of(topic)
        try:
            if check is None:
                raise StaleCheck("the topic has no questions any more")
            session = CheckSession.resume(
                check, spec.owner_id, topic.id, spec.progress, spec.fingerprint
            )
            feedback = session.answer(spec.position)
        except StaleCheck:
            await answer_edit(interaction, content=STALE_CHECK, embeds=[], view=None)
            return
        if feedback.next_question is not None:
            after = CheckSession(check, spec.owner_id, topic.id, feedback.progress)
            message = views.check_question(topic, feedback.next_question, feedback)
            view = _check_view(
                spec.owner_id, roadmap.id, after, feedback.next_question, self.dm_guild_id
            )
            await answer_edit(interaction, **edit_kwargs(message), view=view)
            return
        guild_id = self.dm_guild_id or interaction.guild_id
        assert guild_id is not None
        await _finish_check(bot, interaction, roadmap, topic, feedback, guild_id=guild_id)


class DmCheckAnswerButton(DmKindButton[CheckAnswer], CheckAnswerButton, kind=DmCheckAnswer):
    """A check's answer in a reminder DM (`xa:`): the id names the server, the presser is the
    member (only the member a DM went to can press its buttons; the same id pressed anywhere
    but in a DM belongs to no one and is refused)."""


async def _finish_check(
    bot: StudyBot,
    interaction: discord.Interaction,
    roadmap: Roadmap,
    topic: Topic,
    feedback: Feedback,
    *,
    guild_id: int,
) -> None:
    assert feedback.score is not None
    user_id = interaction.user.id
    outcome = await bot.services.study.record_check(
        guild_id, user_id, roadmap, topic, feedback.score
    )
    next_review_at = None
    newly_done = False
    if outcome.mark is not None:
        announce_mark(bot, guild_id, user_id, outcome.mark, interaction)
        newly_done = outcome.mark.changed
        found = await bot.services.study.review_card(guild_id, user_id, roadmap, topic)
        if found is not None:
            next_review_at = next_due_at(found, await bot.services.study.zone(guild_id, user_id))
    log.info(
        "check topic=%s guild=%s member=%s score=%d/%d",
        topic.id,
        guild_id,
        user_id,
        feedback.score.right,
        feedback.score.total,
    )
    message = views.check_result(
        topic, feedback, feedback.score, newly_done=newly_done, next_review_at=next_review_at
    )
    await answer_edit(interaction, **edit_kwargs(message), view=None)
