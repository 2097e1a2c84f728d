"""The weekly leaderboard post end to end: planned in the server's zone, sent exactly once per
server-week through the delivery ledger (kind weekly, nonce `w...`, period `YYYY-Www`), across
restarts, a passing 5xx retried with the same nonce, a crash between sending and recording
(found again in the channel, never posted twice), and a refusal that turns it off and is told
in the log channel.

START is Wednesday 2026-03-04 12:00 UTC (ISO week 2026-W10).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from bot.app import StudyBot
from bot.services.clock import ManualClock
from bot.store.codec import encode_time
from bot.store.ledger import Claim, claim_rows
from bot.store.moderation import weekly_key
from bot.store.schema import deliveries
from tests.e2e.conftest import START, Launch
from tests.e2e.ticks import ticks
from tests.emulator.server import Emulator
from tests.emulator.world import Channel, StandardWorld

TICK = 0.05
ROUTE = "POST /channels/{channel_id}/messages"


def weekly_posts(emulator: Emulator, channel: Channel) -> list:  # type: ignore[type-arg]
    return [
        m
        for m in emulator.messages(channel)
        if m.embeds and m.embeds[0].get("footer", {}).get("text", "").startswith("Weekly")
    ]


async def recorded(bot: StudyBot, guild_id: int, period: str, status: str = "sent") -> None:
    ledger = bot.wiring.weekly.store.ledger
    row = None
    for _ in range(200):
        row = await ledger.get(weekly_key(guild_id, period))
        if row is not None and row.status == status:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"the weekly post of {period} is not {status} (last: {row})")


async def set_weekly(emulator: Emulator, sample: StandardWorld, **options: object):  # type: ignore[no-untyped-def]
    values = {"channel": sample.general, "day": "wednesday", "time": "14:00", **options}
    values.setdefault("timezone", "Europe/Berlin")
    return await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly", values)


async def test_weekly_post_arrives_once_per_week_with_the_leaderboard(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    topic = bot.content.catalog.default.topics[0]
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
    answer = await set_weekly(emulator, sample)
    assert answer.ephemeral
    assert "every **Wednesday at 14:00 Europe/Berlin**" in answer.text()
    assert "2026-W10" in answer.text() and "<t:" in answer.text()
    await ticks(bot)
    assert weekly_posts(emulator, sample.general) == []  # not before its time

    clock.set(START + timedelta(hours=1))  # 14:00 in Berlin
    await emulator.wait_for(lambda: len(weekly_posts(emulator, sample.general)) == 1, what="post")
    [post] = weekly_posts(emulator, sample.general)
    assert post.embeds[0]["footer"]["text"].startswith("Weekly leaderboard · 2026-W10")
    assert f"🥇 <@{sample.alice.id}> · 1 topic" in post.embeds[0]["description"]
    assert str(post.nonce).startswith("w") and len(str(post.nonce)) <= 25
    assert post.pinged_user_ids == []  # members are named, never pinged
    await recorded(bot, sample.guild.id, "2026-W10")

    await bot.close()
    bot = await launch(tick_interval=TICK)
    clock.advance(minutes=30)
    await ticks(bot)
    assert len(weekly_posts(emulator, sample.general)) == 1  # a restart does not post it again

    clock.set(START + timedelta(days=7, hours=1))  # next Wednesday: the week's own board
    await emulator.wait_for(lambda: len(weekly_posts(emulator, sample.general)) == 2, what="W11")
    second = weekly_posts(emulator, sample.general)[1]
    assert "2026-W11" in second.embeds[0]["footer"]["text"]
    assert "Nobody finished a topic this week" in second.embeds[0]["description"]
    # The ledger records the send after Discord answered it (the post is seen first).
    await recorded(bot, sample.guild.id, "2026-W11")
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly")
    assert "`2026-W11` posted" in status.text() and "`2026-W10` posted" in status.text()


async def test_a_passing_5xx_is_retried_with_the_same_nonce_and_posts_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_weekly(emulator, sample)
    emulator.faults.server_error(ROUTE, status=503, times=1, channel_id=sample.general.id)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(weekly_posts(emulator, sample.general)) == 1, what="post")
    await recorded(bot, sample.guild.id, "2026-W10")
    calls = emulator.recorder.to(ROUTE, channel_id=sample.general.id)
    assert [call.status for call in calls] == [503, 200]
    assert calls[0].request["nonce"] == calls[1].request["nonce"]


async def test_a_crash_between_sending_and_recording_neither_loses_nor_doubles_it(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    """The claim was attempted long ago (no resend within the nonce window) and the post is in
    the channel: after the restart it is found there and recorded, not posted again."""
    bot = await launch(tick_interval=TICK)
    await set_weekly(emulator, sample, day="monday", time="09:00", timezone="UTC")
    await bot.close()
    key = weekly_key(sample.guild.id, "2026-W10")
    attempted = START - timedelta(hours=1)

    def crashed(conn):  # type: ignore[no-untyped-def]
        claim_rows(conn, [Claim(key, channel_id=sample.general.id, scheduled_for=attempted)], START)
        conn.execute(
            update(deliveries)
            .where(deliveries.c.kind == "weekly")
            .values(attempts=1, first_attempt_at=encode_time(attempted))
        )

    footer = {"text": "Weekly leaderboard · 2026-W10 · Python backend developer"}
    ours = emulator.add_stored_bot_message(
        sample.general, {"embeds": [{"title": "🏆 This week's leaderboard", "footer": footer}]}
    )
    bot = await launch(tick_interval=TICK)
    await bot.database.write(crashed)
    await recorded(bot, sample.guild.id, "2026-W10")
    row = await bot.wiring.weekly.store.ledger.get(key)
    assert row is not None and row.message_id == ours.id
    await ticks(bot)
    assert emulator.recorder.to(ROUTE, channel_id=sample.general.id) == []  # never re-sent


async def test_a_refused_post_turns_it_off_and_the_log_channel_is_told(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    mod_log = sample.guild.add_text_channel("mod-log")
    bot = await launch(tick_interval=TICK)
    await emulator.slash(sample.guild, sample.mod, "roadmap-admin log-channel", channel=mod_log)
    await set_weekly(emulator, sample)
    emulator.faults.forbid_channel(sample.general.id)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(emulator.messages(mod_log)) == 1, what="the log line")
    line = emulator.messages(mod_log)[0].content
    assert "weekly leaderboard post is turned off" in line and "403" in line
    await recorded(bot, sample.guild.id, "2026-W10", status="failed")
    clock.set(START + timedelta(days=7, hours=1))
    await ticks(bot)
    assert len(emulator.recorder.to(ROUTE, channel_id=sample.general.id)) == 1  # one attempt
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly")
    assert "**Off**" in status.text() and "403" in status.text()
    off = await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly", off=True)
    assert "was not on" in off.text()


async def test_off_stops_it_and_a_week_missed_while_down_is_not_posted_late(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_weekly(emulator, sample)
    await bot.close()
    clock.set(START + timedelta(hours=4))  # three hours late: past the two-hour grace
    bot = await launch(tick_interval=TICK)
    await recorded(bot, sample.guild.id, "2026-W10", status="missed")
    assert weekly_posts(emulator, sample.general) == []
    off = await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly", off=True)
    assert "is off" in off.text()
    clock.set(START + timedelta(days=7, hours=1))
    await ticks(bot)
    assert weekly_posts(emulator, sample.general) == []
    refused = await emulator.slash(sample.guild, sample.mod, "roadmap-admin weekly", day="friday")
    assert "Name the channel" in refused.text()
