"""What changed between two catalogs, as a content reload reports it.

Pure: compares ids, never positions or titles, because progress is stored by id. A topic id that
left the content but is claimed by a live topic's `replaces` is "carried over" (its members keep
their progress); one that is claimed by nobody is "removed" (its progress is kept in the store
and counts again if the id comes back). Every change is one self-contained line, so the same
text serves the log (one line per event) and the reply of `/roadmap-owner reload`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage


@dataclass(frozen=True, slots=True)
class Item:
    """A roadmap, stage or topic named in a diff."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class AddedTopic:
    id: str
    title: str
    stage_id: str


@dataclass(frozen=True, slots=True)
class Retitled:
    id: str
    old_title: str
    new_title: str


@dataclass(frozen=True, slots=True)
class CarriedOver:
    """Progress stored under `old_id` now counts for the live topic `new_id`."""

    old_id: str
    new_id: str
    new_title: str


@dataclass(frozen=True, slots=True)
class CarryEnded:
    """An old id that counted for `was_id` and now counts for nothing."""

    old_id: str
    was_id: str


@dataclass(frozen=True, slots=True)
class Moved:
    id: str
    title: str
    old_stage_id: str
    new_stage_id: str


@dataclass(frozen=True)
class RoadmapChanges:
    """The changes inside one roadmap present in both catalogs, in the order they are listed."""

    id: str
    title: str
    retitled: Retitled | None = None
    stages_added: tuple[Item, ...] = ()
    stages_removed: tuple[Item, ...] = ()
    stages_retitled: tuple[Retitled, ...] = ()
    topics_added: tuple[AddedTopic, ...] = ()
    topics_removed: tuple[Item, ...] = ()
    topics_retitled: tuple[Retitled, ...] = ()
    topics_carried_over: tuple[CarriedOver, ...] = ()
    topics_moved: tuple[Moved, ...] = ()
    carries_ended: tuple[CarryEnded, ...] = ()

    @property
    def empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self) if f.name not in ("id", "title"))

    def lines(self) -> list[str]:
        at = f"{self.id}:"
        lines = []
        if self.retitled:
            lines.append(
                f'{at} roadmap retitled: "{self.retitled.old_title}" -> "{self.retitled.new_title}"'
            )
        lines += [f'{at} stage added: {s.id} "{s.title}"' for s in self.stages_added]
        lines += [f'{at} stage removed: {s.id} "{s.title}"' for s in self.stages_removed]
        lines += [_retitled_line(at, "stage", r) for r in self.stages_retitled]
        lines += [
            f'{at} topic added: {t.id} "{t.title}" (stage {t.stage_id})' for t in self.topics_added
        ]
        lines += [
            f'{at} topic removed: {t.id} "{t.title}" (progress on it is kept)'
            for t in self.topics_removed
        ]
        lines += [_retitled_line(at, "topic", r) for r in self.topics_retitled]
        lines += [
            f'{at} topic carried over: {c.old_id} -> {c.new_id} "{c.new_title}" '
            "(progress carried over)"
            for c in self.topics_carried_over
        ]
        lines += [
            f'{at} topic moved: {m.id} "{m.title}" from stage {m.old_stage_id} '
            f"to stage {m.new_stage_id}"
            for m in self.topics_moved
        ]
        lines += [
            f"{at} carry-over ended: progress on {c.old_id} no longer counts for {c.was_id}"
            for c in self.carries_ended
        ]
        return lines


def _retitled_line(at: str, what: str, change: Retitled) -> str:
    return f'{at} {what} retitled: {change.id} "{change.old_title}" -> "{change.new_title}"'


@dataclass(frozen=True)
class ContentDiff:
    """Everything a reload changed; `lines()` is the readable report, one change a line."""

    roadmaps_added: tuple[Roadmap, ...] = ()
    roadmaps_removed: tuple[Roadmap, ...] = ()
    changed: tuple[RoadmapChanges, ...] = ()  # roadmaps in both catalogs that changed

    @property
    def empty(self) -> bool:
        return not (self.roadmaps_added or self.roadmaps_removed or self.changed)

    def lines(self) -> list[str]:
        lines = [
            f'roadmap added: {r.id} "{r.title}" ({_count(len(r.stages), "stage")}, '
            f"{_count(len(r.topics), 'topic')})"
            for r in self.roadmaps_added
        ]
        lines += [
            f'roadmap removed: {r.id} "{r.title}" (progress on it is kept)'
            for r in self.roadmaps_removed
        ]
        for changes in self.changed:
            lines += changes.lines()
        return lines

    def summary(self) -> str:
        """Counts of each kind of change, e.g. `2 topics added, 1 topic retitled`."""
        counts: Counter[str] = Counter(
            {
                "roadmap added": len(self.roadmaps_added),
                "roadmap removed": len(self.roadmaps_removed),
            }
        )
        for changes in self.changed:
            counts.update(
                {
                    "roadmap retitled": int(changes.retitled is not None),
                    "stage added": len(changes.stages_added),
                    "stage removed": len(changes.stages_removed),
                    "stage retitled": len(changes.stages_retitled),
                    "topic added": len(changes.topics_added),
                    "topic removed": len(changes.topics_removed),
                    "topic retitled": len(changes.topics_retitled),
                    "topic carried over": len(changes.topics_carried_over),
                    "topic moved": len(changes.topics_moved),
                    "carry-over ended": len(changes.carries_ended),
                }
            )
        parts = []
        for kind, number in counts.items():
            if number:
                noun, _, verb = kind.partition(" ")
                parts.append(f"{_count(number, noun)} {verb}")
        return ", ".join(parts) if parts else "no changes to roadmaps, stages or topics"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def diff_catalogs(old: Catalog, new: Catalog) -> ContentDiff:
    """The changes that turn `old` into `new`, roadmap by roadmap in `new`'s order."""
    changed = []
    for roadmap in new.roadmaps:
        before = old.get(roadmap.id)
        if before is not None:
            changes = diff_roadmaps(before, roadmap)
            if not changes.empty:
                changed.append(changes)
    return ContentDiff(
        roadmaps_added=tuple(r for r in new.roadmaps if old.get(r.id) is None),
        roadmaps_removed=tuple(r for r in old.roadmaps if new.get(r.id) is None),
        changed=tuple(changed),
    )


def diff_roadmaps(old: Roadmap, new: Roadmap) -> RoadmapChanges:
    """The changes inside one roadmap (same id in both)."""
    old_stages = {s.id: s for s in old.stages}
    new_stages = {s.id: s for s in new.stages}

    carried: list[CarriedOver] = []
    removed: list[Item] = []
    for topic in old.topics:
        if new.topic(topic.id) is not None:
            continue
        successor = new.resolve(topic.id)
        if successor is None:
            removed.append(Item(topic.id, topic.title))
        else:
            carried.append(CarriedOver(topic.id, successor, _title(new, successor)))
    # An id that was only ever a `replaces` entry: report it when what it counts for changed.
    carries_ended: list[CarryEnded] = []
    for old_id in _replaced_ids((old, new)):
        if old.topic(old_id) is not None or new.topic(old_id) is not None:
            continue
        was, now = old.resolve(old_id), new.resolve(old_id)
        if was == now:
            continue
        if now is None:
            assert was is not None
            carries_ended.append(CarryEnded(old_id, was))
        else:
            carried.append(CarriedOver(old_id, now, _title(new, now)))

    successors = {c.new_id for c in carried}
    added = tuple(
        AddedTopic(t.id, t.title, _stage_id(new, t.id))
        for t in new.topics
        if old.topic(t.id) is None and t.id not in successors
    )
    retitled, moved = [], []
    for topic in new.topics:
        before = old.topic(topic.id)
        if before is None:
            continue
        if before.title != topic.title:
            retitled.append(Retitled(topic.id, before.title, topic.title))
        old_stage, new_stage = _stage_id(old, topic.id), _stage_id(new, topic.id)
        if old_stage != new_stage:
            moved.append(Moved(topic.id, topic.title, old_stage, new_stage))

    return RoadmapChanges(
        id=new.id,
        title=new.title,
        retitled=Retitled(new.id, old.title, new.title) if old.title != new.title else None,
        stages_added=_items(s for s in new.stages if s.id not in old_stages),
        stages_removed=_items(s for s in old.stages if s.id not in new_stages),
        stages_retitled=tuple(
            Retitled(s.id, old_stages[s.id].title, s.title)
            for s in new.stages
            if s.id in old_stages and old_stages[s.id].title != s.title
        ),
        topics_added=added,
        topics_removed=tuple(removed),
        topics_retitled=tuple(retitled),
        topics_carried_over=tuple(carried),
        topics_moved=tuple(moved),
        carries_ended=tuple(carries_ended),
    )


def _replaced_ids(roadmaps: Iterable[Roadmap]) -> list[str]:
    """Every id named in a `replaces` of any of `roadmaps`, once, in order of appearance."""
    seen: dict[str, None] = {}
    for roadmap in roadmaps:
        for topic in roadmap.topics:
            seen.update(dict.fromkeys(topic.replaces))
    return list(seen)


def _items(stages: Iterable[Stage]) -> tuple[Item, ...]:
    return tuple(Item(s.id, s.title) for s in stages)


def _title(roadmap: Roadmap, topic_id: str) -> str:
    topic = roadmap.topic(topic_id)
    assert topic is not None  # only called with live ids
    return topic.title


def _stage_id(roadmap: Roadmap, topic_id: str) -> str:
    stage = roadmap.stage_of(topic_id)
    assert stage is not None  # only called with live ids
    return stage.id
