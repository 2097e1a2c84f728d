"""A SIGKILL between Discord storing the daily post and the bot recording it: after the restart
the post is settled, never lost and never doubled.

The bot runs as a real process (`python -m bot`, the real clock and scheduler) against the
standalone emulator, which holds the answer to the post so the kill lands in that moment.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulator.remote import standalone_emulator
from tests.process import bot_environment, start_bot, wait_connected

GUILD, MOD = "Study Hall", "mod"


async def test_sigkill_between_send_and_record_neither_loses_nor_doubles_the_post(
    tmp_path: Path,
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        state = await remote.state()
        channel_id = state["guilds"][0]["channels"]["general"]
        env = bot_environment(remote, tmp_path)
        bot = await start_bot(env, log)
        try:
            await wait_connected(remote)
            later = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:%M")
            answer = await remote.slash(
                GUILD,
                MOD,
                "roadmap-admin daily set",
                {"channel": "general", "time": later, "timezone": "UTC"},
            )
            assert "every day at" in answer["content"], answer
            # Discord stores the post, then the bot dies before it hears back.
            await remote.fault(
                "delay_answer",
                route="POST /channels/{channel_id}/messages",
                seconds=60,
                channel_id=channel_id,
            )
            await remote.slash(GUILD, MOD, "roadmap-admin daily post-now", until="ack")
            await _wait_for_messages(remote, 1)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()

            bot = await start_bot(env, log)
            await wait_connected(remote)
            status = await _posted_status(remote)
            assert "posted" in status, status
            await asyncio.sleep(1.0)  # a few more chances to post it twice
            assert len(await remote.messages("general")) == 1
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    assert "Traceback" not in log.read_text()


async def _wait_for_messages(remote, count: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if len(await remote.messages("general")) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the post never reached the emulator")


async def _posted_status(remote) -> str:  # type: ignore[no-untyped-def]
    """`daily status` once the restarted bot settled today's post (its first tick runs at once)."""
    text = ""
    for _ in range(100):
        answer = await remote.slash(GUILD, MOD, "roadmap-admin daily status")
        embed = (answer.get("embeds") or [{}])[0]
        text = str(embed)
        if "` posted" in text:
            return text
        await asyncio.sleep(0.2)
    return text
