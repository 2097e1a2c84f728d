"""`/roadmap next | stage | example | done | skip | reset`: working through the roadmap."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import stage_choices, stage_topic_choices, topic_choices
from bot.cogs.buttons import persistent_view
from bot.cogs.catch_up import ask_stage_skip, undo_button
from bot.cogs.check_yourself import check_start_button
from bot.cogs.events import announce_mark
from bot.cogs.groups import SubcommandCog, subcommand
from bot.cogs.save import with_save_button
from bot.cogs.topic_card import card_for
from bot.errors import StudyError
from bot.records import DONE, SKIPPED
from bot.render.example import example_reply
from bot.render.lookup import topic_in_roadmap, topic_in_stage
from bot.render.progress_card import mark_reply
from bot.render.stage import stage_overview
from bot.render.text import no_pings, one_line
from bot.render.to_discord import send_kwargs
from bot.render.topic import forget_rendered_cards
from bot.roadmap.catalog import require_stage, require_stage_topic
from bot.services.content import ReloadOutcome
from bot.services.standing import roadmap_study_minutes

#: done / skip / reset per member: catching up marks many topics in a row (the default, 8 in
#: 20 s, refused the 9th); a flood of other commands is still held by the default.
MARK_COOLDOWN = (30, 20.0)


def _ids(interaction: discord.Interaction) -> tuple[int, int]:
    assert interaction.guild_id is not None  # every command checks it is used in a server
    return interaction.guild_id, interaction.user.id


class Study(SubcommandCog):
    @commands.Cog.listener()
    async def on_content_reloaded(self, outcome: ReloadOutcome) -> None:
        if outcome.applied:
            forget_rendered_cards()

    @subcommand("roadmap next", "Your next topic, with Done, Skip and Show example buttons")
    @app_commands.describe(public="Show the answer to everyone in this channel (default: only you)")
    async def next_topic(self, interaction: discord.Interaction, public: bool = False) -> None:
        guild_id, user_id = _ids(interaction)
        upcoming = await self.bot.services.roadmaps.next_topic(guild_id, user_id)
        card = card_for(upcoming.standing, user_id, reviews_due=upcoming.reviews_due)
        await answer(interaction, **card.send(), ephemeral=not public)

    @subcommand("roadmap stage", "A stage's topics and where you stand in each")
    @app_commands.describe(
        stage="The stage: pick one from the list, or type its number or name",
        public="Show the answer to everyone in this channel (default: only you)",
    )
    @app_commands.autocomplete(stage=stage_choices)
    async def stage(
        self, interaction: discord.Interaction, stage: str, public: bool = False
    ) -> None:
        guild_id, user_id = _ids(interaction)
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        view = await self.bot.services.study.stage_view(guild_id, user_id, roadmap, stage)
        statuses = {item.topic.id: item.status for item in view.topics if item.status}
        message = stage_overview(
            view.stage,
            stage_number=view.number,
            stage_count=view.stage_count,
            statuses=statuses,
            roadmap_minutes=roadmap_study_minutes(roadmap),
            checked=view.standing.checked,
        )
        await answer(interaction, **send_kwargs(message), ephemeral=not public)

    @subcommand("roadmap example", "The example code of a stage, or of one of its topics")
    @app_commands.describe(
        stage="The stage whose example you want",
        topic="A topic of that stage (optional)",
        public="Show the answer to everyone in this channel (default: only you)",
    )
    @app_commands.autocomplete(stage=stage_choices, topic=stage_topic_choices)
    async def example(
        self,
        interaction: discord.Interaction,
        stage: str,
        topic: str | None = None,
        public: bool = False,
    ) -> None:
        guild_id, user_id = _ids(interaction)
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        chosen_stage = require_stage(roadmap, stage)
        chosen_topic = None
        if topic is not None:  # of that stage: one elsewhere is named where it is, not shown
            with self.bot.content.catalog.topics_elsewhere(roadmap, topic_in_roadmap):
                chosen_topic = require_stage_topic(roadmap, chosen_stage, topic, topic_in_stage)
        number = (roadmap.stage_position(chosen_stage.id) or 0) + 1
        message = example_reply(
            chosen_stage, chosen_topic, stage_number=number, stage_count=len(roadmap.stages)
        )
        if message is None:
            raise StudyError(
                f"**{one_line(no_pings(chosen_stage.title))}** has no example code"
                + (" and neither does that topic." if topic is not None else ".")
            )
        # Save to DMs: an ephemeral answer vanishes, a DM is kept.
        view = with_save_button()
        await answer(interaction, **send_kwargs(message), view=view, ephemeral=not public)

    async def _mark(self, interaction: discord.Interaction, topic: str, status: str | None) -> None:
        guild_id, user_id = _ids(interaction)
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        study = self.bot.services.study
        with self.bot.content.catalog.topics_elsewhere(roadmap, topic_in_roadmap):
            if status is None:
                result = await study.reset(guild_id, user_id, roadmap, topic)
            else:
                result = await study.mark(guild_id, user_id, roadmap, topic, status)
        announce_mark(self.bot, guild_id, user_id, result, interaction)
        reply = send_kwargs(mark_reply(result))
        buttons: list[discord.ui.Item[Any]] = []
        if result.status == DONE and not result.standing.is_checked(result.topic.id):
            button = check_start_button(user_id, roadmap.id, result.topic)
            if button is not None:  # the topic has questions: offer its check at once
                buttons.append(button)
        undo = undo_button(user_id, result)  # a Done or Skip that changed something
        if undo is not None:
            buttons.append(undo)
        if buttons:
            reply["view"] = persistent_view(*buttons)
        await answer(interaction, **reply, ephemeral=True)

    @subcommand("roadmap done", "Mark a topic as done", cooldown=MARK_COOLDOWN)
    @app_commands.describe(topic="The topic you finished")
    @app_commands.autocomplete(topic=topic_choices)
    async def done(self, interaction: discord.Interaction, topic: str) -> None:
        await self._mark(interaction, topic, DONE)

    @subcommand(
        "roadmap skip", "Skip a topic, or a whole stage, you already know", cooldown=MARK_COOLDOWN
    )
    @app_commands.describe(
        topic="The topic to skip", stage="A whole stage to skip (asks first); instead of a topic"
    )
    @app_commands.autocomplete(topic=topic_choices, stage=stage_choices)
    async def skip(
        self, interaction: discord.Interaction, topic: str | None = None, stage: str | None = None
    ) -> None:
        if (topic is None) == (stage is None):
            raise StudyError("Give a `topic` to skip, or a `stage` to skip all of it (not both).")
        if stage is not None:
            await ask_stage_skip(interaction, stage)
            return
        assert topic is not None
        await self._mark(interaction, topic, SKIPPED)

    @subcommand("roadmap reset", "Set a topic back to not started", cooldown=MARK_COOLDOWN)
    @app_commands.describe(topic="The topic to reset")
    @app_commands.autocomplete(topic=topic_choices)
    async def reset(self, interaction: discord.Interaction, topic: str) -> None:
        await self._mark(interaction, topic, None)
