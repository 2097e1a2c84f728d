"""What `/roadmap-admin setup` shows before anything is saved: the first daily post a schedule
would make, reached through the DailyPlanner's own status and rules, so the preview is the post
that `configure` then starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.errors import StudyError
from bot.roadmap.model import Roadmap, Topic
from bot.services.daily import DailyPlanner
from bot.services.daily_rules import first_date, topic_of_the_day
from bot.services.timezones import parse_local_time, parse_zone


@dataclass(frozen=True, slots=True)
class FirstPost:
    """The post a new (or changed) schedule makes first."""

    local_date: date
    roadmap: Roadmap
    topic: Topic


def roadmap_to_walk(
    planner: DailyPlanner, roadmap_id: str | None, server_default: str | None
) -> Roadmap:
    """The roadmap chosen, else the server's default, else the catalog's (as the planner walks)."""
    catalog = planner.content.catalog
    if roadmap_id is not None:
        return catalog.require(roadmap_id)
    for candidate in (server_default, catalog.default_id):
        found = catalog.get(candidate) if candidate else None
        if found is not None:
            return found
    raise StudyError("There is no roadmap to post from: the content is empty.")


async def first_post(
    planner: DailyPlanner,
    guild_id: int,
    *,
    time_text: str,
    zone_name: str,
    roadmap_id: str | None,
    server_default: str | None,
) -> FirstPost:
    """The first post of the schedule `configure` would save with these settings: its local
    date, and its topic (the walk continues where it stopped when the roadmap stays the same,
    as configure keeps the cursor; a new roadmap starts at its first topic)."""
    at = parse_local_time(time_text)
    zone = parse_zone(zone_name)
    roadmap = roadmap_to_walk(planner, roadmap_id, server_default)
    status = await planner.status(guild_id, recent=0)
    schedule = status.schedule if status is not None else None
    same_walk = schedule is not None and schedule.cursor_roadmap_id == roadmap.id
    topic = topic_of_the_day(
        roadmap,
        last_topic_id=schedule.last_topic_id if schedule and same_walk else None,
        last_position=schedule.last_position if schedule and same_walk else None,
        jump_topic_id=schedule.jump_topic_id if schedule and same_walk else None,
    )
    if topic is None:
        raise StudyError(f"The roadmap {roadmap.title} has no topics to post.")
    return FirstPost(first_date(at, zone, planner.clock.now()), roadmap, topic)
