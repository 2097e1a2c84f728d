"""Waiting for the bot's scheduler in end-to-end tests: the tick runs a real APScheduler job, so
a test that moved the clock waits for whole ticks to have run before it looks."""

from __future__ import annotations

import asyncio

from bot.app import StudyBot

#: How long a test waits for its ticks: 400 polls of 20 ms.
POLLS, POLL_SECONDS = 400, 0.02


async def ticks(bot: StudyBot, count: int = 3) -> None:
    """Wait until the scheduler has finished `count` more ticks (AssertionError after 8 s)."""
    target = bot.ticks.runs + count
    for _ in range(POLLS):
        if bot.ticks.runs >= target:
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError("the scheduler did not tick")
