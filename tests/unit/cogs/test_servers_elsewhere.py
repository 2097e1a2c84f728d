"""ServersElsewhere: a server not in the cache is fetched once a minute at most, the bot's
member likewise, and only a 403 or 404 reads as "the bot is not there"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest

from bot.cogs.servers_elsewhere import KEEP_FOR, ServersElsewhere


def _error(kind: type[discord.HTTPException], status: int) -> discord.HTTPException:
    return kind(cast(Any, SimpleNamespace(status=status, reason="")), {"code": 0, "message": ""})


class FakeClient:
    """get_guild finds only `cached`; fetch_guild answers `answer` (a value or an error)."""

    def __init__(self, answer: object, cached: object = None) -> None:
        self.answer, self.cached, self.fetches = answer, cached, 0
        self.user = SimpleNamespace(id=1)

    def get_guild(self, guild_id: int) -> object:
        return self.cached

    async def fetch_guild(self, guild_id: int, *, with_counts: bool = True) -> object:
        self.fetches += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def servers(client: FakeClient, now: list[float]) -> ServersElsewhere:
    return ServersElsewhere(cast(discord.Client, client), clock=lambda: now[0])


async def test_a_fetched_server_is_kept_a_minute_and_a_cached_one_never_fetched() -> None:
    now = [0.0]
    client = FakeClient(answer="fetched")
    lookup = servers(client, now)
    assert [await lookup.guild(5), await lookup.guild(5)] == ["fetched", "fetched"]
    assert client.fetches == 1
    now[0] = KEEP_FOR + 0.1
    assert await lookup.guild(5) == "fetched" and client.fetches == 2
    client.cached = "cached"
    assert await lookup.guild(5) == "cached" and client.fetches == 2


@pytest.mark.parametrize(
    ("error", "gone"),
    [
        (_error(discord.NotFound, 404), True),
        (_error(discord.Forbidden, 403), True),
        (_error(discord.DiscordServerError, 503), False),
    ],
)
async def test_only_a_403_or_404_means_the_bot_left(
    error: discord.HTTPException, gone: bool
) -> None:
    lookup = servers(FakeClient(answer=error), [0.0])
    if gone:
        assert await lookup.guild(5) is None
    else:
        with pytest.raises(discord.DiscordServerError):  # an error the press reports, not "left"
            await lookup.guild(5)


async def test_the_bots_member_is_fetched_once_when_the_server_is_not_cached() -> None:
    fetched: list[int] = []

    class FetchedGuild:
        id, me = 5, None

        async def fetch_member(self, user_id: int) -> str:
            fetched.append(user_id)
            return "me"

    lookup = servers(FakeClient(answer=None), [0.0])
    guild = cast(discord.Guild, FetchedGuild())
    assert [await lookup.own_member(guild), await lookup.own_member(guild)] == ["me", "me"]
    assert fetched == [1]
    cached = cast(discord.Guild, SimpleNamespace(id=6, me="cached me"))
    assert await lookup.own_member(cached) == "cached me" and fetched == [1]
