"""Frozen dataclasses for roadmap content, as moderators write it in `content/*.yaml`.

Ids are the identity of everything: progress is stored by topic id, so titles and positions
may change freely. A roadmap builds its lookup indexes once, when it is constructed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from bot.roadmap.search import SearchIndex


@dataclass(frozen=True, slots=True)
class Resource:
    title: str
    url: str
    kind: str | None = None  # docs | tutorial | video | article | book


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    code: str
    language: str = "python"
    requires: tuple[str, ...] = ()  # PyPI packages it needs to run
    output: str | None = None  # exactly what it prints, when given
    runs: bool = True  # False: it needs a server or the network (`why` says which)
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    right: bool
    why: str


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class SelfCheck:
    """A topic's self-check questions; `pass_count` right answers pass (default: all)."""

    questions: tuple[Question, ...]
    pass_count: int = 0

    def __post_init__(self) -> None:
        if not self.pass_count:
            object.__setattr__(self, "pass_count", len(self.questions))


@dataclass(frozen=True, slots=True, init=False)
class Topic:
    """One topic. `examples` is the single source of its own examples: a file's one `example:`
    is normalised into it, and `example` (the first) is kept for the code that shows one."""

    id: str
    title: str
    summary: str
    details: str | None
    examples: tuple[Example, ...]
    resources: tuple[Resource, ...]
    replaces: tuple[str, ...]
    practice: str | None
    check: SelfCheck | None
    minutes: int | None

    # A hand-written __init__ so that callers may still pass one `example=` (tests and tools
    # build topics that way); it becomes `examples`.
    def __init__(
        self,
        id: str,
        title: str,
        summary: str,
        details: str | None = None,
        example: Example | None = None,
        *,
        resources: tuple[Resource, ...] = (),
        replaces: tuple[str, ...] = (),
        examples: tuple[Example, ...] = (),
        practice: str | None = None,
        check: SelfCheck | None = None,
        minutes: int | None = None,
    ) -> None:
        if example is not None and examples:
            raise ValueError("give a topic `example` or `examples`, not both")
        set_ = object.__setattr__
        set_(self, "id", id)
        set_(self, "title", title)
        set_(self, "summary", summary)
        set_(self, "details", details)
        set_(self, "examples", (example,) if example is not None else tuple(examples))
        set_(self, "resources", tuple(resources))
        set_(self, "replaces", tuple(replaces))
        set_(self, "practice", practice)
        set_(self, "check", check)
        set_(self, "minutes", minutes)

    @property
    def example(self) -> Example | None:
        """The topic's first own example, or None."""
        return self.examples[0] if self.examples else None


@dataclass(frozen=True, slots=True)
class ChoiceGroup:
    """The member picks `pick` of these topics of one stage (say, one web framework of three)."""

    title: str
    pick: int
    topic_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A project at the end of a stage that uses the stage as a whole."""

    title: str
    task: str


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    title: str
    summary: str
    topics: tuple[Topic, ...]
    example: Example | None = None
    choices: tuple[ChoiceGroup, ...] = ()
    checkpoint: Checkpoint | None = None

    @property
    def minutes(self) -> int:
        """The estimates of its topics, summed (a topic without one counts 0)."""
        return sum(topic.minutes or 0 for topic in self.topics)


@dataclass(frozen=True)
class Roadmap:
    """One roadmap: ordered stages of ordered topics, with id lookups built once."""

    id: str
    title: str
    summary: str
    stages: tuple[Stage, ...]
    # Derived indexes, filled in __post_init__.
    topics: tuple[Topic, ...] = field(init=False, repr=False, compare=False)
    _topic_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _stage_of_topic: dict[str, Stage] = field(init=False, repr=False, compare=False)
    _stage_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _successor: dict[str, str] = field(init=False, repr=False, compare=False)
    _live_of: dict[str, str] = field(init=False, repr=False, compare=False)
    _topic_titles: dict[str, Topic] = field(init=False, repr=False, compare=False)
    _stage_titles: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        topics = tuple(t for s in self.stages for t in s.topics)
        set_ = object.__setattr__
        set_(self, "topics", topics)
        set_(self, "_topic_index", {t.id: i for i, t in enumerate(topics)})
        set_(self, "_stage_of_topic", {t.id: s for s in self.stages for t in s.topics})
        set_(self, "_stage_index", {s.id: i for i, s in enumerate(self.stages)})
        set_(self, "_successor", {old: t.id for t in topics for old in t.replaces})
        # `resolve` as one lookup: a live id is its own, before any topic that replaces it.
        set_(self, "_live_of", {**self._successor, **{t.id: t.id for t in topics}})
        # Exact, case-insensitive titles; the first in roadmap order wins (`check` warns).
        topic_titles: dict[str, Topic] = {}
        for topic in topics:
            topic_titles.setdefault(topic.title.casefold(), topic)
        stage_titles: dict[str, Stage] = {}
        for stage in self.stages:
            stage_titles.setdefault(stage.title.casefold(), stage)
        set_(self, "_topic_titles", topic_titles)
        set_(self, "_stage_titles", stage_titles)

    def topic(self, topic_id: str) -> Topic | None:
        """The live topic with this id, or None."""
        index = self._topic_index.get(topic_id)
        return None if index is None else self.topics[index]

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, or None."""
        index = self._stage_index.get(stage_id)
        return None if index is None else self.stages[index]

    def topic_position(self, topic_id: str) -> int | None:
        """0-based position of a live topic in roadmap order."""
        return self._topic_index.get(topic_id)

    def stage_position(self, stage_id: str) -> int | None:
        """0-based position of a stage."""
        return self._stage_index.get(stage_id)

    def stage_of(self, topic_id: str) -> Stage | None:
        """The stage that holds this live topic."""
        return self._stage_of_topic.get(topic_id)

    def resolve(self, topic_id: str) -> str | None:
        """The live topic id that progress on `topic_id` counts for (itself, or via `replaces`)."""
        return self._live_of.get(topic_id)

    @property
    def live_of(self) -> Mapping[str, str]:
        """Every id progress may be stored under -> the live topic id it counts for (`resolve`
        for a whole member's rows at once, on the mark's hot path)."""
        return self._live_of

    def find_topic(self, text: str) -> Topic | None:
        """What a member may type for a topic: its id, an id it replaces, or its exact title
        (any case). The one place this rule lives; callers add their own suggestions."""
        cleaned = text.strip()
        for candidate in (cleaned, cleaned.lower()):
            live_id = self.resolve(candidate)
            if live_id is not None:
                return self.topic(live_id)
        return self._topic_titles.get(cleaned.casefold())

    def find_stage(self, text: str) -> Stage | None:
        """What a member may type for a stage: its id, its exact title (any case) or its
        1-based number."""
        cleaned = text.strip()
        stage = self.stage(cleaned) or self.stage(cleaned.lower())
        if stage is not None:
            return stage
        if cleaned.isdigit() and 1 <= int(cleaned) <= len(self.stages):
            return self.stages[int(cleaned) - 1]
        return self._stage_titles.get(cleaned.casefold())

    @cached_property
    def topic_search(self) -> SearchIndex[Topic]:
        """Ranked search over the topics' ids and titles, for autocomplete and for the
        suggestions under an unknown topic (bot.roadmap.catalog); built on first use."""
        return SearchIndex((topic, topic.id, topic.title) for topic in self.topics)

    @cached_property
    def stage_search(self) -> SearchIndex[Stage]:
        """Ranked search over the stages' ids and titles; built on first use."""
        return SearchIndex((stage, stage.id, stage.title) for stage in self.stages)

    @property
    def minutes(self) -> int:
        """The estimates of every topic, summed over the stages."""
        return sum(stage.minutes for stage in self.stages)

    @property
    def replaces_map(self) -> dict[str, str]:
        """Old id -> live topic id that claims it."""
        return dict(self._successor)
