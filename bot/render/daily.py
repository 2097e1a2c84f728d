"""The topic-of-the-day post, and the footer that lets the scheduler find it again.

After a crash the scheduler looks through the channel's recent history for the post of a local
date; the footer carries that date in a fixed form (`Topic of the day · 2026-11-23`) that
`daily_post_date` reads back.
"""

from __future__ import annotations

import re
from datetime import date

from bot.render import parts
from bot.render.custom_ids import DailyPostButton
from bot.render.limits import fitted
from bot.render.payload import DAILY_COLOUR, Attachment, Embed, Field, Message
from bot.render.text import no_pings, one_line, role_mention
from bot.render.topic import stage_label
from bot.roadmap.model import Example, Roadmap, Stage, Topic

FOOTER_PREFIX = "Topic of the day · "
_FOOTER_DATE = re.compile(r"Topic of the day · (\d{4})-(\d{2})-(\d{2})(?: ·|$)")
HINT = (
    "Press **Done** when you have studied it; **My next topic** (or `/roadmap next`) shows "
    "your own next one; **Check yourself** asks its questions. Only you see the answers."
)
NO_CHECK_ON_POST = (
    "This topic has no questions to check yourself with. `/roadmap next` shows your next topic."
)

_BUTTON_LABELS = {
    DailyPostButton.DONE: "Done",
    DailyPostButton.MY_NEXT: "My next topic",
    DailyPostButton.CHECK: "Check yourself",
}


NOTIFY_ME_LABEL = "Notify me"
#: Discord's limit on a thread's name.
THREAD_NAME_MAX = 100


def thread_name(topic_title: str) -> str:
    """The discussion thread's name: the topic's title on one line, cut to Discord's 100
    characters with an ellipsis (a thread's name is plain text: nothing in it pings)."""
    name = one_line(topic_title).strip() or "Topic of the day"
    if len(name) <= THREAD_NAME_MAX:
        return name
    return name[: THREAD_NAME_MAX - 1].rstrip() + "…"


def notify_me_answer(role_name: str, added: bool) -> str:
    """The answer to Notify me: what changed for the presser."""
    role = f"**@{one_line(no_pings(role_name))}**"
    if added:
        return f"You now have {role}: the daily post will ping you. Press again to stop."
    return f"{role} is removed: the daily post no longer pings you. Press again to opt in."


def daily_button_label(action: str) -> str:
    """The label of a daily post's button (`DailyPostButton` action)."""
    return _BUTTON_LABELS[action]


def daily_post_buttons(roadmap_id: str, topic: Topic) -> tuple[DailyPostButton, ...]:
    """The buttons under the daily post: Done, My next topic, and Check yourself when the
    topic has questions."""
    actions = [DailyPostButton.DONE, DailyPostButton.MY_NEXT]
    if topic.check is not None and topic.check.questions:
        actions.append(DailyPostButton.CHECK)
    return tuple(DailyPostButton(action, roadmap_id, topic.id) for action in actions)


def daily_footer(local_date: date, topic_number: int, topic_count: int) -> str:
    """E.g. `Topic of the day · 2026-11-23 · 3 of 20`."""
    return f"{FOOTER_PREFIX}{local_date.isoformat()} · {topic_number} of {topic_count}"


def daily_post_date(footer: str | None) -> date | None:
    """The local date a daily post's footer names (None when it is not a daily footer)."""
    match = _FOOTER_DATE.match(footer or "")
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def daily_example(topic: Topic, stage: Stage) -> Example | None:
    """The topic's own example; a stage's example only on the stage's first topic, so the
    channel does not see the same code several days in a row."""
    if topic.example is not None:
        return topic.example
    if stage.example is not None and stage.topics and stage.topics[0].id == topic.id:
        return stage.example
    return None


def daily_post_draft(
    topic: Topic,
    stage: Stage,
    *,
    local_date: date,
    stage_number: int,
    stage_count: int,
    topic_number: int,
    topic_count: int,
    ping_role_id: int | None = None,
) -> Message:
    """The topic of the day: the topic, its example when it has one (see `daily_example`), its
    resources, a hint to its buttons, and a footer with the server's local date.
    `ping_role_id` puts that role's mention in the content: the only mention meant to ping."""
    fields = [Field("Your turn", HINT)]
    resources = parts.resources_field(topic.resources)
    if resources:
        fields.insert(0, resources)
    embed = Embed(
        title=one_line(no_pings(topic.title)),
        description=parts.explanation(topic),
        fields=tuple(fields),
        footer=daily_footer(local_date, topic_number, topic_count),
        author=stage_label(stage, stage_number, stage_count),
        colour=DAILY_COLOUR,
    )
    files: tuple[Attachment, ...] = ()
    example = daily_example(topic, stage)
    if example is not None:
        stem = topic.id if topic.example is not None else stage.id
        embed, files = parts.place_example(embed, example, stem)
    content = role_mention(ping_role_id) if ping_role_id is not None else None
    return Message(content=content, embeds=(embed,), files=files)


daily_post = fitted(daily_post_draft)


def daily_post_for(
    roadmap: Roadmap, topic: Topic, *, local_date: date, ping_role_id: int | None = None
) -> Message:
    """`daily_post` for a live topic of `roadmap`, with its stage and numbers looked up (what
    the daily sender and `preview daily` call)."""
    stage = roadmap.stage_of(topic.id)
    position = roadmap.topic_position(topic.id)
    stage_position = roadmap.stage_position(stage.id) if stage is not None else None
    if stage is None or position is None or stage_position is None:
        raise ValueError(f"topic {topic.id!r} is not in roadmap {roadmap.id!r}")
    return daily_post(
        topic,
        stage,
        local_date=local_date,
        stage_number=stage_position + 1,
        stage_count=len(roadmap.stages),
        topic_number=position + 1,
        topic_count=len(roadmap.topics),
        ping_role_id=ping_role_id,
    )
