"""Write valid roadmap files for tests and benchmarks, as a content maintainer would.

    write_roadmap(folder, "backend", {"basics": ["syntax", "functions"], "web": ["http"]})

A topic is its id, or a dict with `id` and any of `title`, `replaces`, `code`. Titles default
to the id in words. Every topic gets one resource, so the files load without warnings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TopicSpec = str | Mapping[str, Any]


def words(identifier: str) -> str:
    return identifier.replace("-", " ").capitalize()


def _quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def roadmap_yaml(
    roadmap_id: str, stages: Mapping[str, Sequence[TopicSpec]], *, title: str | None = None
) -> str:
    """The text of one roadmap file."""
    lines = [
        "# yaml-language-server: $schema=schema.json",
        f"id: {roadmap_id}",
        f"title: {_quoted(title or words(roadmap_id))}",
        f"summary: {_quoted('A roadmap written by the tests.')}",
        "stages:",
    ]
    for stage_id, topics in stages.items():
        lines += [
            f"  - id: {stage_id}",
            f"    title: {_quoted(words(stage_id))}",
            f"    summary: {_quoted('What ' + words(stage_id).lower() + ' covers.')}",
            "    topics:",
        ]
        for spec in topics:
            topic = {"id": spec} if isinstance(spec, str) else dict(spec)
            topic_id = topic["id"]
            lines += [
                f"      - id: {topic_id}",
                f"        title: {_quoted(topic.get('title') or words(topic_id))}",
                f"        summary: {_quoted('All about ' + words(topic_id).lower() + '.')}",
            ]
            if topic.get("replaces"):
                lines.append(f"        replaces: [{', '.join(topic['replaces'])}]")
            if topic.get("code"):
                lines += ["        example:", "          title: An example", "          code: |"]
                lines += [f"            {line}" for line in topic["code"].splitlines()]
            lines += [
                "        resources:",
                f"          - title: {_quoted('Reading about ' + words(topic_id).lower())}",
                f"            url: https://example.com/{roadmap_id}/{topic_id}",
            ]
    return "\n".join(lines) + "\n"


def write_roadmap(
    folder: Path,
    roadmap_id: str,
    stages: Mapping[str, Sequence[TopicSpec]],
    *,
    title: str | None = None,
) -> Path:
    """Write `<folder>/<roadmap_id>.yaml` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{roadmap_id}.yaml"
    path.write_text(roadmap_yaml(roadmap_id, stages, title=title), encoding="utf-8")
    return path
