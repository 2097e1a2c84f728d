"""What an operator meets at start, through the real `python -m bot` process and the standalone
emulator: where each command is synced (start, restart, `sync`, `sync --guild`), a start-up log
that says only what matters, the invite URL of a bot in no server, and no network at all."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.emulator.remote import RemoteEmulator, standalone_emulator
from tests.process import (
    bot_environment,
    log_since,
    log_size,
    offline_environment,
    run_command,
    running,
    stop,
    wait_connected,
)

GLOBAL_SYNC = "PUT /applications/{application_id}/commands"
GUILD_SYNC = "PUT /applications/{application_id}/guilds/{guild_id}/commands"
MEMBER_AND_MODERATOR = ["roadmap", "roadmap-admin"]
NOISE = ("PyNaCl", "davey", "voice will NOT be supported", "Adding job tentatively", "\x1b[")


async def _run_once(env: dict[str, str], log: Path, remote: RemoteEmulator) -> str:
    """Start the bot, wait until it says it is ready, stop it with SIGTERM; this run's log."""
    offset = log_size(log)
    async with running(env, log, remote) as bot:
        for _ in range(200):  # on_ready follows the guilds' arrival
            if "ready: " in log_since(log, offset):
                break
            await asyncio.sleep(0.05)
        assert await stop(bot) == 0
    await wait_connected(remote, 0)
    return log_since(log, offset)


async def test_start_restart_sync_and_sync_guild_keep_each_command_in_one_place(
    tmp_path: Path,
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        guild_id = (await remote.state())["guilds"][0]["id"]
        env = bot_environment(remote, tmp_path, DEV_GUILD_ID=str(guild_id))

        async def commands() -> dict[str, list[str]]:
            return (await remote.state())["commands"]

        first = await _run_once(env, log, remote)
        assert await commands() == {"None": MEMBER_AND_MODERATOR, str(guild_id): ["roadmap-owner"]}
        assert len(await remote.calls(GLOBAL_SYNC)) == 1
        assert "ready: Study Companion" in first and "in 1 server" in first
        assert "Traceback" not in first
        for noise in NOISE:
            assert noise not in first, noise

        restart = await _run_once(env, log, remote)
        assert len(await remote.calls(GLOBAL_SYNC)) == 1  # unchanged tree: no global request
        assert "global commands unchanged since the last sync; not syncing" in restart
        assert await commands() == {"None": MEMBER_AND_MODERATOR, str(guild_id): ["roadmap-owner"]}

        code, text = await run_command(env, log, "sync")
        assert code == 0, text
        assert f"Synced 1 command to the dev server {guild_id}." in text
        assert "Synced 2 global commands" in text
        assert len(await remote.calls(GLOBAL_SYNC)) == 2
        assert await commands() == {"None": MEMBER_AND_MODERATOR, str(guild_id): ["roadmap-owner"]}

        code, text = await run_command(env, log, "sync", "--guild", str(guild_id))
        assert code == 0, text
        assert f"Synced 1 command to server {guild_id}." in text
        assert len(await remote.calls(GLOBAL_SYNC)) == 2
        assert await commands() == {"None": MEMBER_AND_MODERATOR, str(guild_id): ["roadmap-owner"]}

        # Development mode: everything in the dev server, nothing synced globally.
        sync_all = {**env, "DEV_GUILD_SYNC_ALL": "true"}
        code, text = await run_command(sync_all, log, "sync")
        assert code == 0, text
        assert "DEV_GUILD_SYNC_ALL is on: no global commands were synced." in text
        assert len(await remote.calls(GLOBAL_SYNC)) == 2
        assert (await commands())[str(guild_id)] == [*MEMBER_AND_MODERATOR, "roadmap-owner"]


async def test_a_bot_in_no_server_says_it_is_ready_with_its_invite_url(tmp_path: Path) -> None:
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"guilds": []}))
    log = tmp_path / "bot.log"
    async with standalone_emulator(world_file=world) as remote:
        application_id = (await remote.state())["application_id"]
        text = await _run_once(bot_environment(remote, tmp_path), log, remote)
    ready = [line for line in text.splitlines() if "ready: " in line]
    assert len(ready) == 1, text
    assert ready[0].endswith(
        "in 0 servers; invite it to a server with https://discord.com/oauth2/authorize"
        f"?client_id={application_id}&scope=bot+applications.commands&permissions=34628291584"
    )


async def _no_network(tmp_path: Path, api_base: str) -> tuple[int, list[str]]:
    code, text = await run_command(
        offline_environment(tmp_path, api_base=api_base), tmp_path / "bot.log"
    )
    return code, text.splitlines()


async def test_connection_refused_at_start_is_one_line_and_exit_1(tmp_path: Path) -> None:
    api_base = "http://127.0.0.1:9/api/v10"  # nothing listens on port 9
    code, lines = await _no_network(tmp_path, api_base)
    assert code == 1
    errors = [line for line in lines if "cannot reach Discord" in line]
    assert len(errors) == 1, lines
    assert f"cannot reach Discord at {api_base}: " in errors[0]
    assert errors[0].endswith("Check DISCORD_API_BASE and the proxy, then start again.")
    assert not any("Traceback" in line or "aiohttp" in line for line in lines), lines
    assert len(lines) <= 3, lines


async def test_a_name_that_does_not_resolve_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, lines = await _no_network(tmp_path, "http://discord.invalid/api/v10")
    assert code == 1
    errors = [line for line in lines if "cannot reach Discord" in line]
    assert len(errors) == 1, lines
    assert "cannot reach Discord at http://discord.invalid/api/v10: " in errors[0]
    assert not any("Traceback" in line for line in lines), lines
