"""A server as the bot sees it, from this process's cache or, when another process's shards hold
it, over REST.

Discord sends every DM's events to shard 0, so slot 0's process answers the buttons of every
reminder DM, for servers on any slot; its cache holds only its own shards' servers. A server not
in the cache is fetched (`GET /guilds/{id}`: its name and roles, and the bot's own member when a
role is to be given), and only a 403 or 404 of that call means the bot is no longer there.

What was fetched is kept a minute, per bot, so a member pressing through a DM's buttons costs
one request, not one a press; a cached server is never fetched.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import TypeVar

import discord

#: How long a fetched server (or its absence) is trusted: a renamed server or a moved role shows
#: a minute late at worst, and Discord refuses a role the bot may no longer give anyway.
KEEP_FOR = 60.0
#: Past this many entries, expired ones are dropped on the next store.
PRUNE_PAST = 1000

_Value = TypeVar("_Value")


class _Kept(dict[int, tuple[float, _Value]]):
    """A small map of values that expire `KEEP_FOR` seconds after they were stored."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self._clock = clock

    def fresh(self, key: int) -> tuple[bool, _Value | None]:
        kept = self.get(key)
        if kept is None or kept[0] <= self._clock():
            return False, None
        return True, kept[1]

    def store(self, key: int, value: _Value) -> _Value:
        now = self._clock()
        if len(self) > PRUNE_PAST:
            for stale in [k for k, (until, _) in self.items() if until <= now]:
                del self[stale]
        self[key] = (now + KEEP_FOR, value)
        return value


class ServersElsewhere:
    """One bot's view of servers outside its cache (see the module docstring)."""

    def __init__(self, client: discord.Client, clock: Callable[[], float] = time.monotonic):
        self._client = client
        self._guilds: _Kept[discord.Guild | None] = _Kept(clock)
        self._own_members: _Kept[discord.Member | None] = _Kept(clock)

    async def guild(self, guild_id: int) -> discord.Guild | None:
        """The server from the cache, else fetched; None when the bot is no longer in it."""
        cached = self._client.get_guild(guild_id)
        if cached is not None:
            return cached
        known, fetched = self._guilds.fresh(guild_id)
        if known:
            return fetched
        try:
            found: discord.Guild | None = await self._client.fetch_guild(
                guild_id, with_counts=False
            )
        except (discord.Forbidden, discord.NotFound):  # 403 Missing Access, 404 Unknown Guild
            found = None
        return self._guilds.store(guild_id, found)

    async def own_member(self, guild: discord.Guild) -> discord.Member | None:
        """The bot's member in `guild` (its roles and permissions), fetched when not cached;
        None when Discord says it is not there."""
        if guild.me is not None:
            return guild.me
        known, fetched = self._own_members.fresh(guild.id)
        if known:
            return fetched
        assert self._client.user is not None  # logged in: it answers an interaction
        try:
            found: discord.Member | None = await guild.fetch_member(self._client.user.id)
        except (discord.Forbidden, discord.NotFound):
            found = None
        return self._own_members.store(guild.id, found)

    @staticmethod
    async def member(guild: discord.Guild, user_id: int) -> discord.Member | None:
        """A member of `guild` over REST (members are not cached: no members intent); None
        when not (or no longer) in it. Not kept: asked once per stage a member finishes."""
        try:
            return await guild.fetch_member(user_id)
        except (discord.Forbidden, discord.NotFound):
            return None


_OF_CLIENT: weakref.WeakKeyDictionary[discord.Client, ServersElsewhere] = (
    weakref.WeakKeyDictionary()
)


def servers_elsewhere(client: discord.Client) -> ServersElsewhere:
    """The one ServersElsewhere of this bot (made on first use)."""
    found = _OF_CLIENT.get(client)
    if found is None:
        found = _OF_CLIENT[client] = ServersElsewhere(client)
    return found
