"""The example message of `/roadmap example` and of the card's **Show example** button: each
example highlighted in an embed and attached as its file, the copy a phone can take."""

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


def _inline(example: Example, block: str) -> bool:
    """Whether the code shows as a block in the embed: it fits, and it holds no run of three
    backticks (a block would need a zero-width space in it to stay closed, and that space
    would come along when the code is copied)."""
    fits = limits.measure(block) <= limits.EMBED_DESCRIPTION_MAX
    return fits and limits.FENCE not in example.code


def _attached_note(example: Example, file: Attachment, *, short: bool = False) -> str:
    lines = code.line_count(example.code)
    if limits.FENCE in example.code:
        return f"The code is attached as `{file.filename}` ({lines} lines), exactly as written."
    if short:
        return f"Too long to show here: attached as `{file.filename}` ({lines} lines)."
    return (
        f"The code is too long for a message, so it is attached as `{file.filename}` "
        f"({lines} lines)."
    )


def example_message_draft(example: Example, *, heading: str, stem: str) -> Message:
    """`example` as a highlighted code block, and always as an attached file named
    `<stem>.<ext>` too: a phone copies the code from the file (not from an embed), exactly as
    written. `heading` says whose example it is (e.g. the stage label)."""
    title = example_heading(example)
    author = one_line(no_pings(heading))
    block = code.code_block(example.code, example.language)
    file = code.code_file(example.code, example.language, stem)
    description = block if _inline(example, block) else _attached_note(example, file)
    embed = Embed(title=title, description=description, author=author, colour=TOPIC_COLOUR)
    return Message(embeds=(embed,), files=(file,))


example_message = fitted(example_message_draft)


def examples_message_draft(examples: Sequence[Example], *, heading: str, stem: str) -> Message:
    """Several examples in one message, one embed each: a code block while the message stays
    within Discord's total, else a note; each also attached as a file (`<stem>.<ext>`,
    `<stem>-2.<ext>`...), the copy a phone can take."""
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
        file = code.code_file(
            example.code, example.language, stem if position == 1 else f"{stem}-{position}"
        )
        files.append(file)
        size = limits.measure(title) + limits.measure(block)
        room = limits.EMBED_TOTAL_MAX - _NOTE_RESERVE * (len(shown) - position)
        if _inline(example, block) and used + size <= room:
            embeds.append(Embed(title=title, description=block, colour=TOPIC_COLOUR))
            used += size
            continue
        note = _attached_note(example, file, short=True)
        embeds.append(Embed(title=title, description=note, colour=TOPIC_COLOUR))
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
