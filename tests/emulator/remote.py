"""Driving a standalone emulator process: launching it, and a client for its control API.

    async with standalone_emulator() as remote:        # python -m tests.emulator on a free port
        env = remote.bot_environment()                  # DISCORD_TOKEN, _API_BASE, _GATEWAY_URL
        ... start `python -m bot` with env, kill it with SIGKILL ...
        answer = await remote.slash("Study Hall", "alice", "roadmap next")

Answers are the JSON views of control.py (dicts); an AssertionError carries the emulator's reason
when the bot did not answer or the command was not available.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class RemoteEmulator:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._session = aiohttp.ClientSession()
        self._state: dict[str, Any] = {}

    async def close(self) -> None:
        await self._session.close()

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, **query: Any
    ) -> Any:
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self._session.request(
            method, f"{self.base_url}/_emu{path}", json=body, params=params
        ) as response:
            data = await response.json()
            if response.status == 409:
                raise AssertionError(data["error"])
            if response.status != 200:
                raise ValueError(f"control API {path}: {response.status} {data}")
            return data

    # -- inspection -----------------------------------------------------------------------------
    async def state(self) -> dict[str, Any]:
        self._state = await self._call("GET", "/state")
        return self._state

    def bot_environment(self) -> dict[str, str]:
        """Environment for `python -m bot` (call state() first)."""
        return {
            "DISCORD_TOKEN": self._state["token"],
            "DISCORD_API_BASE": self._state["api_base"],
            "DISCORD_GATEWAY_URL": self._state["gateway_url"],
        }

    async def messages(
        self, channel: str | int, *, include_ephemeral: bool = False
    ) -> list[dict[str, Any]]:
        return await self._call(
            "GET",
            "/messages",
            channel=channel,
            include_ephemeral="1" if include_ephemeral else None,
        )

    async def dms(self, user: str | int) -> list[dict[str, Any]]:
        return await self._call("GET", "/dms", user=user)

    async def calls(self, route: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        return await self._call("GET", "/calls", route=route, since=since)

    async def wait_until(
        self,
        predicate: Callable[[dict[str, Any]], Any],
        *,
        within: float = 10.0,
        what: str = "the condition",
    ) -> dict[str, Any]:
        """Poll /_emu/state until predicate(state) holds (e.g. the bot connected)."""
        deadline = time.monotonic() + within
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within} s waiting for {what}: {state}")
            await asyncio.sleep(0.05)

    # -- acting ---------------------------------------------------------------------------------
    async def slash(
        self,
        guild: str | int,
        member: str | int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: str | int | None = None,
        until: str = "answer",
        within: float | None = None,
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/slash",
            {
                "guild": guild,
                "member": member,
                "command": command,
                "options": options or {},
                "channel": channel,
                "until": until,
                "within": within,
            },
        )

    async def autocomplete(
        self,
        guild: str | int,
        member: str | int,
        command: str,
        focused: str,
        typed: str = "",
        *,
        options: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return await self._call(
            "POST",
            "/autocomplete",
            {
                "guild": guild,
                "member": member,
                "command": command,
                "focused": focused,
                "typed": typed,
                "options": options or {},
            },
        )

    async def click(
        self,
        message_id: str | int,
        custom_id: str,
        member: str | int,
        *,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/click",
            {
                "message_id": str(message_id),
                "custom_id": custom_id,
                "member": member,
                "values": values,
            },
        )

    async def click_many(
        self, clicks: list[tuple[str | int, str, str | int]], *, within: float | None = None
    ) -> list[dict[str, Any]]:
        """(message id, custom_id, member) each, all pressed at the same moment; the timing
        of each answer (control.timing_json), in order."""
        body = [
            {"message_id": str(message_id), "custom_id": custom_id, "member": member}
            for message_id, custom_id, member in clicks
        ]
        result: list[dict[str, Any]] = await self._call(
            "POST", "/click_many", {"clicks": body, "within": within}
        )
        return result

    async def submit_modal(
        self, interaction_id: str, member: str | int, values: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/submit_modal",
            {"interaction_id": interaction_id, "member": member, "values": values},
        )

    async def fault(self, kind: str, **arguments: Any) -> None:
        """kind: rate_limit, server_error, error, forbid_channel, global_rate_limit, clear."""
        await self._call("POST", "/faults", {"kind": kind, **arguments})

    async def gateway(self, action: str, **arguments: Any) -> None:
        """action: reconnect, invalidate (resumable=...), close (code=...), drop."""
        await self._call("POST", "/gateway", {"action": action, **arguments})

    async def world(self, action: str, **arguments: Any) -> Any:
        """action: delete_channel (channel), close_dms (user), post_as (guild, member, channel,
        content)."""
        return await self._call("POST", "/world", {"action": action, **arguments})


@contextlib.asynccontextmanager
async def standalone_emulator(
    *, world_file: Path | None = None, max_seconds: float = 120.0, extra_args: tuple[str, ...] = ()
) -> AsyncIterator[RemoteEmulator]:
    """Run `python -m tests.emulator` on a free port; always stopped (and killed) afterwards."""
    args = [
        sys.executable,
        "-m",
        "tests.emulator",
        "--port",
        "0",
        "--max-seconds",
        str(max_seconds),
        *extra_args,
    ]
    if world_file is not None:
        args += ["--world", str(world_file)]
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    remote: RemoteEmulator | None = None
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        if not line.startswith("EMULATOR_READY "):
            raise AssertionError(f"the emulator did not start: {line!r}")
        remote = RemoteEmulator(line.split(" ", 1)[1])
        await remote.state()
        yield remote
    finally:
        if remote is not None:
            with contextlib.suppress(aiohttp.ClientError, ValueError):
                await remote._call("POST", "/shutdown")
            await remote.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()
