"""What a member is told when a topic they typed is not where they looked but elsewhere: in
another stage of their roadmap, or in another roadmap the bot serves (the place is found by
bot.roadmap.catalog; the wording and the command to use are Discord's, here)."""

from __future__ import annotations

from bot.errors import quoted
from bot.render.text import no_pings, one_line
from bot.roadmap.catalog import TopicPlace


def _title(text: str) -> str:
    return f"**{one_line(no_pings(text))}**"


def topic_in_stage(value: str, place: TopicPlace) -> str:
    """`example stage:X topic:Y` with Y in another stage: where Y is and the command for it."""
    number = place.stage_number
    return (
        f"{quoted(value)} is in stage {number}, {_title(place.stage.title)}: "
        f"`/roadmap example stage:{number} topic:{place.topic.id}`"
    )


def topic_in_roadmap(value: str, place: TopicPlace) -> str:
    """A topic of another served roadmap: which one, and how to follow it."""
    return (
        f"{quoted(value)} is in {_title(place.roadmap.title)}: "
        f"`/roadmap follow roadmap:{place.roadmap.id}`"
    )
