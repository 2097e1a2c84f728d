"""The topic card of `/roadmap next`, its Done / Skip / Show example buttons, the choice card's
pick buttons, and their presses.

Done and Skip record the status and turn the same message into the following topic's card;
Show example answers with the examples the card does not show, visible only to the presser. When
a choice group's pick is due the card offers the group's topics as buttons; pressing one makes
it the member's pick and turns the message into its card. A button whose topic left the content
(or whose roadmap did) says so instead of guessing. After Done, the next card also carries a
"Check yourself" button for the topic just done (when it has questions and is not checked).

`/roadmap topic` opens any topic's card with the member's status (`topic_view_card`): the same
buttons, and opening it changes no status.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.answers import answer, answer_edit
from bot.cogs.buttons import persistent_view
from bot.cogs.catch_up import undo_button
from bot.cogs.check_yourself import check_start_button
from bot.cogs.events import announce_mark
from bot.cogs.kind_buttons import OwnedKindButton
from bot.cogs.save import save_button, with_save_button
from bot.records import DONE, SKIPPED
from bot.render.custom_ids import TopicPress
from bot.render.example import more_examples_reply
from bot.render.payload import Message
from bot.render.progress_card import pressed_note
from bot.render.status import marked_status
from bot.render.study_loop import CHECKED_MARK, reviews_due_line
from bot.render.to_discord import edit_kwargs, send_kwargs
from bot.render.topic import (
    DONE_BUTTON,
    EXAMPLE_BUTTON,
    MAX_BUTTONS,
    PICK_ACTION,
    SKIP_BUTTON,
    choice_card_buttons,
    standing_card,
    topic_card,
    topic_card_buttons,
)
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.progress import MarkResult
from bot.services.standing import Standing

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

PRESS_DONE, PRESS_SKIP, PRESS_EXAMPLE = DONE_BUTTON[0], SKIP_BUTTON[0], EXAMPLE_BUTTON[0]
_LABELS = dict((DONE_BUTTON, SKIP_BUTTON, EXAMPLE_BUTTON))
_STYLES = {
    PRESS_DONE: discord.ButtonStyle.success,
    PRESS_SKIP: discord.ButtonStyle.secondary,
    PRESS_EXAMPLE: discord.ButtonStyle.primary,
    PICK_ACTION: discord.ButtonStyle.primary,
}
_STATUS_OF_PRESS = {PRESS_DONE: DONE, PRESS_SKIP: SKIPPED}

TOPIC_GONE = (
    "This topic is no longer in the roadmap (the content was updated). "
    "Use `/roadmap next` to see your next topic."
)

#: Above the card someone gets who pressed another member's card.
OWN_CARD = "That card belongs to another member; here is your own next topic."
NO_EXAMPLE = "This card already shows all of this topic's example code (the content was updated)."


@dataclass(frozen=True, slots=True)
class Card:
    """A rendered card and the buttons that go under it (None when there are none)."""

    message: Message
    view: discord.ui.View | None

    def send(self) -> dict[str, Any]:
        kwargs = send_kwargs(self.message)
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit(self) -> dict[str, Any]:
        return {**edit_kwargs(self.message), "view": self.view}


class TopicButton(OwnedKindButton[TopicPress], kind=TopicPress):
    """Done / Skip / Show example for one member's topic, or the pick of a choice group's topic
    (labelled with the topic's title)."""

    def label_for(self, spec: TopicPress | None) -> str:
        return _LABELS.get(spec.action, spec.topic_id) if spec else self.default_label

    def style_for(self, spec: TopicPress | None) -> discord.ButtonStyle:
        return _STYLES[spec.action] if spec else self.default_style

    async def refuse(self, interaction: discord.Interaction) -> None:
        """Someone else pressed a (public) card: their own next-topic card, ephemerally, so
        the buttons they wanted are a press away and the card's owner keeps theirs."""
        if interaction.guild_id is None or self.spec is None:
            await super().refuse(interaction)
            return
        bot = cast("StudyBot", interaction.client)
        user_id = interaction.user.id
        upcoming = await bot.services.roadmaps.next_topic(interaction.guild_id, user_id)
        card = card_for(upcoming.standing, user_id, reviews_due=upcoming.reviews_due).send()
        card["content"] = "\n".join(filter(None, (OWN_CARD, card.get("content"))))
        await answer(interaction, **card, ephemeral=True)

    async def press(self, interaction: discord.Interaction) -> None:
        if self.spec is None:  # an id no button carries: OwnedButton refuses it before this
            await answer(interaction, TOPIC_GONE, ephemeral=True)
            return
        await _press(cast("StudyBot", interaction.client), interaction, self.spec)


def topic_button_items(
    owner_id: int, roadmap_id: str, topic: Topic, stage: Stage
) -> list[discord.ui.Item[Any]]:
    """The buttons under a topic card: persistent items only, so the view never times out;
    Save to DMs last, for a copy the member keeps (an ephemeral card vanishes)."""
    items: list[discord.ui.Item[Any]] = [
        TopicButton(TopicPress(action, owner_id, roadmap_id, topic.id))
        for action, _ in topic_card_buttons(topic, stage)
    ]
    items.append(save_button())
    return items


def card_for(
    standing: Standing,
    owner_id: int,
    *,
    reviews_due: int = 0,
    extra: Sequence[discord.ui.Item[Any]] = (),
) -> Card:
    """The card of the member's next topic in `standing` with its buttons, the choice card
    with a button per topic when a pick is due, or the finished card; above it, how many
    reviews are due when some are. `extra` buttons follow the card's own while there is room
    (the finished card has only them), in one view built once."""
    message = standing_card(standing)
    due = reviews_due_line(reviews_due)
    if due is not None:
        message = replace(message, content=due)
    topic, stage = standing.next_topic, standing.next_stage
    items: list[discord.ui.Item[Any]] = []
    if topic is None or stage is None:
        pass
    elif standing.next_choice is not None:
        items += (
            TopicButton(TopicPress(action, owner_id, standing.roadmap.id, topic_id), label)
            for action, label, topic_id in choice_card_buttons(standing.next_choice)
        )
    else:
        items += topic_button_items(owner_id, standing.roadmap.id, topic, stage.stage)
    for item in extra:
        if len(items) < MAX_BUTTONS:
            items.append(item)
    return Card(message, persistent_view(*items) if items else None)


def status_line(standing: Standing, topic: Topic) -> str:
    """The member's status of a topic: `Your status: done ✅ · checked ☑️`."""
    status = standing.status_of(topic.id)
    line = f"Your status: {marked_status(status)}"
    if standing.is_checked(topic.id):
        line += f" · checked {CHECKED_MARK}"
    return line


def topic_view_card(
    standing: Standing, topic: Topic, owner_id: int, *, extra: discord.ui.Item[Any] | None = None
) -> Card:
    """Any topic's card for `/roadmap topic`, with the member's status above it and the topic
    card's buttons (and `extra`, the Check yourself button)."""
    roadmap = standing.roadmap
    stage = roadmap.stage_of(topic.id)
    assert stage is not None  # a live topic is in a stage
    number = (roadmap.stage_position(stage.id) or 0) + 1
    drawn = topic_card(
        topic,
        stage,
        stage_number=number,
        stage_count=standing.stage_count,
        done=standing.done,
        total=standing.total,
    )
    message = Message(content=status_line(standing, topic), embeds=drawn.embeds)
    buttons: list[discord.ui.Item[Any]] = [
        TopicButton(TopicPress(action, owner_id, roadmap.id, topic.id))
        for action, _ in topic_card_buttons(topic, stage)
    ]
    if extra is not None:
        buttons.append(extra)
    return Card(message, persistent_view(*buttons))


def check_button_after(
    owner_id: int, roadmap_id: str, result: MarkResult
) -> discord.ui.Item[Any] | None:
    """A Check yourself button for the topic just marked done, when it has questions and is
    not checked yet."""
    if result.status != DONE or result.standing.is_checked(result.topic.id):
        return None
    return check_start_button(owner_id, roadmap_id, result.topic)


async def next_topic_card(
    bot: StudyBot,
    guild_id: int,
    user_id: int,
    roadmap: Roadmap,
    *,
    extra: Sequence[discord.ui.Item[Any]] = (),
) -> Card:
    """The member's next topic in `roadmap` (shown now, so it becomes "in progress"), with
    `extra` buttons after its own while there is room."""
    upcoming = await bot.services.study.next_topic(guild_id, user_id, roadmap, mark_open=True)
    return card_for(upcoming.standing, user_id, reviews_due=upcoming.reviews_due, extra=extra)


async def _press(bot: StudyBot, interaction: discord.Interaction, pressed: TopicPress) -> None:
    guild_id, user_id = interaction.guild_id, interaction.user.id
    if guild_id is None:  # buttons are only ever sent in servers
        return
    roadmap = bot.content.catalog.get(pressed.roadmap_id)
    live_id = roadmap.resolve(pressed.topic_id) if roadmap else None
    topic = roadmap.topic(live_id) if roadmap and live_id else None
    stage = roadmap.stage_of(topic.id) if roadmap and topic else None
    log.info(
        "button %s topic=%s guild=%s member=%s", pressed.action, pressed.topic_id, guild_id, user_id
    )
    if roadmap is None or topic is None or stage is None:
        await answer(interaction, TOPIC_GONE, ephemeral=True)
        return

    if pressed.action == PRESS_EXAMPLE:
        number = (roadmap.stage_position(stage.id) or 0) + 1
        message = more_examples_reply(
            topic, stage, stage_number=number, stage_count=len(roadmap.stages)
        )
        if message is None:
            await answer(interaction, NO_EXAMPLE, ephemeral=True)
        else:
            view = with_save_button()  # the examples shown only to the presser, to keep
            await answer(interaction, **send_kwargs(message), view=view, ephemeral=True)
        return

    if pressed.action == PICK_ACTION:
        upcoming = await bot.services.study.pick(guild_id, user_id, roadmap, topic.id)
        await answer_edit(interaction, **card_for(upcoming.standing, user_id).edit())
        return

    result = await bot.services.study.mark(
        guild_id, user_id, roadmap, topic.id, _STATUS_OF_PRESS[pressed.action]
    )
    announce_mark(bot, guild_id, user_id, result, interaction)
    # Check yourself, then Undo, after the card's own buttons while there is room (the
    # finished card has only these): one view, built once.
    extra = [
        button
        for button in (
            check_button_after(user_id, roadmap.id, result),
            undo_button(user_id, result),
        )
        if button is not None
    ]
    card = await next_topic_card(bot, guild_id, user_id, roadmap, extra=extra)
    edit = card.edit()
    edit["content"] = "\n".join(filter(None, (pressed_note(result), card.message.content)))
    await answer_edit(interaction, **edit)
