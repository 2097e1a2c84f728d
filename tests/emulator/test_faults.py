"""Injected faults: 429s, 5xx, 403, deleted channels, unknown routes, gateway reconnects."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.http import Route

from tests.emulator.faults import Faults
from tests.emulator.sample_bot import SampleBot

POST_MESSAGE = "POST /channels/{channel_id}/messages"


async def test_a_429_is_retried_and_the_message_appears_once(emulator, sample, bot):
    emulator.faults.rate_limit(POST_MESSAGE, retry_after=0.05, channel_id=sample.general.id)
    answer = await emulator.slash(sample.guild, sample.alice, "study post")
    assert answer.content.startswith("posted ")
    assert [m.content for m in emulator.messages(sample.general)] == ["daily post"]
    assert [c.status for c in emulator.recorder.to(POST_MESSAGE)] == [429, 200]
    assert emulator.rate_limited_count == 1 and emulator.invalid_request_count == 1
    limited = emulator.recorder.to(POST_MESSAGE)[0]
    assert limited.response == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": False,
        "code": 0,
    }


async def test_a_global_429_is_retried_too(emulator, sample, bot):
    emulator.faults.rate_limit(POST_MESSAGE, retry_after=0.05, is_global=True)
    await bot.get_channel(sample.general.id).send("after a global limit")
    assert len(emulator.messages(sample.general)) == 1
    assert emulator.rate_limited_count == 1


async def test_the_global_rate_limit_counts_every_request_past_it(emulator, sample, bot):
    emulator.faults.global_rate_limit(20, window=0.1)  # 2 requests per 0.1 s
    channel = bot.get_channel(sample.general.id)
    await asyncio.gather(*(channel.send(f"burst {n}") for n in range(5)))
    assert sorted(m.content for m in emulator.messages(sample.general)) == sorted(
        f"burst {n}" for n in range(5)
    )
    assert emulator.rate_limited_count >= 1
    assert all(c.response["global"] for c in emulator.calls if c.status == 429)


async def test_a_5xx_is_retried_once(emulator, sample, bot):
    emulator.faults.server_error(POST_MESSAGE, status=502)
    await bot.get_channel(sample.general.id).send("after a 502")
    assert [c.status for c in emulator.recorder.to(POST_MESSAGE)] == [502, 200]
    assert len(emulator.messages(sample.general)) == 1


async def test_a_forbidden_channel_answers_50013(emulator, sample, bot):
    emulator.faults.forbid_channel(sample.general.id)
    answer = await emulator.slash(sample.guild, sample.alice, "study post")
    assert answer.content == "refused: 403 50013"
    assert emulator.invalid_request_count == 1


async def test_a_deleted_channel_answers_10003(emulator, sample, bot):
    channel_id = sample.general.id
    emulator.delete_channel(sample.general)
    with pytest.raises(discord.NotFound) as caught:
        await bot.http.send_message(
            channel_id, params=discord.http.handle_message_parameters(content="into the void")
        )
    assert caught.value.code == 10003
    await emulator.wait_for(
        lambda: bot.get_channel(channel_id) is None, what="CHANNEL_DELETE to reach the bot"
    )


async def test_any_discord_error_can_be_injected(emulator, sample, bot):
    emulator.faults.error(
        POST_MESSAGE, status=403, code=50007, message="Cannot send messages to this user", times=1
    )
    answer = await emulator.slash(sample.guild, sample.alice, "study dm")
    assert answer.content == "cannot DM you: 50007"
    assert emulator.dms(sample.alice) == []
    again = await emulator.slash(sample.guild, sample.alice, "study dm")  # times=1: used up
    assert again.content == "check your DMs"


async def test_unknown_routes_answer_404_and_are_recorded(emulator, sample, bot):
    emulator.allow_unknown_routes = True  # this test hits one on purpose
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/no/such/route"))
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(Route("DELETE", "/users/@me"))
    assert caught.value.status == 405
    assert [str(c) for c in emulator.unknown_routes] == [
        "GET /no/such/route -> 404 code 0",
        "DELETE /users/@me -> 405 code 0",
    ]


async def test_reconnect_resumes_and_commands_keep_working(emulator, sample, bot):
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    await emulator.gateway.reconnect()
    await asyncio.wait_for(resumed.wait(), 5)
    [session] = emulator.gateway.sessions.values()
    assert session.resumes == 1 and emulator.gateway.identifies == 1
    answer = await emulator.slash(sample.guild, sample.alice, "study topic", name="asyncio")
    assert answer.content == "topic asyncio x1"


async def test_events_missed_while_disconnected_are_replayed(emulator, sample, bot):
    await emulator.gateway.close(4000)
    # Queued behind the close frame, so it can only arrive through RESUME's replay.
    emulator.post_as(sample.alice, sample.general, f"<@{bot.user.id}> while you were away")
    await emulator.wait_for(lambda: bot.cached_messages, what="the replayed message")
    assert bot.cached_messages[-1].content.endswith("while you were away")
    [session] = emulator.gateway.sessions.values()
    assert session.resumes == 1 and emulator.gateway.identifies == 1


async def test_invalid_session_resumable_then_not(emulator, sample, bot):
    await emulator.gateway.invalidate_session(resumable=True)
    await emulator.wait_for(
        lambda: any(s.resumes for s in emulator.gateway.sessions.values()), what="a resume"
    )
    await emulator.gateway.invalidate_session(resumable=False)
    await emulator.wait_for(
        lambda: emulator.gateway.identifies == 2 and emulator.gateway.connected,
        what="a fresh IDENTIFY",
    )
    answer = await emulator.slash(sample.guild, sample.alice, "study topic", name="typing")
    assert answer.content == "topic typing x1"


async def test_a_fatal_close_code_stops_the_bot(emulator, sample, start_bot):
    bot = await start_bot(SampleBot())
    await emulator.gateway.close(4004)
    await emulator.wait_for(bot.is_closed, what="the bot to give up")


def test_the_global_limit_is_a_sliding_second_not_a_fixed_one() -> None:
    """50 requests at 0.9 s and 50 at 1.1 s: a window reset on whole seconds would let all 100
    through, 100 in 0.2 s; Discord's limit (the emulator's) answers 429 to the second 50 until
    the first 50 are a second old."""
    now = [0.9]
    faults = Faults(clock=lambda: now[0])
    faults.global_rate_limit(50)
    path = "/channels/1/messages"
    assert [faults.over_global_limit(path) for _ in range(50)] == [None] * 50
    now[0] = 1.1
    waits = [faults.over_global_limit(path) for _ in range(50)]
    assert all(wait is not None and wait == pytest.approx(0.8) for wait in waits), waits
    assert faults.over_global_limit("/interactions/1/token/callback") is None  # exempt
    now[0] = 1.95  # the first 50 over a second old: room again
    assert [faults.over_global_limit(path) for _ in range(50)] == [None] * 50
    assert faults.over_global_limit(path) is not None
