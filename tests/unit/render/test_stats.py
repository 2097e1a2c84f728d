"""The moderators' stats card: the funnel with bars and percentages, within Discord's limits."""

from __future__ import annotations

from bot.render import limits
from bot.render.stats import funnel_line, stats_message
from bot.services.leaderboard import ServerStats, StageReach
from tests.unit.render.builders import discord_verdict, make_stage


def stats(started: int, active: int, *reached: int, title: str = "Stage") -> ServerStats:
    stages = [make_stage(f"s{n}", title=f"{title} {n}") for n in range(1, len(reached) + 1)]
    return ServerStats(
        started,
        active,
        tuple(
            StageReach(stage, n, count)
            for n, (stage, count) in enumerate(zip(stages, reached, strict=True), 1)
        ),
    )


def test_the_funnel_has_a_bar_count_and_percentage_per_stage() -> None:
    card = stats_message(stats(3, 1, 3, 2, 0), roadmap_title="Python backend")
    embed = card.embed
    assert embed is not None and embed.title == "Stats · Python backend"
    assert (embed.description or "").splitlines() == [
        "**3 members** started · **1** active this week (33%)",
        "",
        "**Reached each stage**",
        "`██████████` **1. Stage 1** · 3 members · 100%",
        "`██████░░░░` **2. Stage 2** · 2 members · 66%",  # rounded down, like the bar
        "`░░░░░░░░░░` **3. Stage 3** · 0 members · 0%",
    ]
    assert card.content is None and discord_verdict(card) is None


def test_one_member_is_singular() -> None:
    reach = StageReach(make_stage("s1", title="Basics"), 1, 1)
    assert funnel_line(reach, 1) == "`██████████` **1. Basics** · 1 member · 100%"
    card = stats_message(stats(1, 0, 1), roadmap_title="R")
    assert (card.embed.description or "").startswith("**1 member** started · **0** active")


def test_nobody_started_says_so_without_a_funnel() -> None:
    card = stats_message(stats(0, 0, 0, 0), roadmap_title="R")
    assert card.embed.description == (
        "No member has started this roadmap yet. `/roadmap next` is where they begin."
    )


def test_titles_cannot_ping_or_break_lines() -> None:
    card = stats_message(
        stats(2, 2, 2, title="@everyone\nwelcome <@&42>"), roadmap_title="<@1> @here"
    )
    text = (card.embed.title or "") + (card.embed.description or "")
    assert "@everyone" not in text and "@here" not in text
    assert "<@&42>" not in text and "<@1>" not in text
    assert "welcome" in card.embed.description.splitlines()[3]


def test_hundreds_of_long_stages_fit_discord_and_say_how_many_are_left_out() -> None:
    many = stats(10_000, 9_999, *range(10_000, 9_700, -1), title="A long stage title " * 12)
    card = stats_message(many, roadmap_title="T" * 400)
    assert discord_verdict(card) is None
    embed = card.embed
    assert limits.measure(embed.title) <= limits.EMBED_TITLE_MAX
    last = (embed.description or "").splitlines()[-1]
    assert last.startswith("… and ") and last.endswith(" more stages")
    shown = sum(1 for line in embed.description.splitlines() if line.startswith("`"))
    assert shown + int(last.split()[2]) == 300
