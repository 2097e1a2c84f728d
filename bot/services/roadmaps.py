"""Which roadmap a member or a server works on, and a member's next topic in it.

The content is shared by every server and may be replaced at any moment (a reload), so every
answer is looked up in the catalog served right now.
"""

from __future__ import annotations

import asyncio

from bot.roadmap.model import Roadmap
from bot.services.content import ContentHolder
from bot.services.members import MemberService
from bot.services.progress import NextTopic, StudyService
from bot.services.servers import ServerService


class RoadmapHints:
    """The roadmap each member used last, as a guess only: `MemberRoadmaps.next_topic` reads
    the member's progress in the guessed roadmap while it looks up the real one, and checks the
    guess before using it, so a stale or missing hint costs time, never correctness."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._last: dict[tuple[int, int], str] = {}

    def guess(self, guild_id: int, user_id: int, default: str) -> str:
        return self._last.get((guild_id, user_id), default)

    def remember(self, guild_id: int, user_id: int, roadmap_id: str) -> None:
        if len(self._last) >= self._capacity:
            self._last.clear()  # crude but bounded; the next guesses fall back to the default
        self._last[(guild_id, user_id)] = roadmap_id


class MemberRoadmaps:
    """The roadmap of a member (the one they follow, else the server's, else the catalog's)
    and of a moderator command, and the member's next topic in theirs."""

    def __init__(
        self,
        content: ContentHolder,
        members: MemberService,
        servers: ServerService,
        study: StudyService,
        hints: RoadmapHints | None = None,
    ) -> None:
        self._content = content
        self._members = members
        self._servers = servers
        self._study = study
        self.hints = hints or RoadmapHints()

    async def member_roadmap(self, guild_id: int, user_id: int) -> Roadmap:
        """The roadmap this member studies in this server."""
        catalog = self._content.catalog
        if len(catalog) == 1:
            return catalog.default  # whatever they chose, it is the only roadmap there is
        roadmap_id = await self._members.roadmap_for(
            guild_id, user_id, available=catalog.ids, catalog_default=catalog.default_id
        )
        roadmap = catalog.get(roadmap_id) or catalog.default
        self.hints.remember(guild_id, user_id, roadmap.id)
        return roadmap

    async def server_roadmap(self, guild_id: int, requested: str | None = None) -> Roadmap:
        """The roadmap a moderator command is about: `requested` (UnknownRoadmap when the
        content has no such roadmap), else the server's default, else the catalog's."""
        catalog = self._content.catalog
        if requested:
            return catalog.require(requested)
        chosen = (await self._servers.settings(guild_id)).default_roadmap
        return (catalog.get(chosen) if chosen else None) or catalog.default

    async def next_topic(self, guild_id: int, user_id: int) -> NextTopic:
        """The member's next topic in the roadmap they study, marked "in progress" once shown.

        The two reads it needs (which roadmap, and the progress in it) overlap: the progress is
        read for the guessed roadmap at the same time, and read again only when the guess was
        wrong.
        """
        catalog = self._content.catalog
        guess = catalog.get(self.hints.guess(guild_id, user_id, catalog.default_id))
        study = self._study
        if guess is None or len(catalog) == 1:
            roadmap = await self.member_roadmap(guild_id, user_id)
            return await study.next_topic(guild_id, user_id, roadmap, mark_open=True)
        roadmap, upcoming = await asyncio.gather(
            self.member_roadmap(guild_id, user_id), study.next_topic(guild_id, user_id, guess)
        )
        if roadmap.id != guess.id or (upcoming.topic is not None and upcoming.status is None):
            upcoming = await study.next_topic(guild_id, user_id, roadmap, mark_open=True)
        return upcoming
