"""The Emulator: one aiohttp server on 127.0.0.1 with Discord's REST API, gateway and a control API.

    emu = Emulator(world)           # or Emulator() for standard_world()
    await emu.start()               # a free port; emu.api_base / emu.gateway_url for the bot
    result = await emu.slash(guild, member, "roadmap next")
    await emu.stop()

It records every REST call (`emu.calls`), message (`emu.messages(channel)`, `emu.dms(user)`) and
role change, checks bodies against Discord's OpenAPI description, and injects faults
(`emu.faults`, `emu.gateway`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.emulator.commands import CommandRegistry
from tests.emulator.driver import Driver
from tests.emulator.faults import Faults
from tests.emulator.gateway import IDENTIFY_INTERVAL, Gateway
from tests.emulator.messages import MessageStore, StoredMessage
from tests.emulator.openapi import OpenAPIChecker
from tests.emulator.records import Recorder, RestCall, RoleChange
from tests.emulator.rest import API_PREFIX, RestRouter
from tests.emulator.routes_core import add_core_routes
from tests.emulator.routes_interactions import add_interaction_routes
from tests.emulator.routes_messages import add_message_routes, serve_attachment
from tests.emulator.world import Channel, Member, User, World, standard_world
from tests.emulator.world_events import WorldEvents

#: How soon after a REST call wait_for() re-checks (calls within it share one wake-up).
NOTIFY_SECONDS = 0.003
#: How often wait_for() re-checks without any call (state the REST side does not see).
POLL_SECONDS = 0.02


class Emulator(Driver, WorldEvents):
    def __init__(
        self,
        world: World | None = None,
        *,
        interaction_deadline: float = 3.0,
        nonce_window: float = 180.0,
        interaction_token_ttl: float = 900.0,
        answer_timeout: float = 5.0,
        check_openapi: bool = True,
        heartbeat_interval_ms: int = 41250,
        max_concurrency: int = 1,
        identify_interval: float = IDENTIFY_INTERVAL,
    ) -> None:
        self.world = world if world is not None else standard_world().world
        self.interaction_deadline = interaction_deadline  # first answer later than this: 10062
        self.interaction_token_ttl = interaction_token_ttl  # followups after this: 10015
        self.answer_timeout = answer_timeout  # how long the driver waits for the bot's answer
        self.recorder = Recorder()
        self.faults = Faults()
        self.store = MessageStore(nonce_window)
        self.commands = CommandRegistry(self.world)
        self.gateway = Gateway(
            self,
            heartbeat_interval_ms=heartbeat_interval_ms,
            max_concurrency=max_concurrency,
            identify_interval=identify_interval,
        )
        self.openapi = OpenAPIChecker.shared() if check_openapi else None
        self.schema_problems: list[str] = []
        self.role_changes: list[RoleChange] = []
        self.allow_unknown_routes = False  # the pytest fixture fails the test on any unknown route
        self.stopping = False
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        # Every wait_for() awaits one shared future, resolved a few milliseconds after a REST
        # call (or at the latest POLL_SECONDS after it was made): a crowd of 2,000 waiting
        # members costs one wake-up per tick, not a task and a timer each every 20 ms.
        self._tick: asyncio.Future[None] | None = None
        self._wake_handle: asyncio.TimerHandle | None = None
        Driver.__init__(self)
        self.router = RestRouter(self)
        add_core_routes(self.router)
        add_message_routes(self.router)
        add_interaction_routes(self.router)

    # -- lifecycle ------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        app.router.add_route(
            "GET", "/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment
        )
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.router.handle)
        return app

    async def _attachment(self, request: web.Request) -> web.Response:
        return await serve_attachment(self, request)

    async def start(
        self, port: int = 0, *, extra: Callable[[web.Application], None] | None = None
    ) -> Emulator:
        """Listen on 127.0.0.1 (`port` 0: a free one). `extra` may add routes (control API)."""
        app = self.make_app()
        if extra is not None:
            extra(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self.stopping = True
        await self.gateway.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """For DISCORD_API_BASE / discord.http.Route.BASE."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """For DISCORD_GATEWAY_URL / DiscordWebSocket.DEFAULT_GATEWAY (no query string)."""
        return f"ws://{self.host}:{self.port}/gateway"

    # -- waiting --------------------------------------------------------------------------------
    def notify(self) -> None:
        """Wake everything waiting in wait_for() shortly: something was recorded."""
        self._wake_within(NOTIFY_SECONDS)

    def _wake_within(self, seconds: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # nobody can be waiting outside the loop
        handle = self._wake_handle
        if handle is not None:
            if handle.when() <= loop.time() + seconds:
                return  # a wake-up soon enough is already due
            handle.cancel()
        self._wake_handle = loop.call_later(seconds, self._wake)

    def _wake(self) -> None:
        self._wake_handle = None
        tick, self._tick = self._tick, None
        if tick is not None and not tick.done():
            tick.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        *,
        within: float | None = None,
        what: str = "the condition",
    ) -> Any:
        """Wait until predicate() is truthy (checked after every REST call); AssertionError with
        the last REST calls when `within` seconds (default answer_timeout) pass first."""
        limit = self.answer_timeout if within is None else within
        deadline = time.monotonic() + limit
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {limit} s waiting for {what}; last REST calls:\n"
                    + self.recorder.summary()
                )
            if self._tick is None:
                self._tick = asyncio.get_running_loop().create_future()
            # What is not a REST call (the bot's own state, time) is seen by polling.
            self._wake_within(POLL_SECONDS)
            await self._tick

    # -- inspection -----------------------------------------------------------------------------
    @property
    def calls(self) -> list[RestCall]:
        return self.recorder.calls

    @property
    def unknown_routes(self) -> list[RestCall]:
        return self.recorder.unknown

    @property
    def rate_limited_count(self) -> int:
        return self.recorder.rate_limited

    @property
    def invalid_request_count(self) -> int:
        return self.recorder.invalid

    def messages(
        self,
        channel: Channel | int,
        *,
        include_ephemeral: bool = False,
        include_deleted: bool = False,
    ) -> list[StoredMessage]:
        """Messages in a channel, oldest first (ephemeral answers only on request)."""
        channel_id = channel if isinstance(channel, int) else channel.id
        return self.store.in_channel(
            channel_id, include_ephemeral=include_ephemeral, include_deleted=include_deleted
        )

    def dms(self, user: User | Member) -> list[StoredMessage]:
        """Messages the bot sent to this user in DMs, oldest first."""
        target = user.user if isinstance(user, Member) else user
        for channel in self.world.channels.values():
            if channel.is_dm and channel.recipient is target:
                return self.store.in_channel(channel.id)
        return []

    def check_against_openapi(self, call: RestCall) -> None:
        if self.openapi is None or call.route == "?":
            return
        method, template = call.route.split(" ", 1)
        problems = []
        if call.request is not None and call.status < 400:
            problems += self.openapi.check_request(method, template, call.request)
        problems += self.openapi.check_response(method, template, call.status, call.response)
        self.schema_problems += [f"{call}: {problem}" for problem in problems]
