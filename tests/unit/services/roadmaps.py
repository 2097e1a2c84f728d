"""Small roadmaps built straight from the content dataclasses, for the daily-post tests."""

from __future__ import annotations

from bot.roadmap.model import Roadmap, Stage, Topic


def make_roadmap(
    stages: dict[str, list[str]],
    *,
    roadmap_id: str = "rm",
    replaces: dict[str, list[str]] | None = None,
) -> Roadmap:
    """A roadmap whose stages hold topics with the given ids (titles derived for readability)."""
    replaces = replaces or {}
    return Roadmap(
        id=roadmap_id,
        title=f"Roadmap {roadmap_id}",
        summary="A roadmap for tests.",
        stages=tuple(
            Stage(
                id=stage_id,
                title=f"Stage {stage_id}",
                summary="A stage.",
                topics=tuple(
                    Topic(
                        id=t,
                        title=f"Topic {t}",
                        summary=f"About {t}.",
                        replaces=tuple(replaces.get(t, ())),
                    )
                    for t in topic_ids
                ),
            )
            for stage_id, topic_ids in stages.items()
        ),
    )
