"""When a stage is complete: the one rule rewards, stats and progress use.

A done topic counts. A skipped topic counts only once its check is passed: skipping every topic
of a stage no longer completes it (so earns no role), and a skipped topic without check
questions counts only when it is done. A choice group (the member picks `pick` of its topics)
counts the member's picks: as many of its counting topics as it asks for, and the topics not
picked are never required. A stage is complete when everything it requires counts.

Statuses and checks are by live topic id, as `standing.live_rows` resolves them (progress under
an id a topic replaces already resolved to it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.records import DONE, SKIPPED
from bot.roadmap.model import ChoiceGroup, Roadmap, Stage, Topic


def counts(status: str | None, checked: bool) -> bool:
    """Whether a topic with `status` (None: not started) counts toward its stage."""
    return status == DONE or (status == SKIPPED and checked)


@dataclass(frozen=True, slots=True)
class OpenChoice:
    """A choice group short of its pick: `left` more of `topics` must count."""

    group: ChoiceGroup
    topics: tuple[Topic, ...]  # the group's topics that do not count yet, in stage order
    left: int


@dataclass(frozen=True, slots=True)
class StageCompletion:
    stage: Stage
    counted: int  # topics that count, a choice group at most its pick
    required: int  # the stage's topics, a choice group as its pick
    missing: tuple[Topic, ...]  # required topics outside groups that do not count yet
    unchecked: tuple[Topic, ...]  # skipped topics a passed check would count (where needed)
    open_choices: tuple[OpenChoice, ...]

    @property
    def complete(self) -> bool:
        return self.counted >= self.required


def stage_completion(
    stage: Stage, statuses: Mapping[str, str], checked: Collection[str]
) -> StageCompletion:
    """How far `stage` is from complete for a member with `statuses` and passed `checked`."""
    grouped = {topic_id: group for group in stage.choices for topic_id in group.topic_ids}
    live = {topic.id for topic in stage.topics}

    def counting(topic: Topic) -> bool:
        return counts(statuses.get(topic.id), topic.id in checked)

    def skipped(topics: tuple[Topic, ...]) -> tuple[Topic, ...]:
        return tuple(t for t in topics if statuses.get(t.id) == SKIPPED)

    counted = required = 0
    missing: list[Topic] = []
    unchecked: list[Topic] = []
    open_choices: list[OpenChoice] = []
    for topic in stage.topics:
        if topic.id in grouped:
            continue
        required += 1
        if counting(topic):
            counted += 1
        else:
            missing.append(topic)
            unchecked.extend(skipped((topic,)))
    for group in stage.choices:
        # A group listing topics that left the stage asks for no more than it still has.
        members = tuple(t for t in stage.topics if t.id in group.topic_ids and t.id in live)
        pick = min(group.pick, len(members))
        met = min(pick, sum(counting(topic) for topic in members))
        required += pick
        counted += met
        if met < pick:
            waiting = tuple(topic for topic in members if not counting(topic))
            open_choices.append(OpenChoice(group, waiting, pick - met))
            unchecked.extend(skipped(waiting))
    order = {topic.id: index for index, topic in enumerate(stage.topics)}
    unchecked.sort(key=lambda topic: order[topic.id])
    return StageCompletion(
        stage, counted, required, tuple(missing), tuple(unchecked), tuple(open_choices)
    )


def stage_complete(stage: Stage, statuses: Mapping[str, str], checked: Collection[str]) -> bool:
    """Whether `stage` is complete: `stage_completion(...).complete` without working out what
    is missing (every mark asks it, for the stage before and after the change)."""
    if stage.choices:
        return stage_completion(stage, statuses, checked).complete
    return all(counts(statuses.get(topic.id), topic.id in checked) for topic in stage.topics)


def roadmap_completion(
    roadmap: Roadmap, statuses: Mapping[str, str], checked: Collection[str]
) -> tuple[StageCompletion, ...]:
    """Every stage's completion, in roadmap order."""
    return tuple(stage_completion(stage, statuses, checked) for stage in roadmap.stages)


def completed_stages(
    roadmap: Roadmap, statuses: Mapping[str, str], checked: Collection[str]
) -> tuple[Stage, ...]:
    """The stages the member has completed, in roadmap order (what earns a stage's reward)."""
    return tuple(
        item.stage for item in roadmap_completion(roadmap, statuses, checked) if item.complete
    )
