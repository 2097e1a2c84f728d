"""Content objects for render tests: sensible defaults, any field overridable."""

from __future__ import annotations

from typing import Any

from bot.render.payload import Message
from bot.roadmap.model import Example, Resource, Roadmap, Stage, Topic
from tests.emulator.checks import check_message

SAMPLE_CODE = 'def greet(name):\n    return f"Hello, {name}!"\n\nprint(greet("world"))'


def make_topic(topic_id: str = "functions", **overrides: Any) -> Topic:
    fields: dict[str, Any] = {
        "id": topic_id,
        "title": "Functions",
        "summary": "Functions package a piece of logic under a name.",
        "resources": (Resource("Defining functions", "https://docs.python.org/3/tutorial/"),),
    }
    fields.update(overrides)
    return Topic(**fields)


def make_stage(stage_id: str = "basics", topics: tuple[Topic, ...] = (), **overrides: Any) -> Stage:
    fields: dict[str, Any] = {
        "id": stage_id,
        "title": "Learn the basics",
        "summary": "The language itself, before any framework.",
        "topics": topics or (make_topic("syntax", title="Syntax"), make_topic()),
    }
    fields.update(overrides)
    return Stage(**fields)


def make_roadmap(*stages: Stage, **overrides: Any) -> Roadmap:
    fields: dict[str, Any] = {
        "id": "python-backend",
        "title": "Python backend developer",
        "summary": "From the language to production.",
        "stages": stages or (make_stage(),),
    }
    fields.update(overrides)
    return Roadmap(**fields)


def example(code: str = SAMPLE_CODE, title: str = "Greeting", language: str = "python") -> Example:
    return Example(title=title, code=code, language=language)


def discord_verdict(message: Message) -> tuple[int, dict] | None:
    """What the emulator (which answers as Discord does) says to this message: None = accepted."""
    body: dict[str, Any] = {"embeds": [embed.to_dict() for embed in message.embeds]}
    if message.content is not None:
        body["content"] = message.content
    return check_message(body, files=len(message.files))
