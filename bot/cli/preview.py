"""`python -m bot preview next | topic TOPIC | stage STAGE | example STAGE [TOPIC] | daily N
[--roadmap ID]`.

Prints the message the bot would send (built by the same bot/render code) as a member reads it,
buttons included, so content can be proofread without Discord: the next topic of a new member,
any topic's card, a stage overview, an example, or the N-th post of a new daily schedule.
`--raw` prints the message's parts instead (embed fields, markdown as sent, attachments) and
their sizes against Discord's limits. Exit 0 when shown, 1 for an unknown roadmap, stage or
topic (with suggestions) or invalid content, 2 for bad usage or a missing content folder.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.errors import NotFound, StudyError, UnknownStage, UnknownTopic
from bot.render import limits
from bot.render.audit import accept_for_discord
from bot.render.daily import daily_post_for
from bot.render.example import example_reply
from bot.render.payload import Embed, Message
from bot.render.stage import stage_overview
from bot.render.topic import (
    choice_card_buttons,
    standing_card,
    topic_card,
    topic_card_buttons,
)
from bot.roadmap.catalog import Catalog, TopicPlace, require_stage_topic
from bot.roadmap.loader import ContentDirectoryError
from bot.roadmap.model import Roadmap
from bot.services.daily_rules import nth_daily_topic
from bot.services.standing import roadmap_study_minutes, standing

USAGE = (
    "usage: python -m bot preview next | topic TOPIC | stage STAGE | example STAGE [TOPIC] | "
    "daily N [--roadmap ID]"
)
_ARGUMENT_COUNTS = {
    "next": (0, 0),
    "topic": (1, 1),
    "stage": (1, 1),
    "example": (1, 2),
    "daily": (1, 1),
}


class UsageError(Exception):
    """The command line itself is wrong (exit 2)."""


def run_preview(
    what: str,
    args: Sequence[str],
    *,
    roadmap_id: str | None,
    content_dir: Path,
    today: date | None = None,
    raw: bool = False,
) -> int:
    """Print the message for `what` and return the exit code. `today` is the local date of the
    first daily post (default: today in UTC)."""
    catalog: Catalog | None = None
    roadmap: Roadmap | None = None
    try:
        _check_usage(what, args)
        catalog = _load(content_dir)
        if catalog is None:
            return 1
        roadmap = catalog.require(roadmap_id) if roadmap_id else catalog.default
        message, buttons = _render(catalog, roadmap, what, args, today or datetime.now(UTC).date())
    except UsageError as exc:
        print(f"{exc}\n{USAGE}", file=sys.stderr)
        return 2
    except ContentDirectoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StudyError as exc:
        print(_plain(exc.message), file=sys.stderr)
        if isinstance(exc, NotFound) and not exc.suggestions and not exc.hint:
            print(_known_ids(exc, catalog, roadmap), file=sys.stderr)
        return 1
    if message is None:
        return 1
    print(message_text(message) if raw else member_text(message, buttons))
    return 0


def _check_usage(what: str, args: Sequence[str]) -> None:
    if what not in _ARGUMENT_COUNTS:
        raise UsageError(f"unknown preview '{what}'")
    least, most = _ARGUMENT_COUNTS[what]
    if not least <= len(args) <= most:
        wanted = {
            "next": "no arguments",
            "topic": "TOPIC",
            "stage": "STAGE",
            "example": "STAGE [TOPIC]",
            "daily": "N",
        }[what]
        raise UsageError(f"preview {what} takes {wanted}")
    if what == "daily" and not (args[0].isdigit() and int(args[0]) >= 1):
        raise UsageError(f"N must be a whole number from 1 up, not '{args[0]}'")


def _load(content_dir: Path) -> Catalog | None:
    """The content's catalog as the bot would accept it (Discord's size audit included); prints
    the errors and returns None when the bot would refuse it."""
    accepted = accept_for_discord(content_dir)
    if accepted.catalog is not None:
        return accepted.catalog
    for problem in accepted.errors:
        print(problem, file=sys.stderr)
    print(
        f"The content in {content_dir} has errors; fix them first "
        f"(python -m bot check {content_dir}).",
        file=sys.stderr,
    )
    return None


def _render(
    catalog: Catalog, roadmap: Roadmap, what: str, args: Sequence[str], today: date
) -> tuple[Message | None, tuple[str, ...]]:
    """The message, and the labels of the buttons under it."""
    new_member = standing(roadmap, ())  # a new member's cards: nothing done yet
    if what == "next" and new_member.next_choice is not None:  # the roadmap opens with a pick
        choice = new_member.next_choice
        labels = tuple(label for _, label, _ in choice_card_buttons(choice))
        return standing_card(new_member), labels
    if what in ("next", "topic"):
        # `next` is the very first topic; `topic` any one, by id, old id or title.
        topic = catalog.require_topic(roadmap, args[0]) if args else roadmap.topics[0]
        stage = roadmap.stage_of(topic.id)
        assert stage is not None  # a live topic is in a stage
        card = topic_card(
            topic,
            stage,
            stage_number=_stage_number(roadmap, stage.id),
            stage_count=len(roadmap.stages),
            done=0,
            total=new_member.total,
        )
        return card, tuple(label for _, label in topic_card_buttons(topic, stage))
    return _render_other(catalog, roadmap, what, args, today), ()


def _render_other(
    catalog: Catalog, roadmap: Roadmap, what: str, args: Sequence[str], today: date
) -> Message | None:
    stage_count = len(roadmap.stages)
    if what == "daily":  # the n-th post of a new schedule, n days from today
        n = int(args[0])
        topic = nth_daily_topic(roadmap, n)
        assert topic is not None  # n >= 1 and a valid roadmap has topics
        return daily_post_for(roadmap, topic, local_date=today + timedelta(days=n - 1))
    stage = catalog.require_stage(roadmap, args[0])
    number = _stage_number(roadmap, stage.id)
    if what == "stage":
        return stage_overview(
            stage,
            stage_number=number,
            stage_count=stage_count,
            statuses={},
            roadmap_minutes=roadmap_study_minutes(roadmap),
        )
    topic = require_stage_topic(roadmap, stage, args[1], _in_stage) if len(args) > 1 else None
    message = example_reply(stage, topic, stage_number=number, stage_count=stage_count)
    if message is None:
        whose = f"topic '{topic.id}' nor its stage" if topic else f"stage '{stage.id}'"
        print(
            f"Neither {whose} has an example." if topic else f"The {whose} has no example.",
            file=sys.stderr,
        )
    return message


def _in_stage(value: str, place: TopicPlace) -> str:
    """The command line's answer for a topic of another stage (Discord's: render.lookup)."""
    return (
        f"Topic '{place.topic.id}' is in stage {place.stage_number} '{place.stage.id}': "
        f"python -m bot preview example {place.stage.id} {place.topic.id}"
    )


def _known_ids(error: NotFound, catalog: Catalog | None, roadmap: Roadmap | None) -> str:
    """The ids a value could have been, for an unknown one with no close match."""
    if isinstance(error, UnknownStage) and roadmap is not None:
        return "Stages: " + ", ".join(stage.id for stage in roadmap.stages)
    if isinstance(error, UnknownTopic) and roadmap is not None:
        return "Topics: " + ", ".join(topic.id for topic in roadmap.topics)
    return "Roadmaps: " + ", ".join(catalog.ids if catalog is not None else ())


def _stage_number(roadmap: Roadmap, stage_id: str) -> int:
    return (roadmap.stage_position(stage_id) or 0) + 1


def _plain(text: str) -> str:
    """A domain error's Discord wording for a terminal: quotes instead of code spans."""
    return text.replace("`", "'")


# -- the message as text ----------------------------------------------------------------------


def _block(label: str, text: str) -> list[str]:
    return [f"{label}:", *(f"  {line}" if line else "" for line in text.splitlines())]


def _embed_text(embed: Embed, position: int, count: int) -> list[str]:
    lines = [f"--- embed {position + 1} of {count} ---" if count > 1 else "--- embed ---"]
    if embed.author:
        lines.append(f"author: {embed.author}")
    if embed.title:
        lines.append(f"title: {embed.title}")
    if embed.url:
        lines.append(f"url: {embed.url}")
    if embed.description:
        lines += _block("description", embed.description)
    for item in embed.fields:
        kind = "inline field" if item.inline else "field"
        lines += _block(f'{kind} "{item.name}"', item.value)
    if embed.footer:
        lines += _block("footer", embed.footer)
    return lines


def _sizes(message: Message) -> str:
    parts = []
    for embed in message.embeds:
        parts.append(
            f"description {limits.measure(embed.description)}/{limits.EMBED_DESCRIPTION_MAX}"
        )
        parts.append(f"embed total {limits.embed_size(embed)}/{limits.EMBED_TOTAL_MAX}")
    if message.content:
        parts.insert(0, f"content {limits.measure(message.content)}/{limits.CONTENT_MAX}")
    return "sizes: " + ", ".join(parts) + " characters"


def message_text(message: Message) -> str:
    """`message` as readable text: content, each embed's parts, attachments, and its sizes."""
    lines: list[str] = []
    if message.content:
        lines += _block("content", message.content)
    for position, embed in enumerate(message.embeds):
        lines += _embed_text(embed, position, len(message.embeds))
    for file in message.files:
        lines.append(f"attachment: {file.filename} ({len(file.data)} bytes)")
    lines.append(_sizes(message))
    return "\n".join(lines)


# -- the message as a member reads it ---------------------------------------------------------

_LINK = re.compile(r"\[([^\]]+)\]\(<?[^)\s>]+>?\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _as_read(markdown: str) -> list[str]:
    """Discord markdown as it reads on screen: links by their text, bold as plain text, and
    code blocks indented by four spaces (inline code keeps its backticks, as it stands out)."""
    lines: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            lines.append(f"    {line}" if line else "")
        else:
            lines.append(_BOLD.sub(r"\1", _LINK.sub(r"\1", line)))
    return lines


def member_text(message: Message, buttons: Sequence[str] = ()) -> str:
    """`message` as a member reads it in Discord: each embed's header, text, fields and footer,
    then its attachments and buttons."""
    lines: list[str] = []
    if message.content:
        lines += [*_as_read(message.content), ""]
    for embed in message.embeds:
        lines += [part for part in (embed.author, embed.title) if part]
        if embed.description:
            lines += ["", *_as_read(embed.description)]
        for item in embed.fields:
            lines += [
                "",
                item.name,
                *(f"  {line}" if line else "" for line in _as_read(item.value)),
            ]
        if embed.footer:
            lines += ["", embed.footer]
    lines += [f"[ attached: {file.filename} ]" for file in message.files]
    if buttons:
        lines.append("  ".join(f"[ {label} ]" for label in buttons))
    return "\n".join(lines).strip("\n")
