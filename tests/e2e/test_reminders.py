"""Personal reminders end to end: the real APScheduler tick (short interval), the real DM sender,
the emulator, and the shared ManualClock moved forward by the test.

START is 2026-03-04 12:00 UTC, 13:00 in Berlin: a reminder at 14:00 Europe/Berlin is due at
13:00 UTC the same day.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_daily import ticks
from tests.emulator.server import Emulator

TICK = 0.05


def reminders(emulator: Emulator, member):  # type: ignore[no-untyped-def]
    return [m for m in emulator.dms(member) if "Your daily reminder" in m.content]


async def test_dm_arrives_at_local_time_with_next_topic_and_restart_does_not_repeat(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    answer = await emulator.slash(
        sample.guild, sample.alice, "roadmap remind set", time="14:00", timezone="Europe/Berlin"
    )
    assert answer.ephemeral
    assert "**14:00** (Europe/Berlin)" in answer.text()
    next_at = int((START + timedelta(hours=1)).timestamp())
    assert f"<t:{next_at}:F>" in answer.text()
    await ticks(bot)
    assert reminders(emulator, sample.alice) == []  # not before its time

    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    dm = reminders(emulator, sample.alice)[0]
    topics = bot.content.catalog.default.topics
    assert dm.embeds[0]["title"].endswith(topics[0].title)
    assert sample.guild.name in dm.content
    assert dm.nonce and len(str(dm.nonce)) <= 25

    await bot.close()
    bot = await launch(tick_interval=TICK)
    clock.advance(minutes=30)
    await ticks(bot)
    assert len(reminders(emulator, sample.alice)) == 1  # a restart does not DM again

    # Alice finishes her first topic; the next day's DM shows the one after it.
    done = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[0].id)
    assert done.ephemeral
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 2, what="day two")
    assert reminders(emulator, sample.alice)[1].embeds[0]["title"].endswith(topics[1].title)
    assert reminders(emulator, sample.bob) == []


async def test_closed_dms_turn_it_off_and_set_again_works(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    sample.alice.user.dms_open = False
    clock.set(START + timedelta(minutes=30))  # 12:30 UTC: no zone set anywhere, so UTC
    await _wait_off(bot, sample)
    settings = await emulator.slash(sample.guild, sample.alice, "roadmap settings")
    line = next(row for row in settings.text().splitlines() if "Reminder:" in row)
    assert "Reminder: none: it was turned off on 2026-03-04" in line  # why, in the settings
    assert "could not send you a DM" in settings.text() and "50007" not in settings.text()
    off = await emulator.slash(sample.guild, sample.alice, "roadmap remind off")
    assert "no daily reminder" in off.text()  # it was turned off by the refusal,
    assert "turned off on 2026-03-04" in off.text()  # and the member reads when and why
    assert "could not send you a DM" in off.text() and off.ephemeral
    assert "50007" not in off.text() and "Discord answered" not in off.text()  # words only

    sample.alice.user.dms_open = True
    again = await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    assert "(UTC)" in again.text()
    clock.set(START + timedelta(days=1, minutes=30))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    off = await emulator.slash(sample.guild, sample.alice, "roadmap remind off")
    assert "reminder is off" in off.text()
    clock.set(START + timedelta(days=2, minutes=30))
    await ticks(bot)
    assert len(reminders(emulator, sample.alice)) == 1


async def _wait_off(bot, sample) -> None:  # type: ignore[no-untyped-def]
    """Wait until the refused DM turned the reminder off, with the reason in the ledger."""
    planner = bot.get_cog("Reminders").planner
    for _ in range(200):
        if await planner.get(sample.guild.id, sample.alice.id) is None:
            rows = await planner.store.ledger.recent("reminder", sample.guild.id, sample.alice.id)
            assert rows[0].status == "failed" and "50007" in (rows[0].error or "")
            return
        await ticks(bot, 1)
    raise AssertionError("the reminder was not turned off")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "25:61"}, "`25:61` is not a time"),
        ({"time": "9am"}, "`9am` is not a time"),
        ({"time": "09:00", "timezone": "Mars/Olympus"}, "`Mars/Olympus` is not a time zone"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_set(
    emulator: Emulator, sample, launch: Launch, options, expected
) -> None:
    bot = await launch()
    answer = await emulator.slash(sample.guild, sample.alice, "roadmap remind set", **options)
    assert answer.ephemeral and expected in answer.text()
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.alice.id) is None


async def test_only_if_idle_skips_a_day_the_member_studied_and_dms_the_next(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    for member in (sample.alice, sample.bob):
        answer = await emulator.slash(
            sample.guild,
            member,
            "roadmap remind set",
            time="14:00",
            timezone="Europe/Berlin",
            only_if_idle=True,
        )
        assert "not on a day you already marked a topic done" in answer.text()
    topics = bot.content.catalog.default.topics
    # Alice studies at 13:00 Berlin, before her reminder; Bob does not.
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[0].id)

    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.bob)) == 1, what="Bob's DM")
    await ticks(bot)
    assert reminders(emulator, sample.alice) == []
    planner = bot.get_cog("Reminders").planner
    # Not counted as sent: the ledger has no row for the skipped day, and the schedule moved on.
    assert await planner.store.ledger.recent("reminder", sample.guild.id, sample.alice.id) == []
    reminder = await planner.get(sample.guild.id, sample.alice.id)
    assert reminder is not None and str(reminder.next_date) == "2026-03-05"

    # The next day she does nothing: the DM comes, with the topic after the one she did.
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="day two")
    assert reminders(emulator, sample.alice)[0].embeds[0]["title"].endswith(topics[1].title)
    await ticks(bot)  # the DM is in the emulator a moment before its outcome is recorded
    rows = await planner.store.ledger.recent("reminder", sample.guild.id, sample.alice.id)
    assert [(row.period, row.status) for row in rows] == [("2026-03-05", "sent")]


async def test_settings_show_the_reminder_its_next_dm_and_reviews(
    emulator: Emulator, sample, launch: Launch
) -> None:
    await launch(tick_interval=TICK)
    before = await emulator.slash(sample.guild, sample.alice, "roadmap settings")
    assert "• Reminder: none; `/roadmap remind set` starts" in before.text()
    await emulator.slash(
        sample.guild,
        sample.alice,
        "roadmap remind set",
        time="14:00",
        timezone="Europe/Berlin",
        only_if_idle=True,
    )
    shown = (await emulator.slash(sample.guild, sample.alice, "roadmap settings")).text()
    next_at = int((START + timedelta(hours=1)).timestamp())
    assert "• Reminder: **14:00** (Europe/Berlin), only on days you have not marked" in shown
    assert f"next DM <t:{next_at}:F> (<t:{next_at}:R>)" in shown
    assert "• Reviews: on" in shown
    # Every day, and reviews off.
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="09:30")
    changed = await emulator.slash(sample.guild, sample.alice, "roadmap settings", reviews=False)
    assert "• Reminder: **09:30** (UTC), every day;" in changed.text()
    assert "• Reviews: off" in changed.text()
    assert (
        "Reminder: none"
        in (await emulator.slash(sample.guild, sample.bob, "roadmap settings")).text()
    )
