"""The topic card of `/roadmap next`, the card that asks for a choice group's pick, and the card
shown when the roadmap is finished."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.render import code, parts
from bot.render.limits import FENCE, fit_message, fitted
from bot.render.payload import DONE_COLOUR, TOPIC_COLOUR, Embed, Field, Message
from bot.render.study_loop import roadmap_complete, waiting_checks_line
from bot.render.text import no_pings, one_line
from bot.roadmap.model import Example, Stage, Topic
from bot.services.standing import PendingChoice, Standing, percent

BUTTON_LABEL_MAX = 80  # Discord's limit for a button label
MAX_BUTTONS = 25  # a message holds at most 25 buttons (5 rows of 5)


def standing_line(stage_number: int, stage_count: int, done: int, total: int) -> str:
    """Where a member stands, e.g. `Stage 2/6 · 7 of 20 topics · 35%`."""
    return (
        f"Stage {stage_number}/{stage_count} · {done} of {total} topics · {percent(done, total)}%"
    )


def stage_label(stage: Stage, stage_number: int, stage_count: int) -> str:
    """E.g. `Stage 2/6 · Web development fundamentals`."""
    return f"Stage {stage_number}/{stage_count} · {one_line(no_pings(stage.title))}"


PRACTICE_NAME = "Practice"
CHECKPOINT_PREFIX = "Checkpoint project: "
MORE_EXAMPLES_NAME = "More examples"

# The widest standing line a footer may carry, kept free when deciding whether an example fits,
# so the decision (and with it the Show example button) is the same for every member.
_STANDING_RESERVE = len(standing_line(999, 999, 99_999, 99_999)) + 1


def study_line(topic: Topic) -> str | None:
    """What a topic asks of the learner's time: `About 45 min · 3 self-check questions`."""
    bits = []
    if topic.minutes:
        bits.append(f"About {parts.duration(topic.minutes)}")
    if topic.check is not None and topic.check.questions:
        count = len(topic.check.questions)
        bits.append(f"{count} self-check question" + ("s" if count != 1 else ""))
    return " · ".join(bits) or None


def ends_stage(topic: Topic, stage: Stage) -> bool:
    """Whether `topic` is the stage's last step: its last topic, or in the choice group that
    ends it (whichever of the group a member picks is their last topic of the stage)."""
    ids = [item.id for item in stage.topics]
    if topic.id not in ids:
        return False
    after = ids[ids.index(topic.id) + 1 :]
    if not after:
        return True
    group = next((g for g in stage.choices if topic.id in g.topic_ids), None)
    return group is not None and all(topic_id in group.topic_ids for topic_id in after)


def checkpoint_field(stage: Stage) -> Field | None:
    """The stage's checkpoint project as a field (None when it has none)."""
    if stage.checkpoint is None:
        return None
    return Field(
        CHECKPOINT_PREFIX + one_line(no_pings(stage.checkpoint.title)),
        no_pings(stage.checkpoint.task.strip()),
    )


@dataclass(frozen=True, slots=True)
class CardPlan:
    """Where a topic card's examples go: `inline` under its text, `more` behind Show example."""

    inline: Example | None
    more: tuple[Example, ...]


def _base_embed(topic: Topic, stage: Stage, footer: str, author: str) -> Embed:
    """The card without its examples."""
    fields: list[Field] = []
    if topic.practice and topic.practice.strip():
        fields.append(Field(PRACTICE_NAME, no_pings(topic.practice.strip())))
    checkpoint = checkpoint_field(stage) if ends_stage(topic, stage) else None
    if checkpoint is not None:
        fields.append(checkpoint)
    resources = parts.resources_field(topic.resources)
    if resources is not None:
        fields.append(resources)
    return Embed(
        title=one_line(no_pings(topic.title)),
        description=parts.explanation(topic),
        fields=tuple(fields),
        footer=footer,
        author=author,
        colour=TOPIC_COLOUR,
    )


def _more_field(plan: CardPlan) -> Field | None:
    """The field naming the examples behind Show example."""
    if not plan.more:
        return None
    lines = [f"• {one_line(no_pings(item.title))} ({_lines(item)})" for item in plan.more]
    them = "it" if len(plan.more) == 1 else "them"
    lines.append(f"**Show example** shows {them}.")
    if plan.inline is not None:
        name = MORE_EXAMPLES_NAME
    else:
        name = "Example" if len(plan.more) == 1 else "Examples"
    return Field(name, "\n".join(lines))


def _lines(example: Example) -> str:
    count = code.line_count(example.code)
    return f"{count} line" if count == 1 else f"{count} lines"


def _with_field(embed: Embed, field: Field | None) -> Embed:
    """`embed` with `field` just before its Resources field (or last)."""
    if field is None:
        return embed
    fields = list(embed.fields)
    at = next(
        (i for i, item in enumerate(fields) if item.name == parts.RESOURCES_NAME), len(fields)
    )
    fields.insert(at, field)
    return replace(embed, fields=tuple(fields))


# Plans by the identity of the content objects: hashing a frozen Stage walks all its topics
# (about 30 us), and every `/roadmap next` asks for its card's buttons. The entry keeps the
# objects alive, so an id is never reused while its entry exists; a reload clears them all.
_PLANS_MAX = 4096
_plans: dict[tuple[int, int], tuple[Topic, Stage, CardPlan]] = {}


def card_plan(topic: Topic, stage: Stage) -> CardPlan:
    """The topic's first example (its own, else its stage's) goes inline when it fits the card;
    whatever does not is behind the Show example button, so no code is shown twice."""
    key = (id(topic), id(stage))
    found = _plans.get(key)
    if found is not None and found[0] is topic and found[1] is stage:
        return found[2]
    plan = _card_plan(topic, stage)
    if len(_plans) >= _PLANS_MAX:
        _plans.clear()
    _plans[key] = (topic, stage, plan)
    return plan


def _card_plan(topic: Topic, stage: Stage) -> CardPlan:
    examples = parts.card_examples(topic, stage)
    if not examples:
        return CardPlan(None, ())
    first, rest = examples[0], examples[1:]
    planned = CardPlan(first, rest)
    base = _base_embed(topic, stage, footer=study_line(topic) or "", author=stage_label_max(stage))
    embed = _with_field(base, _more_field(planned))
    # Code with a run of three backticks is never inline: the block would need a zero-width
    # space to stay closed, and it would come along when the code is copied. Behind Show
    # example it is attached as its file, exactly as written.
    if FENCE not in first.code and parts.fits_inline(embed, first, reserve=_STANDING_RESERVE):
        return planned
    return CardPlan(None, examples)


def stage_label_max(stage: Stage) -> str:
    """The widest stage label this stage can get (for size decisions made once per topic)."""
    return stage_label(stage, 999, 999)


def topic_card_draft(
    topic: Topic, stage: Stage, *, stage_number: int, stage_count: int, done: int, total: int
) -> Message:
    """A member's next topic: stage, title, explanation with the example (the topic's own, else
    the stage's) when it fits, the practice task, the stage's checkpoint project on its last
    step, the examples behind Show example, resources with their kinds, the time estimate and
    self-check count, and the standing line.

    `stage_number` is 1-based; `done` counts the member's done topics out of `total`.
    """
    standing = standing_line(stage_number, stage_count, done, total)
    study = study_line(topic)
    footer = f"{study}\n{standing}" if study else standing
    plan = card_plan(topic, stage)
    embed = _base_embed(topic, stage, footer, stage_label(stage, stage_number, stage_count))
    embed = _with_field(embed, _more_field(plan))
    if plan.inline is not None:
        embed = parts.with_inline_example(embed, plan.inline)
    return Message(embeds=(embed,))


topic_card = fitted(topic_card_draft)

#: The buttons a topic card can carry: (action, label), in the order members see them.
DONE_BUTTON = ("done", "Done")
SKIP_BUTTON = ("skip", "Skip")
EXAMPLE_BUTTON = ("ex", "Show example")
PICK_ACTION = "pick"


def topic_card_buttons(topic: Topic, stage: Stage) -> tuple[tuple[str, str], ...]:
    """The buttons under a topic card: Done and Skip, and Show example when there is more code
    than the card shows."""
    if not card_plan(topic, stage).more:
        return (DONE_BUTTON, SKIP_BUTTON)
    return (DONE_BUTTON, SKIP_BUTTON, EXAMPLE_BUTTON)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(?:\s|$)", one_line(text))
    return match.group(1) if match else one_line(text)


def choice_card_draft(
    choice: PendingChoice,
    stage: Stage,
    *,
    stage_number: int,
    stage_count: int,
    done: int,
    total: int,
) -> Message:
    """The card `/roadmap next` shows when a pick is due: the group's topics to choose from,
    each with its first sentence and time; the buttons under it open the one picked."""
    count = len(choice.topics)
    others = "the other stays" if count - choice.left == 1 else "the others stay"
    lines = [
        f"Pick {choice.left} of these {count} topics to study next: {others} optional and "
        "never count against your progress."
    ]
    for topic in choice.topics:
        heading = f"**{one_line(no_pings(topic.title))}**"
        if topic.minutes:
            heading += f" · about {parts.duration(topic.minutes)}"
        lines.append(f"{heading}\n{no_pings(_first_sentence(topic.summary))}")
    lines.append("Choose with a button under `/roadmap next`: the topic you pick opens.")
    embed = Embed(
        title=one_line(no_pings(choice.group.title)),
        description="\n\n".join(lines),
        footer=standing_line(stage_number, stage_count, done, total),
        author=stage_label(stage, stage_number, stage_count),
        colour=TOPIC_COLOUR,
    )
    return Message(embeds=(embed,))


choice_card = fitted(choice_card_draft)


def choice_card_buttons(choice: PendingChoice) -> tuple[tuple[str, str, str], ...]:
    """(action, label, topic id) of the buttons under a choice card: one per topic to pick."""
    return tuple(
        (PICK_ACTION, one_line(topic.title)[:BUTTON_LABEL_MAX], topic.id)
        for topic in choice.topics[:MAX_BUTTONS]
    )


def finished_card(
    roadmap_title: str,
    *,
    stage_count: int,
    done: int,
    skipped: int,
    total: int,
    waiting: str | None = None,
) -> Message:
    """Shown by `/roadmap next` once every topic is done or skipped. `waiting`: why the
    roadmap is not complete yet (skipped topics whose check is not passed, study_loop's
    `waiting_checks_line`); only without it is the roadmap finished."""
    lines = [
        f"Every topic of **{one_line(no_pings(roadmap_title))}** is behind you: "
        f"{done} done, {skipped} skipped."
    ]
    if waiting is not None:
        lines.append(f"{waiting}.")
    if skipped:
        lines.append(
            "Skipped topics are still there: `/roadmap reset <topic>` brings one back "
            "into your list."
        )
    lines.append(
        "`/roadmap progress` shows every stage"
        + ("; well done!" if waiting is None else " and what each one still needs.")
    )
    embed = Embed(
        title="You finished the roadmap 🎉" if waiting is None else "No topic left to study",
        description="\n\n".join(lines),
        footer=standing_line(stage_count, stage_count, done, total),
        colour=DONE_COLOUR if waiting is None else TOPIC_COLOUR,
    )
    return fit_message(Message(embeds=(embed,)))


def standing_card(standing: Standing) -> Message:
    """The card a member sees for where they stand: their next topic, the pick that is due, or
    the finished card."""
    if standing.next_choice is not None and standing.next_stage is not None:
        return choice_card(
            standing.next_choice,
            standing.next_stage.stage,
            stage_number=standing.next_stage.number,
            stage_count=standing.stage_count,
            done=standing.done,
            total=standing.total,
        )
    if standing.next_topic is None or standing.next_stage is None:
        return finished_card(
            standing.roadmap.title,
            stage_count=standing.stage_count,
            done=standing.done,
            skipped=sum(stage.skipped for stage in standing.stages),
            total=standing.total,
            waiting=None if roadmap_complete(standing) else waiting_checks_line(standing),
        )
    return _shared_topic_card(
        standing.next_topic,
        standing.next_stage.stage,
        stage_number=standing.next_stage.number,
        stage_count=standing.stage_count,
        done=standing.done,
        total=standing.total,
    )


_CARDS_MAX = 4096
_cards: dict[tuple[int, ...], tuple[Topic, Stage, Message]] = {}


def _shared_topic_card(
    topic: Topic, stage: Stage, *, stage_number: int, stage_count: int, done: int, total: int
) -> Message:
    # Rendering is pure and a Message is immutable, so members at the same point share one;
    # edited content brings new Topic objects, hence new keys. Keyed by identity, like the
    # plans (the entry keeps the objects alive, so their ids stay theirs).
    key = (id(topic), id(stage), stage_number, stage_count, done, total)
    found = _cards.get(key)
    if found is not None and found[0] is topic and found[1] is stage:
        return found[2]
    card = topic_card(
        topic, stage, stage_number=stage_number, stage_count=stage_count, done=done, total=total
    )
    if len(_cards) >= _CARDS_MAX:
        _cards.clear()
    _cards[key] = (topic, stage, card)
    return card


def rendered_cards() -> int:
    """How many topic cards are kept rendered."""
    return len(_cards)


def forget_rendered_cards() -> None:
    """Drop the rendered cards: after a reload their keys hold Topics nobody asks for again."""
    _cards.clear()
    _plans.clear()
