"""What the moderators' log, announce and weekly features show: the weekly leaderboard post,
the answers to `/roadmap-admin log-channel`, `announce` and `weekly`, and the lines members
read about a role earned, a stage celebrated or a followed roadmap that left the content.

The weekly post's footer starts with `Weekly leaderboard · <ISO week>`: after a crash the
sender finds the post of a week by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.records import WeeklySchedule
from bot.render import limits
from bot.render.daily_status import discord_timestamp
from bot.render.payload import NEUTRAL_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line, role_mention
from bot.services.leaderboard import Leaderboard
from bot.services.weekly import WEEKDAYS

_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
_FOOTER = re.compile(r"Weekly leaderboard · (?P<period>[0-9]{4}-W[0-9]{2})\b")


def _topics(count: int) -> str:
    return f"{count} topic" if count == 1 else f"{count} topics"


def weekly_post(board: Leaderboard, *, roadmap_title: str, period: str) -> Message:
    """The weekly post: this week's top members (mentions in an embed never ping)."""
    lines = [
        f"{_MEDALS.get(entry.rank, f'`{entry.rank}.`')} <@{entry.user_id}> · {_topics(entry.count)}"
        for entry in board.entries
    ]
    since = f"since {board.since.isoformat()} " if board.since else ""
    if lines:
        description = limits.fit_lines(
            [f"Topics finished this week ({since}server time):", *lines],
            limits.EMBED_DESCRIPTION_MAX,
            lambda n: f"… and {n} more",
        )
    else:
        description = "Nobody finished a topic this week. A fresh start: `/roadmap next`."
    embed = Embed(
        title="🏆 This week's leaderboard",
        description=description,
        footer=f"Weekly leaderboard · {period} · {one_line(no_pings(roadmap_title))}",
        colour=NEUTRAL_COLOUR,
    )
    return limits.fit_message(Message(embeds=(embed,)))


def weekly_post_period(footer: str | None) -> str | None:
    """The ISO week a weekly post's footer names; None for any other message."""
    found = _FOOTER.match(footer or "")
    return found["period"] if found else None


def weekday_name(weekday: int) -> str:
    return WEEKDAYS[weekday].capitalize()


def weekly_set_message(schedule: WeeklySchedule) -> Message:
    return Message(
        content=(
            f"The weekly leaderboard will be posted in <#{schedule.channel_id}> every "
            f"**{weekday_name(schedule.weekday)} at {schedule.local_time:%H:%M} "
            f"{schedule.time_zone}**, once per week. Next post: "
            f"{discord_timestamp(schedule.next_fire_at)} "
            f"({discord_timestamp(schedule.next_fire_at, 'R')}), for {schedule.next_period}."
        )
    )


#: A weekly post's delivery status as `weekly` lists it.
_STATUS_WORDS = {"sent": "posted", "failed": "refused", "missed": "missed", "sending": "sending"}


def weekly_status_message(schedule: WeeklySchedule | None, last: list[tuple[str, str]]) -> Message:
    """`weekly` without options: the schedule and its last posts (week, delivery status)."""
    if schedule is None:
        return Message(
            content="No weekly leaderboard post is set up. `/roadmap-admin weekly channel:#…` "
            "starts one."
        )
    when = (
        f"every {weekday_name(schedule.weekday)} at {schedule.local_time:%H:%M} "
        f"{schedule.time_zone} in <#{schedule.channel_id}>"
    )
    if schedule.enabled:
        state = (
            f"On: {when}. Next post: {discord_timestamp(schedule.next_fire_at)}, "
            f"for {schedule.next_period}."
        )
    else:
        reason = one_line(no_pings(schedule.disabled_reason or "turned off"))
        state = f"**Off** ({reason}). `/roadmap-admin weekly channel:#…` turns it on again."
    lines = [state]
    if last:
        lines.append(
            "Last posts: "
            + ", ".join(f"`{week}` {_STATUS_WORDS.get(status, status)}" for week, status in last)
        )
    return Message(content="\n".join(lines))


def weekly_off_message(was_on: bool) -> Message:
    if not was_on:
        return Message(content="The weekly leaderboard post was not on; nothing changed.")
    return Message(
        content="The weekly leaderboard post is off. `/roadmap-admin weekly channel:#…` "
        "turns it on again."
    )


@dataclass(frozen=True, slots=True)
class _ChannelSettingWords:
    """What a server's channel setting says: just turned off, not set, or the channel in use
    (`{channel}` where the channel goes)."""

    turned_off: str
    not_set: str
    in_use: str

    def message(self, channel_id: int | None, *, changed: bool) -> Message:
        """The setting shown (`changed` False) or just set."""
        if channel_id is None:
            return Message(content=self.turned_off if changed else self.not_set)
        prefix = "From now on" if changed else "Right now"
        return Message(content=f"{prefix} {self.in_use.format(channel=f'<#{channel_id}>')}")


_LOG_CHANNEL = _ChannelSettingWords(
    "The moderators' log is off: nothing is reported.",
    "No log channel is set. `/roadmap-admin log-channel channel:#…` sets one.",
    "I report in {channel} what I turn off or cannot do on my own: a daily or weekly post "
    "Discord refused (and how to fix it), a reward role I could not give, members' reminders "
    "turned off because their DMs are closed, and errors in an update of the roadmap this "
    "server uses. `off:True` stops it.",
)
_ANNOUNCE_CHANNEL = _ChannelSettingWords(
    "Stage completions are no longer announced.",
    "No announce channel is set. `/roadmap-admin announce channel:#…` sets one.",
    "I celebrate in {channel} every member who finishes a stage (members who hide their "
    "progress are left out). `off:True` stops it.",
)
log_channel_message = _LOG_CHANNEL.message
announce_channel_message = _ANNOUNCE_CHANNEL.message


def role_earned_line(role_id: int, stage_title: str) -> str:
    """What the member reads after the press that earned a stage's role."""
    return (
        f"🏅 You earned the role {role_mention(role_id)} for finishing the stage "
        f"**{one_line(no_pings(stage_title))}**."
    )


def stage_announcement(user_id: int, stage_title: str, roadmap_title: str) -> str:
    """The announce channel's line (the mention shows the name and pings no one)."""
    return (
        f"🎉 <@{user_id}> finished the stage **{one_line(no_pings(stage_title))}** of "
        f"**{one_line(no_pings(roadmap_title))}**!"
    )


def role_taken_back_line(role_id: int) -> str:
    return f"The role {role_mention(role_id)} that finishing this stage gave you is taken back."


def roadmap_gone_line(old_roadmap_id: str, now_title: str) -> str:
    """Told once to a member whose followed roadmap left the content."""
    return (
        f"ℹ️ The roadmap `{one_line(no_pings(old_roadmap_id))}` you followed is no longer in "
        f"this bot's content, so you now study **{one_line(no_pings(now_title))}** (this "
        "server's). Your progress there is kept and counts again if it comes back; "
        "`/roadmap follow` picks another roadmap."
    )
