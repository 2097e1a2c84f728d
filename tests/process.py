"""`python -m bot` as a real process, for the tests that need one: its environment, starting it,
waiting for it to connect to the standalone emulator, stopping it by a signal, and its log.

Every helper leaves no process behind: `running` kills the bot when the test body fails or
returns with the bot still up, and `stop` kills it when it does not exit in time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CONTENT_DIR
from tests.emulator.remote import RemoteEmulator

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Where nothing listens (port 9, discard): a bot that tries to connect fails at once.
NOWHERE = "http://127.0.0.1:9/api/v10"
NOWHERE_GATEWAY = "ws://127.0.0.1:9/gateway"

#: Settings read from the environment that a test must never inherit from the machine.
_OWN_SETTINGS = ("DISCORD_", "DEV_GUILD", "OWNER_IDS", "CONTENT_DIR", "DATABASE_")


def bot_environment(remote: RemoteEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot that talks to `remote`, with its database under `tmp_path` and
    the tests' frozen roadmap; `extra` adds or overrides settings."""
    env = _clean_environment()
    env.update(remote.bot_environment())
    env.update(
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        CONTENT_DIR=str(CONTENT_DIR),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def offline_environment(tmp_path: Path, *, api_base: str = NOWHERE, **extra: str) -> dict[str, str]:
    """The environment of a bot with a made-up token and no Discord to reach at `api_base`."""
    env = _clean_environment()
    env.update(
        DISCORD_TOKEN="not-a-real-token",
        DISCORD_API_BASE=api_base,
        DISCORD_GATEWAY_URL=NOWHERE_GATEWAY,
        CONTENT_DIR=str(CONTENT_DIR),
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    env.update(extra)
    return env


def _clean_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OWN_SETTINGS)}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


async def start_bot(env: dict[str, str], log: Path, *args: str) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` with `env`, its output appended to `log`. The working folder is the
    log's, which has no .env, so only `env` configures the bot."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=log.parent, stdout=out, stderr=out
        )


async def wait_connected(remote: RemoteEmulator, connected: int = 1) -> dict[str, Any]:
    """The emulator's state once `connected` bots hold a gateway session (0: the bot left)."""
    return await remote.wait_until(
        lambda state: state["connected"] == connected, within=20, what="the bot to connect"
    )


async def stop(
    bot: asyncio.subprocess.Process, how: int = signal.SIGTERM, within: float = 20
) -> int:
    """Send `how` and return the exit code; a bot still running after `within` seconds is
    killed and the wait fails."""
    bot.send_signal(how)
    try:
        return await asyncio.wait_for(bot.wait(), within)
    finally:
        await _kill(bot)


async def _kill(bot: asyncio.subprocess.Process) -> None:
    if bot.returncode is None:
        bot.kill()
        await bot.wait()


@asynccontextmanager
async def running(
    env: dict[str, str], log: Path, remote: RemoteEmulator
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot process connected to `remote`; killed on the way out if the body left it running.
    The body stops it (`stop`, or SIGKILL) to test how it ends."""
    bot = await start_bot(env, log)
    try:
        await wait_connected(remote)
        yield bot
    finally:
        await _kill(bot)


async def run_command(
    env: dict[str, str], log: Path, *args: str, within: float = 30
) -> tuple[int, str]:
    """Run `python -m bot ARGS` to its end: its exit code and what this run added to `log`."""
    offset = log_size(log)
    process = await start_bot(env, log, *args)
    try:
        code = await asyncio.wait_for(process.wait(), within)
    finally:
        await _kill(process)
    return code, log_since(log, offset)


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def log_since(log: Path, offset: int) -> str:
    """What was written to `log` after `offset` (a log_size taken earlier)."""
    with log.open("rb") as file:
        file.seek(offset)
        return file.read().decode()
