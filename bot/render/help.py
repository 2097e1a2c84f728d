"""The one-message help of `/roadmap help`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.limits import EMBED_DESCRIPTION_MAX, fit_lines, fit_message
from bot.render.payload import NEUTRAL_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line

INTRO = (
    "I walk this server through a learning roadmap, one topic at a time. Each topic has a short "
    "explanation, links to good documentation and often an example. Mark topics done or "
    "skipped as you go; your progress is kept per server and only you see it unless you share it."
)

# (usage, what it does): the member commands of SPEC section 1, in the order a newcomer meets them.
MEMBER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/roadmap next", "your next topic, with Done / Skip / Show example buttons"),
    ("/roadmap stage <stage>", "a stage's topics and where you are in each"),
    ("/roadmap example <stage> [topic]", "the example code of a stage or topic"),
    ("/roadmap done|skip|reset <topic>", "set a topic's status directly"),
    ("/roadmap progress [member]", "progress per stage, totals and streaks"),
    ("/roadmap card [public]", "your progress as a picture"),
    ("/roadmap leaderboard [period]", "this server's most active learners"),
    ("/roadmap remind set <time> [timezone]", "a daily DM with your next topic"),
    ("/roadmap settings [timezone] [hide-progress]", "your time zone and privacy"),
    ("/roadmap roadmaps", "the roadmaps on offer; `/roadmap follow` picks one"),
    ("/roadmap export", "your data in this server as a file; `/roadmap forget-me` deletes it"),
)


def help_message(commands: Sequence[tuple[str, str]] = MEMBER_COMMANDS) -> Message:
    """What the bot does and its commands, as (usage, description) pairs."""
    lines = [
        f"`{one_line(no_pings(usage))}`: {one_line(no_pings(what))}" for usage, what in commands
    ]
    listing = fit_lines(
        lines, EMBED_DESCRIPTION_MAX - len(INTRO) - 2, lambda left: f"… and {left} more"
    )
    embed = Embed(
        title="Study Companion",
        description=f"{INTRO}\n\n{listing}" if listing else INTRO,
        footer="Replies about you are only visible to you unless you pass public: True.",
        colour=NEUTRAL_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))
