"""Daily posts end to end: the real APScheduler tick (short interval), the real sender, the
emulator, and the shared ManualClock moved forward by the test.

START is 2026-03-04 12:00 UTC, 13:00 in Berlin: a post set for 14:00 Europe/Berlin is due at
13:00 UTC the same day.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.emulator.server import Emulator

TICK = 0.05
SET = {"time": "14:00", "timezone": "Europe/Berlin"}


async def set_daily(emulator: Emulator, sample, channel=None, **options):  # type: ignore[no-untyped-def]
    values = {"channel": channel or sample.general, **SET, **options}
    return await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily set", values)


async def ticks(bot, count: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Wait until the scheduler has run `count` more full ticks."""
    target = bot.ticks.runs + count
    await _wait(bot, lambda: bot.ticks.runs >= target)


async def _wait(bot, predicate) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(400):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the scheduler did not tick")


def posts(emulator: Emulator, channel):  # type: ignore[no-untyped-def]
    return [
        m
        for m in emulator.messages(channel)
        if m.embeds and "Topic of the day" in (m.embeds[0].get("footer", {}).get("text", ""))
    ]


async def test_set_post_arrives_at_local_time_and_restart_does_not_repeat(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    answer = await set_daily(emulator, sample)
    assert answer.ephemeral
    assert "14:00 Europe/Berlin" in answer.text() and "<t:" in answer.text()
    await ticks(bot)
    assert posts(emulator, sample.general) == []  # not before its time

    clock.set(START + timedelta(hours=1))  # 14:00 in Berlin
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    first_topic = bot.content.catalog.default.topics[0]
    assert post.embeds[0]["title"] == first_topic.title
    assert "2026-03-04" in post.embeds[0]["footer"]["text"]
    assert post.nonce and len(str(post.nonce)) <= 25

    await bot.close()
    bot = await launch(tick_interval=TICK)
    clock.advance(minutes=30)
    await ticks(bot)
    assert len(posts(emulator, sample.general)) == 1  # a restart does not post it again

    clock.set(START + timedelta(days=1, hours=1))  # the next day's post: the next topic
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    second = posts(emulator, sample.general)[1]
    assert second.embeds[0]["title"] == bot.content.catalog.default.topics[1].title
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")
    assert "2026-03-05` posted" in status.text() and "2026-03-04` posted" in status.text()
