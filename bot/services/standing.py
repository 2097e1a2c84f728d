"""Where a member stands in a roadmap, computed from their stored progress rows.

Rows are matched to live topics through `replaces` (progress on an old id counts for its
successor; the most recent row decides), and rows for ids that left the content are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.records import DONE, SKIPPED
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.store.progress import ProgressRow, latest_of

#: Statuses that move a member past a topic.
PASSED = frozenset({DONE, SKIPPED})


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down: 100 only when all of it is done, never "almost all"."""
    return max(0, min(100, part * 100 // whole)) if whole > 0 else 0


@dataclass(frozen=True, slots=True)
class StageProgress:
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
class Standing:
    roadmap: Roadmap
    statuses: Mapping[str, str]  # live topic id -> status; a missing id is not started
    stages: tuple[StageProgress, ...]
    done: int
    total: int
    next_topic: Topic | None  # first topic neither done nor skipped; None when finished
    next_stage: StageProgress | None

    @property
    def percent(self) -> int:
        """Done topics in whole percent, rounded down (100 only when all are done)."""
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


def topic_ids(roadmap: Roadmap, topic: Topic) -> tuple[str, ...]:
    """The ids whose progress counts for `topic`: its own first, then those it replaces."""
    return (topic.id, *(old for old in topic.replaces if roadmap.resolve(old) == topic.id))


def live_statuses(roadmap: Roadmap, rows: Iterable[ProgressRow]) -> dict[str, str]:
    """Live topic id -> status, from rows stored under live or replaced ids."""
    chosen: dict[str, ProgressRow] = {}
    for row in rows:
        live_id = roadmap.resolve(row.topic_id)
        if live_id is None:
            continue  # an id that left the content: kept in the store, ignored here
        other = chosen.get(live_id)
        if other is None:
            chosen[live_id] = row
            continue
        # Progress under both an old id and its successor: the latest row decides.
        topic = roadmap.topic(live_id)
        assert topic is not None  # resolve() only returns live ids
        winner = latest_of((other, row), topic_ids(roadmap, topic))
        assert winner is not None
        chosen[live_id] = winner
    return {live_id: row.status for live_id, row in chosen.items()}


def all_passed(statuses: Mapping[str, str], topics: Iterable[Topic]) -> bool:
    """Whether every one of `topics` is done or skipped in `statuses`."""
    return all(statuses.get(topic.id) in PASSED for topic in topics)


def standing(roadmap: Roadmap, rows: Iterable[ProgressRow]) -> Standing:
    statuses = live_statuses(roadmap, rows)
    stages = []
    next_topic: Topic | None = None
    next_stage: StageProgress | None = None
    for number, stage in enumerate(roadmap.stages, start=1):
        counts = {DONE: 0, SKIPPED: 0}
        in_progress = 0
        pending: Topic | None = None
        for topic in stage.topics:
            status = statuses.get(topic.id)
            if status in PASSED:
                counts[status] += 1
            else:
                in_progress += status is not None
                pending = pending or topic
        progress = StageProgress(
            stage, number, counts[DONE], counts[SKIPPED], in_progress, len(stage.topics)
        )
        stages.append(progress)
        if next_topic is None and pending is not None:
            next_topic, next_stage = pending, progress
    done = sum(s.done for s in stages)
    total = sum(s.total for s in stages)
    return Standing(roadmap, statuses, tuple(stages), done, total, next_topic, next_stage)
