"""The example message of `/roadmap example` and of the card's **Show example** button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.render import code, limits
from bot.render.limits import fit_message, fitted
from bot.render.parts import card_examples, example_heading
from bot.render.payload import TOPIC_COLOUR, Attachment, Embed, Message
from bot.render.text import no_pings, one_line
from bot.render.topic import card_plan, stage_label
from bot.roadmap.model import Example, Stage, Topic

# Room kept for each example still to come, which needs at least its title and a short note.
_NOTE_RESERVE = 160


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


def examples_message_draft(examples: Sequence[Example], *, heading: str, stem: str) -> Message:
    """Several examples in one message, one embed each: a code block while the message stays
    within Discord's total, else an attached file (`<stem>.<ext>`, `<stem>-2.<ext>`...)."""
    if len(examples) == 1:
        return example_message_draft(examples[0], heading=heading, stem=stem)
    author = one_line(no_pings(heading))
    shown = list(examples[: limits.EMBEDS_MAX])
    used = limits.measure(author)
    embeds: list[Embed] = []
    files: list[Attachment] = []
    for position, example in enumerate(shown, start=1):
        title = example_heading(example)
        block = code.code_block(example.code, example.language)
        size = limits.measure(title) + limits.measure(block)
        room = limits.EMBED_TOTAL_MAX - _NOTE_RESERVE * (len(shown) - position)
        if limits.measure(block) <= limits.EMBED_DESCRIPTION_MAX and used + size <= room:
            embeds.append(Embed(title=title, description=block, colour=TOPIC_COLOUR))
            used += size
            continue
        file = code.code_file(
            example.code, example.language, stem if position == 1 else f"{stem}-{position}"
        )
        note = (
            f"Too long to show here: attached as `{file.filename}` "
            f"({code.line_count(example.code)} lines)."
        )
        embeds.append(Embed(title=title, description=note, colour=TOPIC_COLOUR))
        files.append(file)
        used += limits.measure(title) + limits.measure(note)
    embeds[0] = replace(embeds[0], author=author)
    return Message(embeds=tuple(embeds), files=tuple(files))


def _chosen_examples(
    stage: Stage, topic: Topic | None, stage_number: int, stage_count: int
) -> tuple[tuple[Example, ...], str, str] | None:
    """(examples, heading, file stem) for a stage or topic: the topic's own examples, else the
    stage's; None when neither has one."""
    if topic is not None and topic.examples:
        label = f"{stage_label(stage, stage_number, stage_count)} · {one_line(topic.title)}"
        return topic.examples, label, topic.id
    if stage.example is not None:
        return (stage.example,), stage_label(stage, stage_number, stage_count), stage.id
    return None


def example_reply_draft(
    stage: Stage, topic: Topic | None = None, *, stage_number: int, stage_count: int
) -> Message | None:
    """The example reply before fitting (see `example_reply`)."""
    chosen = _chosen_examples(stage, topic, stage_number, stage_count)
    if chosen is None:
        return None
    examples, heading, stem = chosen
    return examples_message_draft(examples, heading=heading, stem=stem)


def example_reply(
    stage: Stage, topic: Topic | None = None, *, stage_number: int, stage_count: int
) -> Message | None:
    """The answer to `/roadmap example <stage> [topic]`: every example of the topic when it has
    its own, else its stage's; None when there is neither (say so instead)."""
    draft = example_reply_draft(stage, topic, stage_number=stage_number, stage_count=stage_count)
    return None if draft is None else fit_message(draft)


def more_examples_reply(
    topic: Topic, stage: Stage, *, stage_number: int, stage_count: int
) -> Message | None:
    """The answer to the card's **Show example**: the examples the card does not show inline
    (None when the card shows all there is)."""
    more = card_plan(topic, stage).more
    if not more:
        return None
    own = bool(topic.examples)
    label = stage_label(stage, stage_number, stage_count)
    heading = f"{label} · {one_line(topic.title)}" if own else label
    stem = topic.id if own else stage.id
    if more != card_examples(topic, stage):  # the first is on the card: number files on
        stem = f"{stem}-more"
    return fit_message(examples_message_draft(more, heading=heading, stem=stem))
