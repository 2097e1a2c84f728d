"""The Catalog: every loaded roadmap, lookups that accept what a member may type, and search.

Immutable once built (a reload builds a new one), so its search indexes are built here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.roadmap.search import SearchIndex

DEFAULT_ROADMAP_ID = "python-backend"
SUGGESTIONS = 3


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
        self._topic_index = {
            r.id: SearchIndex((t, t.id, t.title) for t in r.topics) for r in self.roadmaps
        }
        self._stage_index = {
            r.id: SearchIndex((s, s.id, s.title) for s in r.stages) for r in self.roadmaps
        }

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
        """The roadmap with this id (or exact title); raises UnknownRoadmap with suggestions."""
        value = roadmap_id.strip()
        roadmap = self._by_id.get(value) or self._by_id.get(value.lower())
        if roadmap is not None:
            return roadmap
        for candidate in self.roadmaps:
            if candidate.title.casefold() == value.casefold():
                return candidate
        suggestions = [r.id for r in self._roadmap_index.search(value, SUGGESTIONS)]
        raise UnknownRoadmap(roadmap_id, suggestions)

    def require_topic(self, roadmap: Roadmap | str, value: str) -> Topic:
        """A topic by id, by an id it `replaces`, or by exact title (any case)."""
        roadmap = self._roadmap(roadmap)
        topic = roadmap.find_topic(value)
        if topic is not None:
            return topic
        text = value.strip()
        suggestions = [t.id for t in self._topic_index[roadmap.id].search(text, SUGGESTIONS)]
        raise UnknownTopic(value, suggestions)

    def require_stage(self, roadmap: Roadmap | str, value: str) -> Stage:
        """A stage by id, exact title (any case) or 1-based number."""
        roadmap = self._roadmap(roadmap)
        stage = roadmap.find_stage(value)
        if stage is not None:
            return stage
        text = value.strip()
        suggestions = [s.id for s in self._stage_index[roadmap.id].search(text, SUGGESTIONS)]
        raise UnknownStage(value, suggestions)

    def search_roadmaps(self, query: str, limit: int = 25) -> list[Roadmap]:
        return self._roadmap_index.search(query, limit)

    def search_topics(self, roadmap_id: str, query: str, limit: int = 25) -> list[Topic]:
        """Autocomplete over one roadmap's topics; [] for an unknown roadmap."""
        index = self._topic_index.get(roadmap_id)
        return [] if index is None else index.search(query, limit)

    def search_stages(self, roadmap_id: str, query: str, limit: int = 25) -> list[Stage]:
        """Autocomplete over one roadmap's stages; [] for an unknown roadmap."""
        index = self._stage_index.get(roadmap_id)
        return [] if index is None else index.search(query, limit)

    def _roadmap(self, roadmap: Roadmap | str) -> Roadmap:
        # By id even for a Roadmap: an object from an older catalog resolves against this one.
        return self.require(roadmap.id if isinstance(roadmap, Roadmap) else roadmap)
