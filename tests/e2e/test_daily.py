"""Daily posts end to end: the real APScheduler tick (short interval), the real sender, the
emulator, and the shared ManualClock moved forward by the test.

START is 2026-03-04 12:00 UTC, 13:00 in Berlin: a post set for 14:00 Europe/Berlin is due at
13:00 UTC the same day.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.services.clock import ManualClock
from bot.store.daily import post_key
from tests.e2e.conftest import START, Launch
from tests.e2e.ticks import ticks
from tests.emulator.server import Emulator

TICK = 0.05
SET = {"time": "14:00", "timezone": "Europe/Berlin"}


async def set_daily(emulator: Emulator, sample, channel=None, **options):  # type: ignore[no-untyped-def]
    values = {"channel": channel or sample.general, **SET, **options}
    return await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily set", values)


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
    await recorded_as_sent(bot, sample.guild.id, date(2026, 3, 5))
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")
    assert "2026-03-05` posted" in status.text() and "2026-03-04` posted" in status.text()


def post_calls(emulator: Emulator, channel):  # type: ignore[no-untyped-def]
    return emulator.recorder.to("POST /channels/{channel_id}/messages", channel_id=channel.id)


async def recorded_as_sent(bot, guild_id: int, day: date) -> None:  # type: ignore[no-untyped-def]
    """Wait (bounded) until the ledger records the post as sent: the message reaches the channel
    a moment before the bot has read Discord's answer and written it down."""
    store = bot.get_cog("DailyPosts").planner.store
    for _ in range(200):
        post = await store.ledger.get(post_key(guild_id, day))
        if post is not None and post.status == "sent":
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"the post of {day} was never recorded as sent (last: {post})")


async def status_text(emulator: Emulator, sample) -> str:  # type: ignore[no-untyped-def]
    return (await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")).text()


async def test_403_disables_after_one_attempt_and_status_says_why(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    emulator.faults.forbid_channel(sample.general.id)  # a permission removed after set-up
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(post_calls(emulator, sample.general)) == 1, what="a try")
    await ticks(bot)
    clock.set(START + timedelta(days=1, hours=1))
    await ticks(bot)
    assert len(post_calls(emulator, sample.general)) == 1  # one attempt, then disabled
    text = await status_text(emulator, sample)
    assert "Off" in text and "403" in text and "Send Messages" in text


async def test_404_disables_after_one_attempt_and_other_servers_still_post(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    emulator.delete_channel(sample.general)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(post_calls(emulator, sample.general)) == 1, what="a try")
    clock.set(START + timedelta(days=1, hours=1))
    await ticks(bot)
    assert len(post_calls(emulator, sample.general)) == 1
    text = await status_text(emulator, sample)
    assert "Off" in text and "no longer exists" in text
    # Set again in another channel: it posts there.
    await set_daily(emulator, sample, channel=sample.announcements, time="15:00")
    clock.set(START + timedelta(days=1, hours=2))
    await emulator.wait_for(lambda: len(posts(emulator, sample.announcements)) == 1, what="post")


async def test_post_now_counts_as_todays_post(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    answer = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily post-now")
    assert "Today's topic is posted" in answer.text()
    assert len(posts(emulator, sample.general)) == 1
    again = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily post-now")
    assert "already posted" in again.text()
    clock.set(START + timedelta(hours=1, minutes=5))  # the scheduled time has passed
    await ticks(bot)
    assert len(posts(emulator, sample.general)) == 1
    clock.set(START + timedelta(days=1, hours=1))  # tomorrow's post is the next topic
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    titles = [p.embeds[0]["title"] for p in posts(emulator, sample.general)]
    topics = bot.content.catalog.default.topics
    assert titles == [topics[0].title, topics[1].title]


async def test_jump_changes_the_next_topic_and_preview_shows_it(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    topics = bot.content.catalog.default.topics
    await set_daily(emulator, sample)
    choices = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin daily jump", "topic", topics[5].title[:6]
    )
    assert topics[5].id in [choice["value"] for choice in choices]
    answer = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin daily jump", topic=topics[5].id
    )
    assert topics[5].title in answer.text()
    preview = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily preview")
    assert preview.ephemeral and preview.embed["title"] == topics[5].title
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    assert posts(emulator, sample.general)[0].embeds[0]["title"] == topics[5].title
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    assert posts(emulator, sample.general)[1].embeds[0]["title"] == topics[6].title


async def test_only_the_configured_role_is_pinged(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    sample.member_role.mentionable = True
    await launch(tick_interval=TICK)
    await set_daily(emulator, sample, ping_role=sample.member_role)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    assert set(post.pinged_role_ids) == {sample.member_role.id}
    assert not post.mention_everyone and not post.pinged_user_ids


async def test_bad_input_gets_clear_refusals(emulator: Emulator, sample, launch: Launch) -> None:
    sample.announcements.set_permissions(sample.guild.bot_role, deny=["embed_links"])
    await launch(tick_interval=TICK)
    cases = [
        ({"time": "25:61"}, "`25:61` is not a time"),
        ({"time": "9am"}, "`9am` is not a time"),
        ({"timezone": "Mars/Olympus"}, "`Mars/Olympus` is not a time zone"),
        ({"channel": sample.lounge}, "is not a text or announcement channel"),
        ({"channel": sample.announcements}, "I'm missing Embed Links there"),
        ({"ping_role": sample.member_role}, "make the role mentionable"),
    ]
    for options, expected in cases:
        answer = await set_daily(emulator, sample, **options)
        assert answer.ephemeral and expected in answer.text(), (options, answer.text())
    status = await status_text(emulator, sample)
    assert "No daily post is set up here" in status
    zones = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin daily set", "timezone", "kathm"
    )
    assert [choice["value"] for choice in zones] == ["Asia/Kathmandu"]
    # Someone without Manage Server, after a server admin opened the command to everyone.
    emulator.commands.find(None, "roadmap-admin").payload["default_member_permissions"] = None
    refused = await emulator.slash(
        sample.guild,
        sample.alice,
        "roadmap-admin daily set",
        {"channel": sample.general, **SET},
    )
    assert refused.text() == "You need the Manage Server permission for this."


async def test_removal_from_the_server_stops_the_schedule(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    emulator.remove_bot_from(sample.guild)
    planner = bot.get_cog("DailyPosts").planner  # type: ignore[union-attr]

    async def disabled() -> bool:
        schedule = await planner.store.schedule(sample.guild.id)
        return schedule is not None and not schedule.enabled

    for _ in range(200):
        if await disabled():
            break
        await ticks(bot, 1)
    assert await disabled()
    clock.set(START + timedelta(hours=1))
    await ticks(bot)
    assert post_calls(emulator, sample.general) == []
    # Kept for 30 days, then the retention tick deletes the server's data.
    clock.set(START + timedelta(days=29))
    await ticks(bot)
    assert await planner.store.schedule(sample.guild.id) is not None
    clock.set(START + timedelta(days=31))
    await ticks(bot)
    assert await planner.store.schedule(sample.guild.id) is None


async def test_history_search_finds_our_post_of_that_date_only(
    emulator: Emulator, sample, launch: Launch
) -> None:
    """After a crash too old to resend, the sender looks for the post in the channel."""
    bot = await launch(tick_interval=TICK)
    sender = bot.get_cog("DailyPosts").planner.sender  # type: ignore[union-attr]
    footer = {"text": "Topic of the day · 2026-03-03 · 4 of 60"}
    ours = emulator.add_stored_bot_message(
        sample.general, {"embeds": [{"title": "Loops", "footer": footer}]}
    )
    emulator.post_as(sample.alice, sample.general, "chatting after the post")
    found = await sender.find_daily_post(sample.general.id, date(2026, 3, 3))
    assert (found.kind, found.message_id) == ("sent", ours.id)
    other_day = await sender.find_daily_post(sample.general.id, date(2026, 3, 4))
    assert other_day.kind == "missing"
    emulator.faults.forbid_channel(sample.general.id)
    refused = await sender.find_daily_post(sample.general.id, date(2026, 3, 3))
    assert refused.kind == "refused" and "403" in (refused.reason or "")


async def test_off_stops_posting_until_set_again(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    off = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily off")
    assert off.ephemeral and "Daily posts are off" in off.text()
    clock.set(START + timedelta(hours=1))
    await ticks(bot)
    assert posts(emulator, sample.general) == []
    assert "turned off by a moderator" in await status_text(emulator, sample)
    await set_daily(emulator, sample, time="15:00")
    clock.set(START + timedelta(hours=2))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")


async def test_a_passing_5xx_is_retried_with_the_same_nonce_and_posts_once(
    emulator: Emulator, sample, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample)
    emulator.faults.server_error(
        "POST /channels/{channel_id}/messages", status=503, times=1, channel_id=sample.general.id
    )
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    calls = post_calls(emulator, sample.general)
    assert [call.status for call in calls] == [503, 200]
    assert calls[0].request["nonce"] == calls[1].request["nonce"]
    await recorded_as_sent(bot, sample.guild.id, date(2026, 3, 4))
    assert "2026-03-04` posted" in await status_text(emulator, sample)
