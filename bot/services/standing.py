"""Where a member stands in a roadmap, computed from their stored progress rows.

Rows are matched to live topics through `replaces` (progress on an old id counts for its
successor; the most recent row decides), and rows for ids that left the content are ignored.

Choice groups are counted here and nowhere else: a stage's `total` counts a group as the `pick`
topics the member chooses, so the topics not picked never hold a member below 100% nor keep a
stage open. A group topic that is in progress or done is picked; once the picks are done the
group is settled. When a pick is due, `Standing.next_choice` says which topics to choose from.

Whether a stage is *complete* (what earns its reward) is bot/services/completion.py's rule, the
one place for it: `Standing.stage_complete` asks it with the member's statuses and passed
checks. A stage's `finished` here only says the member is past all of it (done or skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.records import DONE, IN_PROGRESS, SKIPPED, ProgressRow, latest_of
from bot.roadmap.model import ChoiceGroup, Roadmap, Stage, Topic
from bot.services.completion import stage_complete

#: Statuses that move a member past a topic.
PASSED = frozenset({DONE, SKIPPED})


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down: 100 only when all of it is done, never "almost all"."""
    return max(0, min(100, part * 100 // whole)) if whole > 0 else 0


@dataclass(frozen=True, slots=True)
class StageProgress:
    """A stage's counts for one member; with choice groups, `total` counts each group as its
    `pick`, and `done` / `skipped` count at most that many of a group's topics."""

    stage: Stage
    number: int  # 1-based
    done: int
    skipped: int
    in_progress: int
    total: int

    @property
    def finished(self) -> bool:
        """Every topic done or skipped."""
        return self.done + self.skipped == self.total


@dataclass(frozen=True, slots=True)
class PendingChoice:
    """A choice group whose pick is due: the member picks `left` more of `topics`."""

    group: ChoiceGroup
    topics: tuple[Topic, ...]  # the group's topics neither done nor skipped, in stage order
    left: int


@dataclass(frozen=True, slots=True)
class Standing:
    roadmap: Roadmap
    statuses: Mapping[str, str]  # live topic id -> status; a missing id is not started
    stages: tuple[StageProgress, ...]
    done: int
    total: int
    # The first topic the member still has to do; None when finished. When a pick is due it
    # is the first topic to choose from, and `next_choice` holds the choice.
    next_topic: Topic | None
    next_stage: StageProgress | None
    next_choice: PendingChoice | None = None
    checked: frozenset[str] = frozenset()  # live ids of the topics whose check was passed

    @property
    def percent(self) -> int:
        """Done topics in whole percent, rounded down (100 only when all are done); a choice
        group counts as the topics it asks the member to pick."""
        return percent(self.done, self.total)

    @property
    def finished(self) -> bool:
        return self.next_topic is None

    @property
    def stage_count(self) -> int:
        return len(self.stages)

    def status_of(self, topic_id: str) -> str | None:
        return self.statuses.get(topic_id)

    def stage_progress(self, stage_id: str) -> StageProgress | None:
        return next((s for s in self.stages if s.stage.id == stage_id), None)

    def is_checked(self, topic_id: str) -> bool:
        return topic_id in self.checked

    def stage_complete(self, stage: Stage) -> bool:
        """Whether the stage is complete by the one rule (completion.py): what earns its role."""
        return stage_complete(stage, self.statuses, self.checked)

    def checked_in(self, stage: Stage) -> int:
        """How many of the stage's topics have a passed check."""
        return sum(topic.id in self.checked for topic in stage.topics)


def topic_ids(roadmap: Roadmap, topic: Topic) -> tuple[str, ...]:
    """The ids whose progress counts for `topic`: its own first, then those it replaces."""
    return (topic.id, *(old for old in topic.replaces if roadmap.resolve(old) == topic.id))


def live_rows(roadmap: Roadmap, rows: Iterable[ProgressRow]) -> dict[str, ProgressRow]:
    """Live topic id -> the row that decides it, from rows under live or replaced ids."""
    chosen: dict[str, ProgressRow] = {}
    live_of = roadmap.live_of.get  # a mark runs this over every row of the member
    for row in rows:
        live_id = live_of(row.topic_id)
        if live_id is None:
            continue  # an id that left the content: kept in the store, ignored here
        other = chosen.setdefault(live_id, row)
        if other is row:
            continue
        # Progress under both an old id and its successor: the latest row decides.
        topic = roadmap.topic(live_id)
        assert topic is not None  # resolve() only returns live ids
        winner = latest_of((other, row), topic_ids(roadmap, topic))
        assert winner is not None
        chosen[live_id] = winner
    return chosen


@dataclass(frozen=True, slots=True)
class _GroupState:
    done: int  # counted: at most `pick`
    skipped: int  # counted: the picks that can only be met by skipped topics
    in_progress: int  # counted: at most the picks still to do
    to_do: int  # picks still to do; 0 when the group is settled
    next_topic: Topic | None
    choice: PendingChoice | None


def _group_state(
    group: ChoiceGroup, members: tuple[Topic, ...], statuses: Mapping[str, str]
) -> _GroupState:
    done = sum(statuses.get(topic.id) == DONE for topic in members)
    counted_done = min(group.pick, done)
    left = group.pick - counted_done
    open_topics = tuple(topic for topic in members if statuses.get(topic.id) not in PASSED)
    # Picks no open topic can meet any more are met by the group's skipped topics.
    skipped = max(0, left - len(open_topics))
    to_do = left - skipped
    picked = tuple(t for t in open_topics if statuses.get(t.id) == IN_PROGRESS)
    in_progress = min(to_do, len(picked))
    next_topic: Topic | None = None
    choice: PendingChoice | None = None
    if to_do:
        if picked:
            next_topic = picked[0]  # a pick already made comes first
        else:
            next_topic = open_topics[0]
            if len(open_topics) > to_do:  # a real choice; else every open topic is needed
                choice = PendingChoice(group, open_topics, to_do)
    return _GroupState(counted_done, skipped, in_progress, to_do, next_topic, choice)


def _plain_stage_state(
    stage: Stage, number: int, statuses: Mapping[str, str]
) -> tuple[StageProgress, Topic | None, None]:
    # Counted in C (`list.count`): `/roadmap next` and every mark count each stage.
    got = [statuses.get(topic.id) for topic in stage.topics]
    done, skipped, in_progress = got.count(DONE), got.count(SKIPPED), got.count(IN_PROGRESS)
    pending: Topic | None = None
    if done + skipped < len(got):
        pending = next(t for t, s in zip(stage.topics, got, strict=True) if s not in PASSED)
    total = len(stage.topics)
    return StageProgress(stage, number, done, skipped, in_progress, total), pending, None


def _stage_state(
    stage: Stage, number: int, statuses: Mapping[str, str]
) -> tuple[StageProgress, Topic | None, PendingChoice | None]:
    """The stage's counts for `statuses`, its first topic still to do, and the pick due there."""
    if not stage.choices:  # most stages: every topic counts once (the hot path of `next`)
        return _plain_stage_state(stage, number, statuses)
    group_of: dict[str, ChoiceGroup] = {}
    for choice_group in stage.choices:
        for topic_id in choice_group.topic_ids:
            group_of.setdefault(topic_id, choice_group)
    states: dict[int, _GroupState] = {}
    counts = {DONE: 0, SKIPPED: 0, IN_PROGRESS: 0}
    total = 0
    next_topic: Topic | None = None
    choice: PendingChoice | None = None
    for topic in stage.topics:
        group = group_of.get(topic.id)
        if group is None:
            total += 1
            status = statuses.get(topic.id)
            if status in counts:
                counts[status] += 1
            if status not in PASSED and next_topic is None:
                next_topic = topic
            continue
        state = states.get(id(group))
        if state is None:  # a group is counted once, where its first topic stands
            members = tuple(t for t in stage.topics if group_of.get(t.id) is group)
            state = states[id(group)] = _group_state(group, members, statuses)
            total += group.pick
            counts[DONE] += state.done
            counts[SKIPPED] += state.skipped
            counts[IN_PROGRESS] += state.in_progress
            if state.to_do and next_topic is None:
                next_topic, choice = state.next_topic, state.choice
    progress = StageProgress(
        stage, number, counts[DONE], counts[SKIPPED], counts[IN_PROGRESS], total
    )
    return progress, next_topic, choice


def stage_progress(stage: Stage, statuses: Mapping[str, str], number: int = 1) -> StageProgress:
    """A stage's counts for a member's `statuses` (live topic id -> status), choice-aware."""
    return _stage_state(stage, number, statuses)[0]


def stage_finished(stage: Stage, statuses: Mapping[str, str]) -> bool:
    """Whether the member is past every topic the stage asks of them (its picks included)."""
    return stage_progress(stage, statuses).finished


def roadmap_finished(roadmap: Roadmap, statuses: Mapping[str, str]) -> bool:
    """Whether every stage is finished for `statuses`."""
    return all(stage_finished(stage, statuses) for stage in roadmap.stages)


def study_minutes(stage: Stage) -> int:
    """About how long a member spends on the stage: its topics' `minutes`, a choice group
    counted as `pick` topics of its average length (topics without an estimate count 0)."""
    grouped = {topic_id for group in stage.choices for topic_id in group.topic_ids}
    minutes = sum(topic.minutes or 0 for topic in stage.topics if topic.id not in grouped)
    for group in stage.choices:
        members = [t.minutes or 0 for t in stage.topics if t.id in group.topic_ids]
        if members:
            minutes += round(group.pick * sum(members) / len(members))
    return minutes


def roadmap_study_minutes(roadmap: Roadmap) -> int:
    """`study_minutes` summed over the roadmap's stages."""
    return sum(study_minutes(stage) for stage in roadmap.stages)


def standing(roadmap: Roadmap, rows: Iterable[ProgressRow]) -> Standing:
    chosen = live_rows(roadmap, rows)
    statuses = {live_id: row.status for live_id, row in chosen.items()}
    checked = frozenset(live_id for live_id, row in chosen.items() if row.checked is not None)
    stages = []
    next_topic: Topic | None = None
    next_stage: StageProgress | None = None
    next_choice: PendingChoice | None = None
    for number, stage in enumerate(roadmap.stages, start=1):
        progress, pending, choice = _stage_state(stage, number, statuses)
        stages.append(progress)
        if next_topic is None and pending is not None:
            next_topic, next_stage, next_choice = pending, progress, choice
    done = sum(s.done for s in stages)
    total = sum(s.total for s in stages)
    return Standing(
        roadmap, statuses, tuple(stages), done, total, next_topic, next_stage, next_choice, checked
    )
