"""The Catalog: every loaded roadmap, and the one lookup with suggestions for what a member or a
maintainer types (a topic, a stage, a roadmap).

`require_topic`, `require_stage` and `require_roadmap_id` accept what Roadmap.find_topic /
find_stage (or a roadmap's id or title) accept, and otherwise raise the Unknown... error with up
to three suggestions ranked by bot.roadmap.search, the same ranking autocomplete shows. Discord
(through the services and cogs) and the command line (`python -m bot preview`) both come here,
so a typo gets the same suggestions everywhere.

A topic that is not where the member looked but is elsewhere (another stage of the roadmap for
`example stage:X topic:Y`, another served roadmap) is found here too (`TopicPlace`); each caller
words the answer for its surface (Discord's commands, the command line's) through `Elsewhere`.

Immutable once built (a reload builds a new one), so its search indexes are built here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.roadmap.search import SearchIndex

Item = TypeVar("Item")

DEFAULT_ROADMAP_ID = "python-backend"
SUGGESTIONS = 3


def _suggestions(index: SearchIndex[Item], value: str, id_of: Callable[[Item], str]) -> list[str]:
    text = value.strip()
    # Nothing typed suggests nothing (search would offer the first items, which is no advice).
    return [id_of(item) for item in index.search(text, SUGGESTIONS)] if text else []


def require_topic(roadmap: Roadmap, value: str) -> Topic:
    """The live topic for `value` (see Roadmap.find_topic), else UnknownTopic with suggestions."""
    topic = roadmap.find_topic(value)
    if topic is None:
        raise UnknownTopic(value, _suggestions(roadmap.topic_search, value, _topic_id))
    return topic


@dataclass(frozen=True)
class TopicPlace:
    """Where a topic is: its roadmap, its stage and the stage's 1-based number."""

    roadmap: Roadmap
    stage: Stage
    topic: Topic

    @property
    def stage_number(self) -> int:
        return (self.roadmap.stage_position(self.stage.id) or 0) + 1


#: Words the answer for a topic found elsewhere (the message of its UnknownTopic).
Elsewhere = Callable[[str, TopicPlace], str]


def place_of(roadmap: Roadmap, value: str) -> TopicPlace | None:
    """Where in `roadmap` the topic `value` names is (Roadmap.find_topic), or None."""
    topic = roadmap.find_topic(value)
    stage = roadmap.stage_of(topic.id) if topic is not None else None
    return None if topic is None or stage is None else TopicPlace(roadmap, stage, topic)


def require_stage_topic(roadmap: Roadmap, stage: Stage, value: str, elsewhere: Elsewhere) -> Topic:
    """A topic of `stage` for `value`: UnknownTopic with suggestions when the roadmap has no such
    topic, and UnknownTopic worded by `elsewhere` when it is in another stage (never that
    stage's topic shown under this stage's label)."""
    place = place_of(roadmap, value)
    if place is None:
        raise UnknownTopic(value, _suggestions(roadmap.topic_search, value, _topic_id))
    if place.stage.id != stage.id:
        raise UnknownTopic(value, hint=elsewhere(value, place))
    return place.topic


def require_stage(roadmap: Roadmap, value: str) -> Stage:
    """The stage for `value` (id, exact title in any case, or 1-based number; see
    Roadmap.find_stage), else UnknownStage with suggestions."""
    stage = roadmap.find_stage(value)
    if stage is None:
        raise UnknownStage(value, _suggestions(roadmap.stage_search, value, _stage_id))
    return stage


def require_roadmap_id(value: str, available: Iterable[tuple[str, str]]) -> str:
    """The id of the roadmap `value` names among `available` (id, title) pairs: its id (any
    case) or its exact title (any case); else UnknownRoadmap with suggestions."""
    pairs = list(available)
    found = _match_roadmap(value, pairs)
    if found is not None:
        return found
    index = SearchIndex((roadmap_id, roadmap_id, title) for roadmap_id, title in pairs)
    raise UnknownRoadmap(value, _suggestions(index, value, str))


def _match_roadmap(value: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    cleaned = value.strip()
    by_title: str | None = None
    for roadmap_id, title in pairs:
        if cleaned == roadmap_id or cleaned.lower() == roadmap_id:
            return roadmap_id
        if by_title is None and title.casefold() == cleaned.casefold():
            by_title = roadmap_id
    return by_title


def _topic_id(topic: Topic) -> str:
    return topic.id


def _stage_id(stage: Stage) -> str:
    return stage.id


class Catalog:
    """All roadmaps in file order; `default_id` is `python-backend` when present, else the first."""

    def __init__(self, roadmaps: Iterable[Roadmap]) -> None:
        self.roadmaps: tuple[Roadmap, ...] = tuple(roadmaps)
        if not self.roadmaps:
            raise ValueError("a catalog needs at least one roadmap")
        self._by_id = {roadmap.id: roadmap for roadmap in self.roadmaps}
        if len(self._by_id) != len(self.roadmaps):
            raise ValueError("roadmap ids must be unique")
        self.default_id = (
            DEFAULT_ROADMAP_ID if DEFAULT_ROADMAP_ID in self._by_id else self.roadmaps[0].id
        )
        self._roadmap_index = SearchIndex((r, r.id, r.title) for r in self.roadmaps)
        for roadmap in self.roadmaps:
            # Built now (a reload builds a catalog in a worker thread), not on the event loop
            # at the first autocomplete.
            roadmap.topic_search, roadmap.stage_search  # noqa: B018

    def __iter__(self) -> Iterator[Roadmap]:
        return iter(self.roadmaps)

    def __len__(self) -> int:
        return len(self.roadmaps)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def default(self) -> Roadmap:
        return self._by_id[self.default_id]

    def get(self, roadmap_id: str) -> Roadmap | None:
        return self._by_id.get(roadmap_id)

    def require(self, roadmap_id: str) -> Roadmap:
        """The roadmap with this id or exact title (any case); UnknownRoadmap with suggestions."""
        value = roadmap_id.strip()
        roadmap = self._by_id.get(value) or self._by_id.get(value.lower())
        if roadmap is None:
            found = _match_roadmap(value, ((r.id, r.title) for r in self.roadmaps))
            roadmap = self._by_id.get(found) if found is not None else None
        if roadmap is None:
            raise UnknownRoadmap(roadmap_id, _suggestions(self._roadmap_index, value, _roadmap_id))
        return roadmap

    def require_topic(self, roadmap: Roadmap | str, value: str) -> Topic:
        """A topic of this catalog's roadmap (by id, even for a Roadmap): see `require_topic`."""
        return require_topic(self._roadmap(roadmap), value)

    def require_stage(self, roadmap: Roadmap | str, value: str) -> Stage:
        """A stage of this catalog's roadmap (by id, even for a Roadmap): see `require_stage`."""
        return require_stage(self._roadmap(roadmap), value)

    def place_elsewhere(self, roadmap: Roadmap | str, value: str) -> TopicPlace | None:
        """Where the topic `value` is in another served roadmap (the first in file order),
        when `roadmap` itself has no such topic; else None."""
        own = self.get(roadmap.id if isinstance(roadmap, Roadmap) else roadmap)
        if own is not None and own.find_topic(value) is not None:
            return None
        for other in self.roadmaps:
            if other is not own:
                place = place_of(other, value)
                if place is not None:
                    return place
        return None

    @contextmanager
    def topics_elsewhere(self, roadmap: Roadmap | str, elsewhere: Elsewhere) -> Iterator[None]:
        """Around a lookup of what a member typed in `roadmap`: a bare UnknownTopic raised inside
        becomes one worded by `elsewhere` when another served roadmap has that topic."""
        try:
            yield
        except UnknownTopic as error:
            place = None if error.hint else self.place_elsewhere(roadmap, error.value)
            if place is None:
                raise
            raise UnknownTopic(error.value, hint=elsewhere(error.value, place)) from error

    def search_roadmaps(self, query: str, limit: int = 25) -> list[Roadmap]:
        return self._roadmap_index.search(query, limit)

    def search_topics(self, roadmap_id: str, query: str, limit: int = 25) -> list[Topic]:
        """Autocomplete over one roadmap's topics; [] for an unknown roadmap."""
        roadmap = self._by_id.get(roadmap_id)
        return [] if roadmap is None else roadmap.topic_search.search(query, limit)

    def search_stages(self, roadmap_id: str, query: str, limit: int = 25) -> list[Stage]:
        """Autocomplete over one roadmap's stages; [] for an unknown roadmap. Digits find stages
        by number too (find_stage accepts it): those whose number starts with them come first."""
        roadmap = self._by_id.get(roadmap_id)
        if roadmap is None:
            return []
        digits = query.strip()
        if not digits.isdigit():
            return roadmap.stage_search.search(query, limit)
        numbered = [s for n, s in enumerate(roadmap.stages, 1) if str(n).startswith(digits)]
        by_text = roadmap.stage_search.search(query, limit)
        return (numbered + [stage for stage in by_text if stage not in numbered])[:limit]

    def _roadmap(self, roadmap: Roadmap | str) -> Roadmap:
        # By id even for a Roadmap: an object from an older catalog resolves against this one.
        return self.require(roadmap.id if isinstance(roadmap, Roadmap) else roadmap)


def _roadmap_id(roadmap: Roadmap) -> str:
    return roadmap.id
