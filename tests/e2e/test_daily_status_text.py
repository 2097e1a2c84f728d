"""`/roadmap-admin daily status` as a moderator reads it: topic titles, not ids; a failure's
reason said once."""

from __future__ import annotations

from datetime import timedelta

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_daily import TICK, post_calls, posts, set_daily, ticks
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_status_names_topics_by_title_and_a_refusal_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    topics = bot.content.catalog.default.topics
    await set_daily(emulator, sample)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="day one")
    await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily jump", topic=topics[5].id)
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")
    text = status.text()
    assert f"It will show **{topics[5].title}**" in text
    assert f"**{topics[0].title}**" in text and f"`{topics[0].id}`" not in text

    emulator.faults.forbid_channel(sample.general.id)  # a permission removed after set-up
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(post_calls(emulator, sample.general)) == 2, what="a try")
    await ticks(bot)
    text = (await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")).text()
    assert "Off" in text and "403" in text
    assert text.count("Send Messages") == 1  # the reason, once
    assert text.count("daily set") == 1  # and how to fix it, once
    assert "the reason above" in text
    assert f"**{topics[5].title}**" in text  # the refused day's topic, by title
