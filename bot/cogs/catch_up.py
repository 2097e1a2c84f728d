"""Catching up. `/roadmap skip stage:<stage>`: a whole stage a member already knows, skipped
after one confirmation. The question's buttons carry the owner and the stage id, nothing is
kept, and the skip goes through the study service's own mark (services/catch_up.py), so a
finished stage is announced (rewards) by the usual rule.

**Undo** under the card after a Done or Skip press takes it back (services/undo.py): the
status before, the completion Done logged, so the streak, and the review card it made. Its
custom_id carries the owner, both statuses, roadmap and topic; it undoes only while the topic
still has the status the press gave (a compare-and-set), so a second press changes nothing; the
stage role that press earned is taken back when the stage is no longer complete."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.cogs.answers import answer, answer_edit
from bot.cogs.buttons import OwnedButton, persistent_view
from bot.cogs.events import announce_mark
from bot.records import DONE, IN_PROGRESS, SKIPPED
from bot.render.custom_ids import SkipStageAnswer, UndoMark
from bot.render.moderation import role_taken_back_line
from bot.render.progress_card import where_line
from bot.render.status import status_words
from bot.render.text import no_pings, one_line
from bot.services.catch_up import plan_stage_skip, skip_stage
from bot.services.progress import MarkResult

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

_CODES = {DONE: "d", SKIPPED: "s", IN_PROGRESS: "p", None: "n"}
_STATUSES = {code: status for status, code in _CODES.items()}
#: Topic titles listed in the question and the answer before "and N more".
LISTED = 10


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


def _titles(topics: list[str]) -> str:
    shown = ", ".join(f"**{one_line(no_pings(title))}**" for title in topics[:LISTED])
    more = len(topics) - LISTED
    return shown + (f" and {more} more" if more > 0 else "")


class SkipStageButton(
    OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=SkipStageAnswer.TEMPLATE
):
    """ "Skip them" / "Cancel" under the question."""

    not_yours = (
        "This question was asked of another member. To skip a stage yourself, run "
        "`/roadmap skip stage:`."
    )

    def __init__(self, answer: str, owner_id: int, stage_id: str, *, count: int = 0) -> None:
        yes = answer == "yes"
        label = (f"Skip {count} topic" + ("" if count == 1 else "s")) if yes else "Cancel"
        super().__init__(
            discord.ui.Button(
                label=label if count or not yes else "Skip them",
                style=discord.ButtonStyle.primary if yes else discord.ButtonStyle.secondary,
                custom_id=SkipStageAnswer(answer, owner_id, stage_id).custom_id,
            )
        )
        self.answer, self.owner_id, self.stage_id = answer, owner_id, stage_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SkipStageButton:
        spec = SkipStageAnswer.from_match(match)
        if spec is None:  # not an id the bot wrote: it belongs to nobody
            return cls("no", 0, match["stage_id"])
        return cls(spec.answer, spec.owner_id, spec.stage_id)

    async def press(self, interaction: discord.Interaction) -> None:
        if self.answer != "yes":
            await answer_edit(interaction, content="Nothing was skipped.", view=None)
            return
        bot = _bot(interaction)
        guild_id = interaction.guild_id
        assert guild_id is not None  # asked in a server only
        roadmap = await bot.services.roadmaps.member_roadmap(guild_id, self.owner_id)
        results = await skip_stage(
            bot.services.study, guild_id, self.owner_id, roadmap, self.stage_id
        )
        for result in results:
            announce_mark(bot, guild_id, self.owner_id, result, interaction)
        stage = roadmap.stage(self.stage_id)
        name = one_line(no_pings(stage.title)) if stage else self.stage_id
        if not results:
            text = f"Nothing to skip: every topic of **{name}** is already done or skipped."
        else:
            standing = results[-1].standing
            lines = [
                f"⏭️ Skipped {_titles([r.topic.title for r in results])} in **{name}**.",
                where_line(standing),
            ]
            finished = [r.completed_stage for r in results if r.completed_stage is not None]
            if finished:
                lines.append(
                    f"🎉 You finished the stage **{one_line(no_pings(finished[-1].title))}**!"
                )
            if standing.next_topic is not None:
                lines.append(
                    f"Next up: **{one_line(no_pings(standing.next_topic.title))}** "
                    "(`/roadmap next`)"
                )
            text = "\n".join(lines)
        log.info(
            "skipped stage=%s (%d topics) guild=%s member=%s",
            self.stage_id,
            len(results),
            guild_id,
            self.owner_id,
        )
        await answer_edit(interaction, content=text, view=None)


async def ask_stage_skip(interaction: discord.Interaction, stage_text: str) -> None:
    """The confirmation question of `/roadmap skip stage:`, or why there is nothing to skip."""
    bot = _bot(interaction)
    guild_id, user_id = interaction.guild_id, interaction.user.id
    assert guild_id is not None  # every command checks it is used in a server
    roadmap = await bot.services.roadmaps.member_roadmap(guild_id, user_id)
    plan = await plan_stage_skip(bot.services.study, guild_id, user_id, roadmap, stage_text)
    name = one_line(no_pings(plan.stage.title))
    if not plan.to_skip:
        await answer(
            interaction,
            f"Nothing to skip: every topic of stage {plan.number}, **{name}**, is already done "
            "or skipped.",
            ephemeral=True,
        )
        return
    count = len(plan.to_skip)
    question = (
        f"Skip stage {plan.number}, **{name}**? {count} topic{'' if count == 1 else 's'} "
        f"not done yet will be marked skipped: {_titles([t.title for t in plan.to_skip])}. "
        "Topics you finished stay done; `/roadmap reset` undoes one."
    )
    view = persistent_view(
        SkipStageButton("yes", user_id, plan.stage.id, count=count),
        SkipStageButton("no", user_id, plan.stage.id),
    )
    await answer(interaction, question, view=view, ephemeral=True)


class UndoButton(
    OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=UndoMark.TEMPLATE
):
    """Undo under the card after Done or Skip."""

    not_yours = "This Undo belongs to the member who pressed. Use `/roadmap next` for your own."

    def __init__(
        self, owner_id: int, given: str, before: str | None, roadmap_id: str, topic_id: str
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label="Undo",
                style=discord.ButtonStyle.secondary,
                custom_id=UndoMark(
                    owner_id, _CODES[given], _CODES[before], roadmap_id, topic_id
                ).custom_id,
            )
        )
        self.owner_id, self.given, self.before = owner_id, given, before
        self.roadmap_id, self.topic_id = roadmap_id, topic_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> UndoButton:
        spec = UndoMark.from_match(match)
        given = _STATUSES[match["given"]]
        assert given is not None  # the template allows d and s only
        return cls(
            spec.owner_id if spec is not None else 0,  # 0: not an id the bot wrote, nobody's
            given,
            _STATUSES[match["before"]],
            match["roadmap_id"],
            match["topic_id"],
        )

    async def press(self, interaction: discord.Interaction) -> None:
        from bot.cogs.topic_card import next_topic_card

        bot = _bot(interaction)
        guild_id = interaction.guild_id
        assert guild_id is not None  # buttons are only ever sent in servers
        roadmap = bot.content.catalog.get(self.roadmap_id)
        live = roadmap.resolve(self.topic_id) if roadmap else None
        topic = roadmap.topic(live) if roadmap and live else None
        if roadmap is None or topic is None:
            await answer(interaction, "That topic is no longer in the roadmap.", ephemeral=True)
            return
        undo = bot.services.undo
        standing = await undo.undo(
            guild_id, self.owner_id, roadmap, topic.id, given=self.given, before=self.before
        )
        title = one_line(no_pings(topic.title))
        if standing is None:
            await answer(
                interaction,
                f"Nothing to undo: **{title}** has changed since (or was undone already).",
                ephemeral=True,
            )
            return
        log.info(
            "undid %s of topic=%s guild=%s member=%s", self.given, topic.id, guild_id, self.owner_id
        )
        card = await next_topic_card(bot, guild_id, self.owner_id, roadmap)
        edit = card.edit()
        note = f"↩️ Undone: **{title}** is {status_words(self.before)} again."
        role_id = await undo.reward_to_take_back(guild_id, self.owner_id, standing, topic.id)
        if role_id is not None:
            note += " " + await _take_back_role(bot, guild_id, self.owner_id, role_id)
        edit["content"] = "\n".join(filter(None, (note, card.message.content)))
        await answer_edit(interaction, **edit)


async def _take_back_role(bot: StudyBot, guild_id: int, user_id: int, role_id: int) -> str:
    """Remove the stage role the undone press earned; what the member reads about it."""
    try:
        await bot.http.remove_role(
            guild_id, user_id, role_id, reason="Undo: the stage is no longer complete"
        )
    except discord.HTTPException as exc:
        log.warning(
            "undo: role not taken back guild=%s member=%s role=%s: %s",
            guild_id, user_id, role_id, exc,
        )  # fmt: skip
        return f"The role <@&{role_id}> stays: Discord refused to take it back."
    log.info("undo: role taken back guild=%s member=%s role=%s", guild_id, user_id, role_id)
    return role_taken_back_line(role_id)


def undo_button(owner_id: int, result: MarkResult) -> UndoButton | None:
    """Undo for a Done or Skip press that changed the topic's status; None otherwise."""
    if not result.changed or result.status not in (DONE, SKIPPED):
        return None
    return UndoButton(
        owner_id, result.status, result.previous_status, result.standing.roadmap.id, result.topic.id
    )


class CatchUp(commands.Cog):
    """Registers the buttons; the command itself is `/roadmap skip` (study.py), and Undo is
    put under the card by topic_card.py."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_persistent_items(SkipStageButton, UndoButton)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(CatchUp(bot))
