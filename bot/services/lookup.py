"""Turning what a member typed into a topic, stage or roadmap id, or a clear error with suggestions.

Autocomplete is only a hint: every command validates its value again through these.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.model import Roadmap, Stage, Topic

MAX_SUGGESTIONS = 3


def suggest(text: str, choices: Iterable[tuple[str, str]]) -> list[str]:
    """Ids whose id or title is close to `text`; `choices` holds (id, title) pairs."""
    wanted = text.strip().lower()
    pairs = list(choices)
    if not wanted:
        return []
    by_key: dict[str, str] = {}
    for choice_id, title in pairs:
        by_key.setdefault(choice_id.lower(), choice_id)
        by_key.setdefault(title.lower(), choice_id)
    found: list[str] = []
    # Substring matches first (what people expect from "flask" -> "flask-basics"), then fuzzy.
    for key, choice_id in by_key.items():
        if wanted in key and choice_id not in found:
            found.append(choice_id)
    for key in difflib.get_close_matches(wanted, list(by_key), n=MAX_SUGGESTIONS, cutoff=0.6):
        if by_key[key] not in found:
            found.append(by_key[key])
    return found[:MAX_SUGGESTIONS]


def find_topic(roadmap: Roadmap, text: str) -> Topic:
    """The live topic for `text` (see Roadmap.find_topic), else UnknownTopic with suggestions."""
    topic = roadmap.find_topic(text)
    if topic is None:
        raise UnknownTopic(text, suggest(text, ((t.id, t.title) for t in roadmap.topics)))
    return topic


def find_stage(roadmap: Roadmap, text: str) -> Stage:
    """The stage for `text` (see Roadmap.find_stage), else UnknownStage with suggestions."""
    stage = roadmap.find_stage(text)
    if stage is None:
        raise UnknownStage(text, suggest(text, ((s.id, s.title) for s in roadmap.stages)))
    return stage


def check_roadmap_id(roadmap_id: str, available: Iterable[tuple[str, str]]) -> str:
    """`roadmap_id` if it is one of `available` (id, title) pairs, else UnknownRoadmap."""
    pairs = list(available)
    cleaned = roadmap_id.strip()
    for candidate, title in pairs:
        if cleaned in (candidate, title) or cleaned.lower() == candidate:
            return candidate
    raise UnknownRoadmap(roadmap_id, suggest(roadmap_id, pairs))
