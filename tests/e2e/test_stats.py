"""`/roadmap-admin stats`: members started, active this week and the stage funnel, for this
server only, with seeded progress."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import StudyBot
from bot.roadmap.loader import load_directory
from bot.services import content_watch
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.leaderboard import LeaderboardService
from tests.content_files import write_roadmap
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

FOOTER = (
    "Reached: got to that stage or further (any topic opened, done or skipped). "
    "Active: finished a topic since Monday, server time."
)


async def mark(bot: StudyBot, guild_id: int, user_id: int, *topics: str) -> None:
    roadmap = bot.content.catalog.default
    for topic in topics:
        await bot.services.study.mark(guild_id, user_id, roadmap, topic, "done")


async def test_stats_show_started_active_and_the_funnel(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    carol = sample.guild.add_member("carol")
    dave = sample.guild.add_member("dave")
    bot = await launch()
    guild = sample.guild.id
    # Last week (the clock starts on a Wednesday): bob finishes one topic, alice three.
    clock.advance(timedelta(days=-7))
    await mark(bot, guild, sample.bob.id, "syntax-and-data-types")
    await mark(bot, guild, sample.alice.id, "syntax-and-data-types", "functions", "file-handling")
    clock.advance(timedelta(days=7))
    # This week: alice reaches stage 2, carol jumps to databases; dave only opened a topic.
    await mark(bot, guild, sample.alice.id, "error-handling", "http")
    await mark(bot, guild, carol.id, "sql")
    await emulator.slash(sample.guild, dave, "roadmap next")
    await mark(bot, guild + 1, sample.mod.id, *("nosql", "orms"))  # another server's progress

    result = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")

    assert result.ephemeral
    assert result.embed["title"] == "Stats · Python backend developer"
    assert result.embed["description"].splitlines() == [
        "**4 members** started · **2** active this week (50%)",
        "",
        "**Reached each stage**",
        "`██████████` **1. Learn the basics of Python** · 4 members · 100%",
        "`█████░░░░░` **2. Understand web development fundamentals** · 2 members · 50%",
        "`██░░░░░░░░` **3. Learn a Python web framework** · 1 member · 25%",
        "`██░░░░░░░░` **4. Master database management** · 1 member · 25%",
        "`░░░░░░░░░░` **5. Explore advanced topics** · 0 members · 0%",
        "`░░░░░░░░░░` **6. Conclusion and next steps** · 0 members · 0%",
    ]
    assert result.embed["footer"]["text"] == FOOTER
    assert result.message.pinged_user_ids == [] and result.message.pinged_role_ids == []

    # That first answer came from the full queries and asked for the server's summary rows,
    # built in the background after it; the next answer comes from them, the same.
    boards = bot.services.leaderboard
    assert boards.builds.busy or boards.builds.last is not None  # a build was asked for
    await boards.builds.idle()
    assert not await boards.build_ahead(guild, bot.content.catalog.default)  # complete
    again = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")
    assert again.embed["description"] == result.embed["description"]
    assert not boards.builds.busy


async def test_stats_before_anyone_started_and_for_members(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    empty = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")
    assert empty.embed["description"] == (
        "No member has started this roadmap yet. `/roadmap next` is where they begin."
    )
    unknown = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats", roadmap="rust")
    assert unknown.ephemeral and unknown.content.startswith("Unknown roadmap `rust`.")

    emulator.commands.find(None, "roadmap-admin").payload["default_member_permissions"] = None
    refused = await emulator.slash(sample.guild, sample.alice, "roadmap-admin stats")
    assert refused.ephemeral
    assert refused.content == "You need the Manage Server permission for this."
    assert refused.embeds == []


async def test_a_reload_that_moves_topics_rebuilds_the_rows_in_the_background(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a reload that moves a topic to another stage, the bot builds the server's summary
    rows for the new content by itself (woken by the reload, no answer asking), and the stats
    then come from them, with the topic in its new stage."""
    monkeypatch.setattr(content_watch, "POLL_SECONDS", 0.02)
    folder = tmp_path / "content"
    stages: dict[str, list[Any]] = {"basics": ["syntax", "functions", "files"], "web": ["http"]}
    write_roadmap(folder, "backend", stages, title="Backend")
    loaded = load_directory(folder).catalog
    assert loaded is not None
    bot = await launch(content=ContentHolder(loaded), content_dir=folder)
    guild = sample.guild.id
    for topic in ("syntax", "functions"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")
    boards = bot.services.leaderboard
    await boards.builds.idle()
    assert not await boards.build_ahead(guild, bot.content.catalog.default)
    built = boards.builds.built

    moved = {"id": "defining-functions", "title": "Functions", "replaces": ["functions"]}
    write_roadmap(folder, "backend", {"basics": ["syntax", "files"], "web": ["http", moved]})
    outcome = await bot.wait_for("content_reloaded", timeout=10)
    assert outcome.applied
    await emulator.wait_for(lambda: boards.builds.built > built, what="the background build")
    await boards.builds.idle()
    roadmap = bot.content.catalog.default
    assert not await boards.build_ahead(guild, roadmap)  # complete: built by the bot itself
    stats = await boards.server_stats(guild, roadmap)
    assert [reach.members for reach in stats.reached] == [1, 1]  # alice reached the web stage
    reference = LeaderboardService(bot.database, bot.clock, summaries=False)
    assert stats == await reference.server_stats(guild, roadmap)
