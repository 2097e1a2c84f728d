"""The topic card of `/roadmap next` (and the card shown when the roadmap is finished)."""

from __future__ import annotations

import functools

from bot.render import parts
from bot.render.limits import fit_message, fitted
from bot.render.payload import DONE_COLOUR, TOPIC_COLOUR, Attachment, Embed, Message
from bot.render.text import no_pings, one_line
from bot.roadmap.model import Stage, Topic
from bot.services.standing import Standing, percent


def standing_line(stage_number: int, stage_count: int, done: int, total: int) -> str:
    """Where a member stands, e.g. `Stage 2/6 · 7 of 20 topics · 35%`."""
    return (
        f"Stage {stage_number}/{stage_count} · {done} of {total} topics · {percent(done, total)}%"
    )


def stage_label(stage: Stage, stage_number: int, stage_count: int) -> str:
    """E.g. `Stage 2/6 · Web development fundamentals`."""
    return f"Stage {stage_number}/{stage_count} · {one_line(no_pings(stage.title))}"


def topic_card_draft(
    topic: Topic, stage: Stage, *, stage_number: int, stage_count: int, done: int, total: int
) -> Message:
    """A member's next topic: stage, title, explanation, the topic's (else the stage's) example
    as a code block or an attached file, resources as links, and the standing line.

    `stage_number` is 1-based; `done` counts the member's done topics out of `total`.
    """
    resources = parts.resources_field(topic.resources)
    embed = Embed(
        title=one_line(no_pings(topic.title)),
        description=parts.explanation(topic),
        fields=(resources,) if resources else (),
        footer=standing_line(stage_number, stage_count, done, total),
        author=stage_label(stage, stage_number, stage_count),
        colour=TOPIC_COLOUR,
    )
    files: tuple[Attachment, ...] = ()
    example = parts.example_for(topic, stage)
    if example is not None:
        stem = topic.id if topic.example is not None else stage.id
        embed, files = parts.place_example(embed, example, stem)
    return Message(embeds=(embed,), files=files)


topic_card = fitted(topic_card_draft)

#: The buttons a topic card can carry: (action, label), in the order members see them.
DONE_BUTTON = ("done", "Done")
SKIP_BUTTON = ("skip", "Skip")
EXAMPLE_BUTTON = ("ex", "Show example")


def topic_card_buttons(topic: Topic, stage: Stage) -> tuple[tuple[str, str], ...]:
    """The buttons under a topic card: Done and Skip, and Show example when there is one."""
    if parts.example_for(topic, stage) is None:
        return (DONE_BUTTON, SKIP_BUTTON)
    return (DONE_BUTTON, SKIP_BUTTON, EXAMPLE_BUTTON)


def finished_card(
    roadmap_title: str, *, stage_count: int, done: int, skipped: int, total: int
) -> Message:
    """Shown by `/roadmap next` once every topic is done or skipped."""
    lines = [
        f"Every topic of **{one_line(no_pings(roadmap_title))}** is behind you: "
        f"{done} done, {skipped} skipped."
    ]
    if skipped:
        lines.append(
            "Skipped topics are still there: `/roadmap reset <topic>` brings one back "
            "into your list."
        )
    lines.append("`/roadmap progress` shows every stage; well done!")
    embed = Embed(
        title="You finished the roadmap 🎉",
        description="\n\n".join(lines),
        footer=standing_line(stage_count, stage_count, done, total),
        colour=DONE_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def standing_card(standing: Standing) -> Message:
    """The card a member sees for where they stand: their next topic, or the finished card."""
    if standing.next_topic is None or standing.next_stage is None:
        return finished_card(
            standing.roadmap.title,
            stage_count=standing.stage_count,
            done=standing.done,
            skipped=sum(stage.skipped for stage in standing.stages),
            total=standing.total,
        )
    return _shared_topic_card(
        standing.next_topic,
        standing.next_stage.stage,
        stage_number=standing.next_stage.number,
        stage_count=standing.stage_count,
        done=standing.done,
        total=standing.total,
    )


@functools.lru_cache(maxsize=4096)
def _shared_topic_card(
    topic: Topic, stage: Stage, *, stage_number: int, stage_count: int, done: int, total: int
) -> Message:
    # Rendering is pure and a Message is immutable, so members at the same point share one;
    # edited content brings new Topic objects, hence new keys.
    return topic_card(
        topic, stage, stage_number=stage_number, stage_count=stage_count, done=done, total=total
    )


def rendered_cards() -> int:
    """How many topic cards are kept rendered."""
    return _shared_topic_card.cache_info().currsize


def forget_rendered_cards() -> None:
    """Drop the rendered cards: after a reload their keys hold Topics nobody asks for again."""
    _shared_topic_card.cache_clear()
