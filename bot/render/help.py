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
    ("/roadmap stage <stage> [public]", "a stage's topics and where you are in each"),
    ("/roadmap example <stage> [topic] [public]", "the example code of a stage or topic"),
    ("/roadmap topic <topic>", "any topic's card, to look ahead or go back"),
    ("/roadmap check [topic]", "check yourself: a topic's questions, one at a time"),
    ("/roadmap review", "spaced review of the topics you finished, when they are due"),
    ("/roadmap done|skip|reset <topic>", "set a topic's status directly"),
    ("/roadmap progress [member]", "progress per stage, totals and streaks"),
    ("/roadmap card [public]", "your progress as a picture"),
    ("/roadmap leaderboard [period]", "this server's most active learners"),
    ("/roadmap remind set <time> [timezone] [only_if_idle]", "a daily DM with your next topic"),
    ("/roadmap settings [timezone] [hide_progress] [reviews]", "time zone, privacy, reviews"),
    ("/roadmap roadmaps", "the roadmaps on offer; `/roadmap follow` picks one"),
    ("/roadmap export", "your data in this server as a file; `/roadmap forget-me` deletes it"),
)


MODERATOR_INTRO = (
    "You can manage this server (Manage Server), so these are yours too. New here? "
    "`/roadmap-admin setup` sets up the daily post in one go."
)


def _listing(commands: Sequence[tuple[str, str]], room: int) -> str:
    lines = [
        f"`{one_line(no_pings(usage))}`: {one_line(no_pings(what))}" for usage, what in commands
    ]
    return fit_lines(lines, room, lambda left: f"… and {left} more")


def help_message(
    commands: Sequence[tuple[str, str]] = MEMBER_COMMANDS,
    moderator_commands: Sequence[tuple[str, str]] = (),
) -> Message:
    """What the bot does and its commands, as (usage, description) pairs; the moderators'
    commands in a second embed when given (only to members who may run them)."""
    listing = _listing(commands, EMBED_DESCRIPTION_MAX - len(INTRO) - 2)
    embeds = [
        Embed(
            title="Study Companion",
            description=f"{INTRO}\n\n{listing}" if listing else INTRO,
            footer="Replies about you are only visible to you unless you pass public: True.",
            colour=NEUTRAL_COLOUR,
        )
    ]
    if moderator_commands:
        admin_listing = _listing(
            moderator_commands, EMBED_DESCRIPTION_MAX - len(MODERATOR_INTRO) - 2
        )
        embeds.append(
            Embed(
                title="For moderators",
                description=f"{MODERATOR_INTRO}\n\n{admin_listing}",
                colour=NEUTRAL_COLOUR,
            )
        )
    return fit_message(Message(embeds=tuple(embeds)))


#: The one message the bot posts in a server's system channel when it first joins.
WELCOME = (
    "Hi, I'm **Study Companion**. I walk this server through a learning roadmap, one topic at "
    "a time: members run `/roadmap next` for their next topic and mark it done, with progress, "
    "streaks and a leaderboard. A moderator (Manage Server) sets me up with one command: "
    "`/roadmap-admin setup` (the channel and time of a daily topic post). `/roadmap help` "
    "lists everything."
)


def welcome_message() -> Message:
    """The welcome in the system channel: what the bot does and the one command to run."""
    return Message(content=WELCOME)
