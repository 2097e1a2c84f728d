"""Autocomplete for stages, topics, roadmaps and time zones, served from in-memory indexes.

Only a hint: every command validates the value again. Choices carry ids as values and
readable titles as names (Discord allows 25 choices, names and values of 100 characters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.errors import StudyError
from bot.roadmap.catalog import Catalog, require_stage
from bot.roadmap.model import Roadmap, Topic
from bot.services.timezones import zone_suggestions

if TYPE_CHECKING:
    from bot.app import StudyBot

MAX_CHOICES = 25
#: Offered before anything is typed: the zones most members pick, as a hint to the format.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
_NAME_LIMIT = 100


def _name(text: str) -> str:
    return text if len(text) <= _NAME_LIMIT else text[: _NAME_LIMIT - 1] + "…"


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


async def _served(interaction: discord.Interaction) -> tuple[Catalog, Roadmap]:
    """The catalog served now and the member's roadmap in it."""
    bot = _bot(interaction)
    catalog = bot.content.catalog
    if interaction.guild_id is None:
        return catalog, catalog.default
    return catalog, await bot.services.roadmaps.member_roadmap(
        interaction.guild_id, interaction.user.id
    )


def _topic_choice(topic: Topic) -> app_commands.Choice[str]:
    return app_commands.Choice(name=_name(topic.title), value=topic.id)


async def stage_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    catalog, roadmap = await _served(interaction)
    return [
        app_commands.Choice(
            name=_name(f"{(roadmap.stage_position(stage.id) or 0) + 1}. {stage.title}"),
            value=stage.id,
        )
        for stage in catalog.search_stages(roadmap.id, current, MAX_CHOICES)
    ]


async def topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    catalog, roadmap = await _served(interaction)
    return [_topic_choice(t) for t in catalog.search_topics(roadmap.id, current, MAX_CHOICES)]


async def stage_topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Topics of the stage already chosen in the same command (all topics when none is)."""
    catalog, roadmap = await _served(interaction)
    stage_text = str(getattr(interaction.namespace, "stage", "") or "")
    try:
        stage = require_stage(roadmap, stage_text) if stage_text else None
    except StudyError:
        stage = None
    found = catalog.search_topics(roadmap.id, current, len(roadmap.topics))
    if stage is not None:
        in_stage = {topic.id for topic in stage.topics}
        found = [topic for topic in found if topic.id in in_stage]
    return [_topic_choice(topic) for topic in found[:MAX_CHOICES]]


async def roadmap_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    catalog = _bot(interaction).content.catalog
    return [
        app_commands.Choice(name=_name(roadmap.title), value=roadmap.id)
        for roadmap in catalog.search_roadmaps(current, MAX_CHOICES)
    ]


async def time_zone_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Zones for what was typed, aliases first showing the IANA name they submit
    (`IST → Asia/Kolkata (India)`): timezones.zone_suggestions, the rules `parse_zone` uses."""
    found = zone_suggestions(current, MAX_CHOICES, empty=COMMON_ZONES)
    return [app_commands.Choice(name=_name(label), value=zone) for label, zone in found]
