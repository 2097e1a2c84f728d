"""The bot token never shows: not in any log line (at DEBUG, with tracebacks), not in any error
message a member sees, not in the output of the real process, even when Discord refuses it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.remote import standalone_emulator
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.process import bot_environment, run_command, running, stop
from tests.reliability.audit import message_bodies


def formatted(records: list[logging.LogRecord]) -> str:
    """The log as an operator reads it: every message with its traceback."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


async def test_no_log_line_or_answer_holds_the_token_through_faults_and_errors(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = emulator.world.token
    owner = sample.guild.add_existing_user(sample.world.owner)
    with caplog.at_level(logging.DEBUG):
        bot = await launch(dev_guild_id=sample.guild.id)
        await emulator.slash(sample.guild, sample.alice, "roadmap next")
        await emulator.gateway.reconnect()
        await emulator.wait_for(lambda: bot.is_ready() and emulator.gateway.connected)
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
        # Discord stops accepting the token for a moment: the owner check fails with a 401.
        emulator.faults.error("*", status=401, code=0, message="401: Unauthorized", times=1)
        unauthorized = await emulator.slash(sample.guild, owner, "roadmap-owner reload")
        await bot.database.close()  # every later query fails: logged with its traceback
        broken = await emulator.slash(sample.guild, sample.alice, "roadmap progress")

    assert "Something went wrong (code" in broken.content
    # The owner check could not ask Discord: an error with a code, nothing of the 401.
    assert re.fullmatch(
        r"Something went wrong \(code [0-9A-F]{6}\)\. It has been logged; please try again later\.",
        unauthorized.text(),
    )
    log = formatted(caplog.records)
    assert "Traceback" in log and "401" in log  # the failures were logged in full...
    assert token not in log  # ...without the token
    assert token.split(".")[-1] not in log
    bodies = [repr(body) for _, body in message_bodies(emulator)]
    assert bodies and all(token not in body for body in bodies)


async def test_the_real_process_never_prints_the_token_even_at_debug_or_when_refused(
    tmp_path: Path,
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        env = bot_environment(remote, tmp_path, LOG_LEVEL="DEBUG")
        async with running(env, log, remote) as bot:
            await remote.slash("Study Hall", "alice", "roadmap next")
            await remote.gateway("reconnect")
            await remote.wait_until(lambda state: state["resumes"] >= 1, what="a RESUME")
            await remote.slash("Study Hall", "alice", "roadmap progress")
            assert await stop(bot) == 0

        wrong = "MTIzNDU2Nzg5.wrong-token.for-the-test"
        code, _ = await run_command({**env, "DISCORD_TOKEN": wrong}, log)
        assert code == 2

    text = log.read_text()
    assert "IDENTIFY" in text  # DEBUG really was on
    assert "Discord refused DISCORD_TOKEN" in text
    assert env["DISCORD_TOKEN"] not in text and wrong not in text
    assert "Traceback" not in text
