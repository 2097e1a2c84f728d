"""The moderators' `/roadmap-admin stats` card: members started, active this week, and the stage
funnel (how many members reached each stage) drawn with progress.bar."""

from __future__ import annotations

from dataclasses import replace

from bot.render import limits
from bot.render.parts import capped_size
from bot.render.payload import NEUTRAL_COLOUR, Embed, Message
from bot.render.progress import bar
from bot.render.text import no_pings, one_line
from bot.services.leaderboard import ServerStats, StageReach
from bot.services.standing import percent

FOOTER = (
    "Reached: got to that stage or further (any topic opened, done or skipped). "
    "Active: finished a topic since Monday, server time."
)


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def funnel_line(reach: StageReach, started: int) -> str:
    """`` `██████░░░░` **2. Web fundamentals** · 6 members · 60%``"""
    fraction = reach.members / started if started else 0.0
    title = one_line(no_pings(reach.stage.title))
    return (
        f"`{bar(fraction)}` **{reach.number}. {title}** · {_members(reach.members)} · "
        f"{percent(reach.members, started)}%"
    )


def stats_message(stats: ServerStats, *, roadmap_title: str) -> Message:
    """The stats card for one roadmap of one server (fits Discord for any number of stages)."""
    if stats.started == 0:
        summary = "No member has started this roadmap yet. `/roadmap next` is where they begin."
    else:
        summary = (
            f"**{_members(stats.started)}** started · "
            f"**{stats.active_this_week}** active this week "
            f"({percent(stats.active_this_week, stats.started)}%)"
        )
    frame = Embed(
        title=f"Stats · {one_line(no_pings(roadmap_title))}",
        footer=FOOTER,
        colour=NEUTRAL_COLOUR,
    )
    description = summary
    if stats.started and stats.reached:
        head = f"{summary}\n\n**Reached each stage**\n"
        room = min(limits.EMBED_DESCRIPTION_MAX, limits.EMBED_TOTAL_MAX - capped_size(frame))
        lines = [funnel_line(reach, stats.started) for reach in stats.reached]
        funnel = limits.fit_lines(
            lines, room - limits.measure(head), lambda n: f"… and {n} more stages"
        )
        description = head + funnel
    return limits.fit_message(Message(embeds=(replace(frame, description=description),)))
