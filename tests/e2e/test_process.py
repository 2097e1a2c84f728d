"""`python -m bot` as a real process against the standalone emulator: graceful SIGTERM, SIGKILL
after an acknowledged mark, invalid content at start, and `python -m bot sync`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CONTENT_DIR
from tests.emulator.remote import RemoteEmulator, standalone_emulator

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _environment(remote: RemoteEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "DEV_GUILD", "OWNER_IDS", "CONTENT_DIR", "DATABASE_"))
    }
    env.update(remote.bot_environment())
    env.update(
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        CONTENT_DIR=str(CONTENT_DIR),
        PYTHONPATH=str(PROJECT_ROOT),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


async def _start(env: dict[str, str], log: Path, *args: str) -> asyncio.subprocess.Process:
    # The working folder has no .env, so only `env` configures the bot.
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=log.parent, stdout=out, stderr=out
        )


def _member_id(state: dict[str, Any], name: str) -> str:
    return state["guilds"][0]["members"][name]


async def _wait_connected(remote: RemoteEmulator, connected: int = 1) -> dict[str, Any]:
    return await remote.wait_until(
        lambda state: state["connected"] == connected, within=20, what="the bot to connect"
    )


async def test_sigterm_stops_gracefully_and_sigkill_loses_no_acknowledged_mark(
    tmp_path: Path,
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        env = _environment(remote, tmp_path)
        bot = await _start(env, log)
        try:
            await _wait_connected(remote)
            answer = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "http"})
            assert "**HTTP and HTTPS** is now done" in answer["message"]["embeds"][0]["description"]
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.wait(), 20) == 0
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        text = log.read_text()
        assert "SIGTERM received; stopping" in text
        assert "Traceback" not in text
        assert env["DISCORD_TOKEN"] not in text
        state = await remote.state()
        guild_id, alice_id = state["guilds"][0]["id"], _member_id(state, "alice")
        assert f"/roadmap done guild={guild_id} member={alice_id}" in text

        await _wait_connected(remote, 0)
        bot = await _start(env, log)
        try:
            await _wait_connected(remote)
            answer = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "sql"})
            assert "**SQL** is now done" in answer["message"]["embeds"][0]["description"]
            bot.send_signal(signal.SIGKILL)  # right after the member saw "done"
            await bot.wait()
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()

        await _wait_connected(remote, 0)
        bot = await _start(env, log)
        try:
            await _wait_connected(remote)
            progress = await remote.slash("Study Hall", "alice", "roadmap progress")
            text = progress["message"]["embeds"][0]["description"]
            assert "2 of 20 topics done" in text
        finally:
            bot.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(bot.wait(), 20) == 0


async def test_invalid_content_at_start_exits_1_with_the_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.yaml").write_text("id: broken\ntitle: Broken\nstages: [\n")
    log = tmp_path / "bot.log"
    # Nothing listens on port 9: had the bot tried to connect, it would fail differently.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")},
        "DISCORD_TOKEN": "not-a-real-token",
        "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
        "CONTENT_DIR": str(content),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    bot = await _start(env, log)
    assert await asyncio.wait_for(bot.wait(), 30) == 1
    text = log.read_text()
    assert "broken.yaml:" in text
    assert "The content in" in text and "is invalid" in text
    assert "Traceback" not in text and "not-a-real-token" not in text


async def test_sync_command_pushes_the_commands_once_and_exits(tmp_path: Path) -> None:
    async with standalone_emulator() as remote:
        log = tmp_path / "sync.log"
        env = _environment(remote, tmp_path)
        sync = await _start(env, log, "sync")
        assert await asyncio.wait_for(sync.wait(), 30) == 0
        assert "Synced 2 global commands" in log.read_text()
        puts = await remote.calls("PUT /applications/{application_id}/commands")
        assert len(puts) == 1

        guild_id = (await remote.state())["guilds"][0]["id"]
        guild = await _start(env, log, "sync", "--guild", str(guild_id))
        assert await asyncio.wait_for(guild.wait(), 30) == 0
        # Not the dev server: it gets no commands of its own (a stale copy would be cleared).
        assert f"Synced 0 commands to server {guild_id}." in log.read_text()

        unknown = await _start(env, log, "sync", "--guild", "123456789012345678")
        assert await asyncio.wait_for(unknown.wait(), 30) == 1
        assert "Discord refused the sync: 404 Not Found (error code: 10004)" in log.read_text()
