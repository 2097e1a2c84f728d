"""The reminder DM's buttons end to end: Done records the topic in the server the DM names,
another member's press is refused, Stop reminders turns the reminder off after a restart."""

from __future__ import annotations

from datetime import timedelta

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_reminders import TICK, reminders
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


def _labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(button.get("label")) for button in message.buttons()]


async def test_dm_buttons_act_in_the_dms_server_for_its_member_only(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await emulator.slash(
        sample.guild, sample.alice, "roadmap remind set", time="14:00", timezone="Europe/Berlin"
    )
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    dm = reminders(emulator, sample.alice)[0]
    labels = _labels(dm)
    assert labels[:2] == ["Done", "Skip"] and labels[-1] == "Stop reminders"
    assert all(len(str(b["custom_id"])) <= 100 for b in dm.buttons())
    topics = bot.content.catalog.default.topics

    refused = await emulator.click(dm, "Done", sample.bob)
    assert refused.ephemeral and "sent to another member" in refused.text()
    bob_card = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert bob_card.embed["title"] == topics[0].title

    done = await emulator.click(dm, "Done", sample.alice)
    assert done.ephemeral and f"In **{sample.guild.name}**:" in done.text()
    assert topics[0].title in done.text()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == topics[1].title  # recorded in the DM's server

    # After a restart the old DM's Stop reminders still works, and no DM comes the next day.
    await bot.close()
    bot = await launch(tick_interval=TICK)
    stop = await emulator.click(dm, "Stop reminders", sample.alice)
    assert stop.ephemeral and "is off" in stop.text() and sample.guild.name in stop.text()
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.alice.id) is None
    again = await emulator.click(dm, "Stop reminders", sample.alice)
    assert "no daily reminder" in again.text()


async def test_set_confirms_by_dm_and_closed_dms_are_told_at_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    answer = await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="18:30")
    assert "**18:30**" in answer.text()
    confirmations = [m for m in emulator.dms(sample.alice) if m.content.startswith("Reminder set")]
    assert len(confirmations) == 1
    assert sample.guild.name in confirmations[0].content and "18:30" in confirmations[0].content

    sample.bob.user.dms_open = False
    refused = await emulator.slash(sample.guild, sample.bob, "roadmap remind set", time="18:30")
    assert refused.ephemeral and "could not send you a DM" in refused.text()
    assert "no reminder was set" in refused.text()
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.bob.id) is None
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.alice.id)


async def test_the_dm_lists_the_reviews_due_in_its_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    topics = bot.content.catalog.default.topics
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[0].id)
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    clock.set(START + timedelta(minutes=30))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="day 0")
    assert "review" not in reminders(emulator, sample.alice)[0].content  # done today: not due

    # Weeks later the first topic's review is due, and the DM says so.
    await emulator.slash(sample.guild, sample.alice, "roadmap remind off")
    clock.set(START + timedelta(days=30))
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    clock.set(START + timedelta(days=30, minutes=30))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 2, what="day 30")
    later = reminders(emulator, sample.alice)[1]
    assert "🔁 1 review due today: `/roadmap review`" in later.content
