"""The REST proxy of deploy/proxy (@discordjs/proxy, pinned by its package-lock.json) between
the bot and the emulator, which enforces Discord's global 50 requests/s (a sliding one-second
window, Discord's 429 body and headers).

- A burst of 200 channel messages through the proxy: all arrive, 0 global 429s from the emulator.
  The control, the same burst straight at the emulator, gets 429s: the test can fail.
- Interaction answers go past the proxy (DISCORD_INTERACTIONS_API_BASE): a slash command during
  the burst is answered while the burst is still queued in the proxy.
- A 429 the proxy itself answers (Retry-After, no Discord body, no `Via`) is retried.

Node.js and `npm ci --prefix deploy/proxy` are test needs (.ci/run installs the packages);
without them these tests fail saying so, they never skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web
from discord.gateway import DiscordWebSocket
from discord.http import Route, handle_message_parameters

from bot.cli.run import point_discord_at
from bot.rest_proxy import RouteBase, retry_proxy_rate_limits
from bot.schedule.pacer import RestGate, rest_trace
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

PROXY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "proxy"
BURST = 200
DISCORD_GLOBAL_LIMIT = 50


class Proxy:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "Node.js is a test need (the REST proxy of deploy/proxy runs on it): install it "
            "(Debian: apt-get install nodejs npm), then `npm ci --prefix deploy/proxy`.",
            pytrace=False,
        )
    if not (PROXY_DIR / "node_modules" / "@discordjs" / "proxy").is_dir():
        pytest.fail(
            "the proxy's packages are not installed: run `npm ci --prefix deploy/proxy` "
            "(.ci/run does).",
            pytrace=False,
        )
    return node


@contextlib.contextmanager
def running_proxy(
    emulator: Emulator, per_second: int | None = None, discord_limit: int | None = None
) -> Iterator[Proxy]:
    """deploy/proxy/server.mjs on a free port in front of the emulator (at `per_second`
    requests a second, else its default 45, under `discord_limit`, else Discord's 50); it
    stops when its stdin closes, so it never outlives the test even if pytest dies."""
    rate = {} if per_second is None else {"GLOBAL_REQUESTS_PER_SECOND": str(per_second)}
    if discord_limit is not None:
        rate["DISCORD_GLOBAL_LIMIT"] = str(discord_limit)
    process = subprocess.Popen(
        [_node(), str(PROXY_DIR / "server.mjs")],
        cwd=PROXY_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PORT": "0",
            "DISCORD_API": emulator.base_url + "/api",
            "EXIT_WITH_STDIN": "1",
            **rate,
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline().split()
        if len(line) < 2 or line[0] != "listening":
            process.wait(timeout=10)
            pytest.fail(f"the proxy did not start: {process.stderr.read()}", pytrace=False)
        yield Proxy(process, int(line[1]))
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def discord_through(api_base: str, gateway_url: str, interactions: str | None) -> Iterator[None]:
    """The bot's own point_discord_at (as `python -m bot` calls it), undone afterwards."""
    old_base = Route.__dict__["BASE"]
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(api_base, gateway_url, interactions)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


#: Channels of the fan-out: the proxy queues each channel's messages one after another (a
#: route bucket), so a fan-out over many channels is what meets the global limit.
CHANNELS = 10


def _fan_out_channels(world: StandardWorld) -> list[int]:
    made = [world.guild.add_text_channel(f"study-{i}").id for i in range(CHANNELS - 2)]
    return [world.general.id, world.announcements.id, *made]


@contextlib.asynccontextmanager
async def second_process(emulator: Emulator) -> AsyncIterator[discord.http.HTTPClient]:
    """The REST client of another bot process on the same token: discord.py's HTTPClient with
    the bot's own RestGate (49 requests/s), as every StudyBot has. Each process alone stays
    under Discord's 50/s; two together do not, which is what the proxy is for."""
    http = discord.http.HTTPClient(asyncio.get_running_loop(), http_trace=rest_trace(RestGate()))
    await http.static_login(emulator.world.token)
    try:
        yield http
    finally:
        await http.close()


async def _burst(bot: discord.Client, other: discord.http.HTTPClient, channels: list[int]) -> float:
    """200 messages at once, half from the bot and half from the second process, spread over
    the channels as a daily fan-out is; the seconds it took."""

    def send(i: int) -> Awaitable[Any]:
        channel = channels[i % len(channels)]
        if i % 2:
            return bot.get_partial_messageable(channel).send(f"fan-out {i}")
        with handle_message_parameters(content=f"fan-out {i}") as params:
            return other.send_message(channel, params=params)

    started = time.monotonic()
    results = await asyncio.gather(*(send(i) for i in range(BURST)), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    for failure in failed:
        if not isinstance(failure, discord.HTTPException):
            raise failure
    return time.monotonic() - started, len(failed)


def _burst_arrived(emulator: Emulator, channels: list[int]) -> int:
    return sum(
        1
        for channel in channels
        for message in emulator.messages(channel)
        if message.content.startswith("fan-out ")
    )


async def test_a_burst_through_the_proxy_meets_no_global_limit_and_one_without_does(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    channels = _fan_out_channels(sample)
    bot = await launch()
    emulator.faults.global_rate_limit(DISCORD_GLOBAL_LIMIT)
    with running_proxy(emulator) as proxy:
        with discord_through(proxy.api_base, emulator.gateway_url, emulator.api_base):
            async with second_process(emulator) as other:
                through_proxy, failed = await _burst(bot, other, channels)
        assert failed == 0
        assert _burst_arrived(emulator, channels) == BURST
        assert emulator.rate_limited_count == 0
        # The proxy paces both processes at 45/s together: about (200 - 45) / 45 s.
        ideal = (BURST - 45) / 45
        print(f"200 messages through the proxy: {through_proxy:.2f} s (ideal {ideal:.2f} s)")
        assert through_proxy >= ideal * 0.9

    # Control: the same two processes straight at the emulator, each under 50/s by itself,
    # meet Discord's global limit together (discord.py gives up on a send after five 429s).
    async with second_process(emulator) as other:
        straight, failed = await _burst(bot, other, channels)
    print(
        f"200 messages straight: {straight:.2f} s, {emulator.rate_limited_count} global 429s, "
        f"{failed} sends given up"
    )
    assert emulator.rate_limited_count > 0


async def test_interaction_answers_do_not_queue_behind_a_fan_out(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    channels = _fan_out_channels(sample)
    bot = await launch()
    emulator.faults.global_rate_limit(DISCORD_GLOBAL_LIMIT)
    with (
        running_proxy(emulator) as proxy,
        discord_through(proxy.api_base, emulator.gateway_url, emulator.api_base),
    ):
        async with second_process(emulator) as other:
            fan_out = asyncio.create_task(_burst(bot, other, channels))
            await asyncio.sleep(0.5)  # the proxy now holds seconds of queued posts
            asked = time.monotonic()
            result = await emulator.slash(sample.guild, sample.alice, "roadmap next", within=10)
            answered = time.monotonic() - asked
            still_queued = not fan_out.done()
            took, failed = await fan_out
    print(f"/roadmap next answered in {answered:.2f} s during a {took:.2f} s fan-out")
    assert result.content or result.embeds
    assert still_queued, "the fan-out ended before the answer: nothing was shown"
    assert answered < 2.0  # queued behind the fan-out it would wait seconds
    assert failed == 0 and emulator.rate_limited_count == 0


async def test_a_request_other_than_a_message_send_goes_ahead_of_a_fan_out(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    """The proxy's two lanes: a request that is no message send (here /gateway/bot, as a
    spare taking a slot over asks it while the other slots fan out) waits for the next slot,
    not behind the seconds of posts queued before it."""
    channels = _fan_out_channels(sample)
    bot = await launch()
    emulator.faults.global_rate_limit(DISCORD_GLOBAL_LIMIT)
    with (
        running_proxy(emulator) as proxy,
        discord_through(proxy.api_base, emulator.gateway_url, emulator.api_base),
    ):
        async with second_process(emulator) as other, second_process(emulator) as spare:
            fan_out = asyncio.create_task(_burst(bot, other, channels))
            await asyncio.sleep(0.5)  # the proxy now holds seconds of queued posts
            asked = time.monotonic()
            await spare.get_bot_gateway()
            answered = time.monotonic() - asked
            still_queued = not fan_out.done()
            took, failed = await fan_out
    print(f"/gateway/bot answered in {answered:.2f} s during a {took:.2f} s fan-out")
    assert still_queued, "the fan-out ended before the answer: nothing was shown"
    # First in line it waits for one slot (0.03 s measured); in one line with the posts (the
    # proxy before its lanes) it waited 0.65 s and more, behind the ones already let through.
    assert answered < 0.4
    assert failed == 0 and emulator.rate_limited_count == 0


def test_interaction_routes_take_the_direct_base() -> None:
    base = RouteBase("http://proxy/api/v10", "https://discord.com/api/v10")
    old = Route.__dict__["BASE"]
    try:
        Route.BASE = base  # type: ignore[assignment]
        assert Route("POST", "/channels/{channel_id}/messages", channel_id=1).url == (
            "http://proxy/api/v10/channels/1/messages"
        )
        callback = Route(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=2,
            webhook_token="t",
        )
        assert callback.url == "https://discord.com/api/v10/interactions/2/t/callback"
        followup = Route(
            "POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=3, webhook_token="t"
        )
        assert followup.url.startswith("https://discord.com/api/v10/webhooks/3/")
        assert Route.BASE == "http://proxy/api/v10"
    finally:
        Route.BASE = old


@pytest.fixture
async def proxy_answering_429() -> AsyncIterator[tuple[str, list[float]]]:
    """A stand-in proxy: its first two answers are the proxy's own 429 (Retry-After, no body,
    no Via), then Discord's answer."""
    seen: list[float] = []

    async def messages(request: web.Request) -> web.Response:
        seen.append(time.monotonic())
        if len(seen) <= 2:
            return web.Response(status=429, headers={"Retry-After": "0.2"})
        answer = {"id": "1", "channel_id": request.match_info["channel"]}
        return web.Response(body=json.dumps(answer), headers={"Content-Type": "application/json"})

    async def me(request: web.Request) -> web.Response:
        return web.json_response(
            {"id": "1", "username": "bot", "discriminator": "0", "avatar": None, "bot": True}
        )

    app = web.Application()
    app.router.add_post("/api/v10/channels/{channel}/messages", messages)
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/api/v10", seen
    finally:
        await runner.cleanup()


async def test_a_429_of_the_proxy_itself_is_waited_out_and_retried(
    proxy_answering_429: tuple[str, list[float]],
) -> None:
    base, seen = proxy_answering_429
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    old = Route.__dict__["BASE"]
    Route.BASE = base
    try:
        await http.static_login("x.y.z")
        with pytest.raises(discord.HTTPException) as plain:
            await http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=5))
        assert plain.value.status == 429  # discord.py alone gives up at once
        retry_proxy_rate_limits(http)
        answer = await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=5), json={"content": "x"}
        )
        assert answer["channel_id"] == "5"
        assert len(seen) == 3
        assert seen[2] - seen[1] >= 0.18  # Retry-After was honoured
    finally:
        Route.BASE = old
        await http.close()
