"""Texts of personal reminders: the answers to `/roadmap remind set|off` and the DM's header.

Times are Discord timestamps, which every reader sees in their own zone, next to the local time
and zone the member chose.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from bot.records import Delivery, Reminder
from bot.render import limits
from bot.render.custom_ids import ReminderMemberButton, ReminderTopicButton
from bot.render.daily_status import discord_timestamp
from bot.render.payload import Message
from bot.render.text import no_pings, one_line
from bot.render.topic import topic_card_buttons
from bot.roadmap.model import Stage, Topic

_DISCORD_CODE = re.compile(r"\s*\(Discord answered [0-9]+\)")


#: What an idle-only reminder (`only_if_idle`) does, in the answers that describe a reminder.
ONLY_IF_IDLE = "not on a day you already marked a topic done"


def reminder_set_message(reminder: Reminder) -> Message:
    at = reminder.next_fire_at
    idle = f" ({ONLY_IF_IDLE})" if reminder.only_if_idle else ""
    return Message(
        content=(
            f"Every day at **{reminder.local_time:%H:%M}** ({reminder.time_zone or 'UTC'}) "
            f"I'll send you a DM with your next topic in this server{idle}. The next one: "
            f"{discord_timestamp(at)} ({discord_timestamp(at, 'R')}).\n"
            "Keep DMs from this server's members open, or the reminder turns itself off. "
            "`/roadmap remind off` stops it."
        )
    )


def turned_off(refusal: Delivery) -> str:
    """Why a member has no reminder any more, in words: the day the refused DM turned it off,
    Discord's reason without its code, and how to start it again."""
    # The ledger keeps Discord's code for operators ("(Discord answered 50007)"); a member
    # reads the words only.
    error = _DISCORD_CODE.sub("", refusal.error or "") or "Discord refused the DM"
    return (
        f"it was turned off on {refusal.local_date:%Y-%m-%d}. {one_line(no_pings(error))}.\n"
        "Once you accept DMs from this server's members, `/roadmap remind set` starts it again."
    )


def reminder_off_message(was_on: bool, refusal: Delivery | None = None) -> Message:
    """The answer to `remind off`; `refusal` is the refused DM that had turned it off already."""
    if was_on:
        return Message(content="Your daily reminder is off. `/roadmap remind set` starts it again.")
    if refusal is not None:
        return Message(content=f"You have no daily reminder in this server: {turned_off(refusal)}")
    return Message(
        content="You have no daily reminder in this server. `/roadmap remind set` starts one."
    )


#: How many of the reviews due a reminder DM names; the rest are counted ("+2 more").
REVIEWS_LISTED = 3
_REVIEW_TITLE_MAX = 80


def reviews_listed(titles: Sequence[str], count: int) -> str:
    """`**Functions**, **Files** +3 more`: the first REVIEWS_LISTED of `count` reviews due."""
    shown = [
        f"**{limits.fit_text(one_line(no_pings(title)), _REVIEW_TITLE_MAX)}**"
        for title in titles[:REVIEWS_LISTED]
    ]
    more = count - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more > 0 and shown else "")


def reminder_dm(
    card: Message,
    guild_name: str | None,
    reviews_due: int = 0,
    review_titles: Sequence[str] = (),
) -> Message:
    """The topic card with a first line saying which server the reminder is from, and the
    reviews due there today when there are some, naming the first few topics."""
    where = f" from **{one_line(no_pings(guild_name))}**" if guild_name else ""
    content = f"Your daily reminder{where}: here is your next topic."
    if reviews_due > 0:
        plural = "s" if reviews_due != 1 else ""
        content += f"\n🔁 {reviews_due} review{plural} due today in the server"
        listed = reviews_listed(review_titles, reviews_due)
        content += f": {listed}" if listed else ""
        content += " (`/roadmap review` there)."
    return dataclasses.replace(card, content=content)


_TOPIC_LABELS = {
    ReminderTopicButton.DONE: "Done",
    ReminderTopicButton.SKIP: "Skip",
    ReminderTopicButton.EXAMPLE: "Show example",
    ReminderTopicButton.CHECK: "Check yourself",
}
_MEMBER_LABELS = {
    ReminderMemberButton.STOP: "Stop reminders",
    ReminderMemberButton.REVIEW: "Review now",
}


def reminder_button_label(spec: ReminderTopicButton | ReminderMemberButton) -> str:
    """The label of a reminder DM's button."""
    if isinstance(spec, ReminderTopicButton):
        return _TOPIC_LABELS[spec.action]
    return _MEMBER_LABELS[spec.action]


def reminder_dm_buttons(
    guild_id: int,
    user_id: int,
    roadmap_id: str,
    topic: Topic,
    stage: Stage,
    *,
    reviews_due: int = 0,
) -> tuple[ReminderTopicButton | ReminderMemberButton, ...]:
    """The buttons under a reminder DM: Done, Skip, Show example (when the card does not show
    all the code) and Check yourself (when the topic has questions) for the topic, Review now
    (when reviews are due in the server), then Stop reminders. Each names the server and the
    member, since a DM has no server and the press must be the member's own."""
    actions = [ReminderTopicButton.DONE, ReminderTopicButton.SKIP]
    if len(topic_card_buttons(topic, stage)) > 2:
        actions.append(ReminderTopicButton.EXAMPLE)
    if topic.check is not None and topic.check.questions:
        actions.append(ReminderTopicButton.CHECK)
    buttons: list[ReminderTopicButton | ReminderMemberButton] = [
        ReminderTopicButton(action, guild_id, user_id, roadmap_id, topic.id) for action in actions
    ]
    if reviews_due > 0:
        buttons.append(ReminderMemberButton(ReminderMemberButton.REVIEW, guild_id, user_id))
    buttons.append(ReminderMemberButton(ReminderMemberButton.STOP, guild_id, user_id))
    return tuple(buttons)


def reminder_press_header(guild_name: str | None) -> str:
    """The first line of an answer to a DM's button: which server it acted in."""
    where = f"**{one_line(no_pings(guild_name))}**" if guild_name else "that server"
    return f"In {where}:"


def reminder_stopped_message(guild_name: str | None, was_on: bool) -> str:
    """The answer to Stop reminders."""
    where = f"**{one_line(no_pings(guild_name))}**" if guild_name else "that server"
    if not was_on:
        return f"You have no daily reminder in {where} any more."
    return (
        f"Your daily reminder from {where} is off. "
        "`/roadmap remind set` in that server starts it again."
    )


def reminder_confirmation_dm(reminder: Reminder, guild_name: str | None) -> Message:
    """The DM sent when a reminder is set: proof that DMs arrive, and when the first comes."""
    where = f" from **{one_line(no_pings(guild_name))}**" if guild_name else ""
    at = reminder.next_fire_at
    return Message(
        content=(
            f"Reminder set{where}: every day at **{reminder.local_time:%H:%M}** "
            f"({reminder.time_zone or 'UTC'}), the first {discord_timestamp(at)}. "
            "Each one carries your next topic with Done, Skip, Check yourself (when it has "
            "questions), Review now (when reviews are due) and Stop reminders buttons."
        )
    )


def reminder_dms_closed_message() -> Message:
    """The answer to `remind set` when the confirmation DM was refused."""
    return Message(
        content=(
            "I could not send you a DM: your privacy settings block direct messages from this "
            "server's members, so no reminder was set. Allow them (Server menu → Privacy "
            "Settings → Direct Messages), then run `/roadmap remind set` again."
        )
    )
