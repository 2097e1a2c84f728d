"""A member's own things: their settings, the roadmaps on offer, their data export."""

from __future__ import annotations

from collections.abc import Sequence

from bot.records import Delivery, Reminder
from bot.render import limits
from bot.render.daily_status import discord_timestamp
from bot.render.payload import NEUTRAL_COLOUR, Attachment, Embed, Message
from bot.render.reminders import turned_off
from bot.render.text import no_pings, one_line
from bot.roadmap.model import Roadmap

EXPORT_FILENAME = "study-companion-export.json"


def reminder_setting(reminder: Reminder | None, refusal: Delivery | None = None) -> str:
    """The settings' reminder line: its time and zone, the next DM as a Discord timestamp,
    and whether it skips the days the member already studied; with none, why when a refused
    DM (`refusal`, ReminderPlanner.refusal) turned it off."""
    if reminder is None and refusal is not None:
        return f"• Reminder: none: {turned_off(refusal)}"
    if reminder is None:
        return "• Reminder: none; `/roadmap remind set` starts a daily DM with your next topic"
    at = reminder.next_fire_at
    days = (
        "only on days you have not marked a topic done by then (`only_if_idle`)"
        if reminder.only_if_idle
        else "every day"
    )
    return (
        f"• Reminder: **{reminder.local_time:%H:%M}** ({reminder.time_zone or 'UTC'}), {days}; "
        f"next DM {discord_timestamp(at)} ({discord_timestamp(at, 'R')}); "
        "`/roadmap remind set` changes it, `/roadmap remind off` stops it"
    )


def settings_message(
    *,
    time_zone: str | None,
    server_zone: str | None,
    hide_progress: bool,
    changed: bool,
    reminder: Reminder | None = None,
    refusal: Delivery | None = None,
) -> Message:
    """The member's settings after `/roadmap settings` (changed or just shown), with their
    reminder."""
    if time_zone:
        zone = f"`{time_zone}`"
    elif server_zone:
        zone = f"not set: the server's `{server_zone}` applies"
    else:
        zone = "not set: UTC applies"
    visibility = (
        "hidden: only you see your progress, and you are not on the leaderboard"
        if hide_progress
        else "visible to the members of this server and on the leaderboard"
    )
    lines = [
        "Your settings are saved." if changed else "Your settings in this server:",
        f"• Time zone: {zone} (used for streaks and reminders)",
        f"• Progress: {visibility}",
        reminder_setting(reminder, refusal),
    ]
    if not changed:
        lines.append("Change them with `/roadmap settings timezone:` or `hide_progress:`.")
    return limits.fit_message(Message(content="\n".join(lines)))


def roadmaps_message(
    roadmaps: Sequence[Roadmap], *, following: str, server_default: str
) -> Message:
    """Every roadmap on offer, marking the one the member studies and the server's default."""
    lines = []
    for roadmap in roadmaps:
        marks = []
        if roadmap.id == following:
            marks.append("you study this one")
        if roadmap.id == server_default:
            marks.append("server default")
        suffix = f" · *{', '.join(marks)}*" if marks else ""
        summary = one_line(no_pings(roadmap.summary))
        if len(summary) > 200:
            summary = limits.fit_text(summary, 200)
        lines.append(
            f"**{one_line(no_pings(roadmap.title))}** (`{roadmap.id}`) · "
            f"{len(roadmap.stages)} stages, {len(roadmap.topics)} topics{suffix}\n{summary}"
        )
    description = limits.fit_lines(
        lines, limits.EMBED_DESCRIPTION_MAX, lambda n: f"… and {n} more roadmaps"
    )
    footer = "/roadmap follow <roadmap> switches; your progress in each roadmap is kept."
    embed = Embed(title="Roadmaps", description=description, footer=footer, colour=NEUTRAL_COLOUR)
    return limits.fit_message(Message(embeds=(embed,)))


def export_message(data: bytes) -> Message:
    """The member's data as a JSON attachment."""
    text = (
        "Here is everything the bot stores about you in this server: progress, the history "
        "of finished topics and your settings. `/roadmap forget-me` deletes it."
    )
    return limits.fit_message(Message(content=text, files=(Attachment(EXPORT_FILENAME, data),)))


def followed_message(roadmap_title: str, *, server_default: bool) -> Message:
    """After `/roadmap follow`."""
    title = one_line(no_pings(roadmap_title))
    # Following "default" changes the member's choice, never the server's: say it that way.
    first = (
        f"You now follow the server's roadmap, **{title}** (and whichever the moderators pick "
        "next)."
        if server_default
        else f"**{title}** is now your roadmap in this server."
    )
    return Message(
        content=f"{first} `/roadmap next` shows your next topic in it; your progress in other "
        "roadmaps is kept."
    )


def server_roadmap_message(roadmap_title: str) -> Message:
    """After `/roadmap-admin roadmap`."""
    return Message(
        content=f"**{one_line(no_pings(roadmap_title))}** is now this server's roadmap: members "
        "who follow no other roadmap study it, and the daily post walks through it. "
        "Everyone's progress is kept."
    )
