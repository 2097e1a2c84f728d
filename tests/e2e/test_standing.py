"""`/roadmap progress` and `/roadmap leaderboard`: streaks, privacy, periods, ranks."""

from __future__ import annotations

from datetime import timedelta

from bot.services.clock import ManualClock
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_progress_has_bars_totals_and_a_streak_over_local_days(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    await launch()
    for topic in ("syntax-and-data-types", "functions"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    clock.advance(days=1)
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="file-handling")
    clock.advance(days=1)
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="error-handling")

    result = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert result.ephemeral
    assert result.embed["title"] == "Your progress · Python backend developer"
    text = result.embed["description"]
    assert f"<@{sample.alice.id}>" in text
    assert "4 of 20 topics done · 20%" in text
    assert "🔥 Streak: 3 days · longest 3" in text
    assert "`██████████` **1. Learn the basics of Python** · 4/4 done ✅" in text
    assert "`░░░░░░░░░░` **2. Understand web development fundamentals** · 0/3 done" in text
    assert result.message.pinged_user_ids == []

    clock.advance(days=2)  # a day without a topic breaks the streak
    later = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "🔥 Streak: 0 days · longest 3" in later.embed["description"]


async def test_another_members_progress_unless_they_hide_it(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="http")

    seen = await emulator.slash(sample.guild, sample.alice, "roadmap progress", member=sample.bob)
    assert seen.embed["title"] == "Progress · Python backend developer"
    assert f"<@{sample.bob.id}>" in seen.embed["description"]
    assert "1 of 20 topics done" in seen.embed["description"]

    await emulator.slash(sample.guild, sample.bob, "roadmap settings", {"hide_progress": True})
    hidden = await emulator.slash(sample.guild, sample.alice, "roadmap progress", member=sample.bob)
    assert hidden.ephemeral
    assert hidden.content == "That member keeps their progress private."
    assert hidden.embeds == []
    own = await emulator.slash(sample.guild, sample.bob, "roadmap progress", member=sample.bob)
    assert "1 of 20 topics done" in own.embed["description"]


async def test_public_progress_is_posted_in_the_channel(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap progress", public=True)
    assert not result.ephemeral
    assert result.message in emulator.messages(sample.general)
    assert result.message.pinged_user_ids == []  # the mention is in the embed: never a ping


async def test_leaderboard_ranks_members_by_period_and_shows_the_callers_rank(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    await launch()
    # Last week (the clock starts on a Wednesday): bob finishes three topics.
    clock.advance(timedelta(days=-7))
    for topic in ("http", "rest-apis", "json-and-xml"):
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    clock.advance(timedelta(days=7))
    # This week: alice finishes two, mod one.
    for topic in ("sql", "nosql"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await emulator.slash(sample.guild, sample.mod, "roadmap done", topic="sql")

    all_time = await emulator.slash(sample.guild, sample.alice, "roadmap leaderboard")
    assert all_time.embed["title"] == "Leaderboard · all time"
    assert all_time.embed["description"].splitlines() == [
        f"🥇 <@{sample.bob.id}> · 3 topics",
        f"🥈 <@{sample.alice.id}> · 2 topics ← you",
        f"🥉 <@{sample.mod.id}> · 1 topic",
    ]
    assert "fields" not in all_time.embed or not all_time.embed["fields"]  # "← you" says it
    assert all_time.message.pinged_user_ids == []

    week = await emulator.slash(sample.guild, sample.bob, "roadmap leaderboard", period="week")
    assert week.embed["title"] == "Leaderboard · this week"
    assert week.embed["description"].splitlines()[0] == f"🥇 <@{sample.alice.id}> · 2 topics"
    assert week.embed["fields"][0]["value"].startswith("You have not finished a topic this week")
    assert "since 2026-03-02" in week.embed["footer"]["text"]  # Monday

    # Bob's topics were on February 25th; this month is March.
    month = await emulator.slash(sample.guild, sample.bob, "roadmap leaderboard", period="month")
    assert month.embed["fields"][0]["value"].startswith("You have not finished a topic this month")
    assert f"<@{sample.bob.id}>" not in month.embed["description"]
    assert "since 2026-03-01" in month.embed["footer"]["text"]


async def test_members_who_hide_their_progress_are_left_off_the_leaderboard(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="http")
    await emulator.slash(sample.guild, sample.bob, "roadmap settings", {"hide_progress": True})
    board = await emulator.slash(sample.guild, sample.bob, "roadmap leaderboard")
    assert board.embed["description"] == f"🥇 <@{sample.alice.id}> · 1 topic"
    assert "You hide your progress" in board.embed["fields"][0]["value"]


async def test_progress_belongs_to_one_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    other = sample.world.add_guild("Night School")
    other.add_text_channel("lobby")
    alice_there = other.add_existing_user(sample.alice.user)
    bob_there = other.add_existing_user(sample.bob.user)
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")

    there = await emulator.slash(other, alice_there, "roadmap progress")
    assert "0 of 20 topics done" in there.embed["description"]
    board = await emulator.slash(other, bob_there, "roadmap leaderboard")
    assert board.embed["description"].startswith("Nobody has finished a topic")
    here = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in here.embed["description"]


async def test_asking_for_a_bots_progress_gets_a_short_answer(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(
        sample.guild, sample.alice, "roadmap progress", member=sample.guild.me
    )
    assert result.ephemeral
    assert result.content == "Bots don't study; pick a member."
