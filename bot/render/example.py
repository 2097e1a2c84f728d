"""The example message of `/roadmap example` and of the card's **Show example** button."""

from __future__ import annotations

from bot.render import code, limits
from bot.render.limits import fit_message, fitted
from bot.render.parts import example_heading
from bot.render.payload import TOPIC_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line
from bot.render.topic import stage_label
from bot.roadmap.model import Example, Stage, Topic


def example_message_draft(example: Example, *, heading: str, stem: str) -> Message:
    """`example` as a highlighted code block, or as an attached file named `<stem>.<ext>` when
    the block does not fit. `heading` says whose example it is (e.g. the stage label)."""
    title = example_heading(example)
    author = one_line(no_pings(heading))
    block = code.code_block(example.code, example.language)
    if limits.measure(block) <= limits.EMBED_DESCRIPTION_MAX:
        embed = Embed(title=title, description=block, author=author, colour=TOPIC_COLOUR)
        return Message(embeds=(embed,))
    file = code.code_file(example.code, example.language, stem)
    note = (
        f"The code is too long for a message, so it is attached as `{file.filename}` "
        f"({code.line_count(example.code)} lines)."
    )
    embed = Embed(title=title, description=note, author=author, colour=TOPIC_COLOUR)
    return Message(embeds=(embed,), files=(file,))


example_message = fitted(example_message_draft)


def _chosen_example(
    stage: Stage, topic: Topic | None, stage_number: int, stage_count: int
) -> tuple[Example, str, str] | None:
    """(example, heading, file stem) for a stage or topic: the topic's own example, else the
    stage's; None when neither has one."""
    if topic is not None and topic.example is not None:
        label = f"{stage_label(stage, stage_number, stage_count)} · {one_line(topic.title)}"
        return topic.example, label, topic.id
    if stage.example is not None:
        return stage.example, stage_label(stage, stage_number, stage_count), stage.id
    return None


def example_reply_draft(
    stage: Stage, topic: Topic | None = None, *, stage_number: int, stage_count: int
) -> Message | None:
    """The example reply before fitting (see `example_reply`)."""
    chosen = _chosen_example(stage, topic, stage_number, stage_count)
    if chosen is None:
        return None
    example, heading, stem = chosen
    return example_message_draft(example, heading=heading, stem=stem)


def example_reply(
    stage: Stage, topic: Topic | None = None, *, stage_number: int, stage_count: int
) -> Message | None:
    """The answer to `/roadmap example <stage> [topic]` and to **Show example**: the topic's own
    example when it has one, else its stage's; None when there is neither (say so instead)."""
    draft = example_reply_draft(stage, topic, stage_number=stage_number, stage_count=stage_count)
    return None if draft is None else fit_message(draft)
