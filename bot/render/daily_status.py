"""Answers to the moderators' `/roadmap-admin daily ...` commands: status, set, off, jump...

Times are shown as Discord timestamps (`<t:unix:F>`), which every reader sees in their own zone.
"""

from __future__ import annotations

from datetime import datetime

from bot.records import DailySchedule, Delivery
from bot.render import limits
from bot.render.payload import NEUTRAL_COLOUR, Embed, Field, Message
from bot.render.text import no_pings, one_line, role_mention
from bot.roadmap.model import Roadmap, Topic
from bot.services.daily import DailyStatus

_STATUS_WORDS = {
    "sending": "sending",
    "sent": "posted",
    "failed": "refused by Discord",
    "missed": "missed",
    "unknown": "unknown (after a crash; not sent again)",
}


def discord_timestamp(moment: datetime, style: str = "F") -> str:
    """`<t:1700000000:F>`: Discord shows it in each reader's own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def _when(schedule: DailySchedule) -> str:
    return f"{schedule.local_time:%H:%M} {schedule.time_zone}"


def _next_post(schedule: DailySchedule) -> str:
    at = schedule.next_fire_at
    return f"{discord_timestamp(at)} ({discord_timestamp(at, 'R')}), for {schedule.next_date}"


def daily_set_message(schedule: DailySchedule, roadmap_title: str, topic: Topic | None) -> Message:
    """After `daily set`."""
    ping = f", pinging {role_mention(schedule.ping_role_id)}" if schedule.ping_role_id else ""
    lines = [
        f"The topic of the day will be posted in <#{schedule.channel_id}> every day at "
        f"**{_when(schedule)}**{ping}, from **{one_line(no_pings(roadmap_title))}**.",
        f"Next post: {_next_post(schedule)}.",
    ]
    if schedule.open_thread:
        lines.append("Each post opens a discussion thread named after its topic.")
    if topic is not None:
        lines.append(f"It will show **{one_line(no_pings(topic.title))}**.")
    lines.append("This server's leaderboard weeks and months now follow that time zone too.")
    return Message(content="\n".join(lines))


def daily_off_message(was_on: bool) -> Message:
    if not was_on:
        return Message(content="Daily posts were not on here; nothing changed.")
    return Message(
        content="Daily posts are off. `/roadmap-admin daily set` turns them on again; "
        "the walk through the roadmap continues where it stopped."
    )


def _topic_name(topic_id: str, roadmap: Roadmap | None) -> str:
    """The topic's title (followed through renames), else its id for a topic no longer there."""
    resolved = roadmap.resolve(topic_id) if roadmap is not None else None
    topic = roadmap.topic(resolved) if roadmap is not None and resolved else None
    return f"**{one_line(no_pings(topic.title))}**" if topic else f"`{topic_id}`"


def _post_line(post: Delivery, roadmap: Roadmap | None, said: set[str]) -> str:
    """One post; a failure's reason only the first time it is said (`said` holds those)."""
    word = _STATUS_WORDS.get(post.status, post.status)
    line = f"`{post.local_date}` {word}"
    if post.topic_id:
        line += f" · {_topic_name(post.topic_id, roadmap)}"
    if post.thread_id:
        line += f" · thread <#{post.thread_id}>"
    if post.error and post.status != "sent":
        reason = one_line(no_pings(post.error))
        line += " · the reason above" if reason in said else f" · {reason}"
        said.add(reason)
    return line


def daily_status_message(status: DailyStatus) -> Message:
    """`daily status`: the settings, the next post, the last posts and any failure."""
    schedule = status.schedule
    roadmap = status.roadmap.title if status.roadmap else "(no roadmap in the content)"
    fields = [
        Field("Channel", f"<#{schedule.channel_id}>", inline=True),
        Field("Time", _when(schedule), inline=True),
        Field("Roadmap", one_line(no_pings(roadmap)), inline=True),
    ]
    if schedule.ping_role_id:
        fields.append(Field("Pings", role_mention(schedule.ping_role_id), inline=True))
    fields.append(
        Field(
            "Thread",
            "A discussion thread on each post" if schedule.open_thread else "Off",
            inline=True,
        )
    )
    if schedule.enabled:
        state = f"On. Next post: {_next_post(schedule)}."
        if schedule.jump_topic_id:
            jumped = _topic_name(schedule.jump_topic_id, status.roadmap)
            state += f" It will show {jumped} (set by `daily jump`)."
    said: set[str] = set()
    if not schedule.enabled:
        reason = one_line(no_pings(schedule.disabled_reason or "turned off"))
        said.add(reason)
        state = f"**Off**: {reason}."
        if "daily set" not in reason:  # a reason that says how to fix it says it already
            state += "\n`/roadmap-admin daily set` turns it on again."
    if status.recent:
        lines = [_post_line(post, status.roadmap, said) for post in status.recent]
        fields.append(Field("Last posts", "\n".join(lines)))
    else:
        fields.append(Field("Last posts", "None yet."))
    embed = Embed(
        title="Daily topic post", description=state, fields=tuple(fields), colour=NEUTRAL_COLOUR
    )
    return limits.fit_message(Message(embeds=(embed,)))


def daily_not_set_message() -> Message:
    return Message(
        content="No daily post is set up here. `/roadmap-admin daily set <channel> <time> "
        "<timezone>` starts one."
    )


def jump_message(topic: Topic, schedule: DailySchedule | None) -> Message:
    when = (
        f" on {discord_timestamp(schedule.next_fire_at)}" if schedule and schedule.enabled else ""
    )
    return Message(
        content=f"The next daily post{when} will show **{one_line(no_pings(topic.title))}**; "
        "the walk continues from there."
    )


def post_now_message(channel_id: int, message_id: int | None, guild_id: int) -> Message:
    link = (
        f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
        if message_id
        else f"<#{channel_id}>"
    )
    return Message(
        content=f"Today's topic is posted: {link}. It counts as today's post, so nothing more "
        "is posted today at the scheduled time."
    )


def already_posted_message(post: Delivery, guild_id: int) -> Message:
    if post.status == "sent" and post.channel_id and post.message_id:
        where = f"https://discord.com/channels/{guild_id}/{post.channel_id}/{post.message_id}"
        return Message(content=f"Today's topic is already posted: {where}.")
    return Message(
        content=f"Today's post is {_STATUS_WORDS.get(post.status, post.status)}; "
        "it is not sent twice."
    )
