"""`python -m bot` as a real process against the standalone emulator: graceful SIGTERM, SIGKILL
after an acknowledged mark, invalid content at start, and `python -m bot sync`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from tests.emulator.remote import standalone_emulator
from tests.process import (
    bot_environment,
    offline_environment,
    run_command,
    running,
    stop,
    wait_connected,
)


def _member_id(state: dict[str, Any], name: str) -> str:
    return state["guilds"][0]["members"][name]


async def test_sigterm_stops_gracefully_and_sigkill_loses_no_acknowledged_mark(
    tmp_path: Path,
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        env = bot_environment(remote, tmp_path)
        async with running(env, log, remote) as bot:
            answer = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "http"})
            assert "**HTTP and HTTPS** is now done" in answer["message"]["embeds"][0]["description"]
            assert await stop(bot) == 0
        text = log.read_text()
        assert "SIGTERM received; stopping" in text
        assert "Traceback" not in text
        assert env["DISCORD_TOKEN"] not in text
        state = await remote.state()
        guild_id, alice_id = state["guilds"][0]["id"], _member_id(state, "alice")
        assert f"/roadmap done guild={guild_id} member={alice_id}" in text

        await wait_connected(remote, 0)
        async with running(env, log, remote) as bot:
            answer = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "sql"})
            assert "**SQL** is now done" in answer["message"]["embeds"][0]["description"]
            assert await stop(bot, signal.SIGKILL) == -signal.SIGKILL  # right after "done"

        await wait_connected(remote, 0)
        async with running(env, log, remote) as bot:
            progress = await remote.slash("Study Hall", "alice", "roadmap progress")
            text = progress["message"]["embeds"][0]["description"]
            assert "2 of 20 topics done" in text
            assert await stop(bot, signal.SIGINT) == 0


async def test_invalid_content_at_start_exits_1_with_the_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.yaml").write_text("id: broken\ntitle: Broken\nstages: [\n")
    # Nothing listens on port 9: had the bot tried to connect, it would fail differently.
    env = offline_environment(tmp_path, CONTENT_DIR=str(content))
    code, text = await run_command(env, tmp_path / "bot.log")
    assert code == 1
    assert "broken.yaml:" in text
    assert "The content in" in text and "is invalid" in text
    assert "Traceback" not in text and "not-a-real-token" not in text


async def test_sync_command_pushes_the_commands_once_and_exits(tmp_path: Path) -> None:
    async with standalone_emulator() as remote:
        log = tmp_path / "sync.log"
        env = bot_environment(remote, tmp_path)
        code, text = await run_command(env, log, "sync")
        assert code == 0
        assert "Synced 2 global commands" in text
        puts = await remote.calls("PUT /applications/{application_id}/commands")
        assert len(puts) == 1

        guild_id = (await remote.state())["guilds"][0]["id"]
        code, text = await run_command(env, log, "sync", "--guild", str(guild_id))
        assert code == 0
        # Not the dev server: it gets no commands of its own (a stale copy would be cleared).
        assert f"Synced 0 commands to server {guild_id}." in text

        code, text = await run_command(env, log, "sync", "--guild", "123456789012345678")
        assert code == 1
        assert "Discord refused the sync: 404 Not Found (error code: 10004)" in text
