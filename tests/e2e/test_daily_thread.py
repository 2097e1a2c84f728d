"""The daily post's discussion thread end to end (`daily set ... thread:True`): checked at set-up
(Create Public Threads), opened on each day's post named after its topic and remembered on the
post's ledger row, opened once even when the bot dies between opening it and recording it, and
a thread Discord refuses never costs the post."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.store.daily import post_key
from tests.e2e.conftest import START, Launch
from tests.e2e.test_daily import TICK, posts, recorded_as_sent, set_daily, status_text
from tests.emulator.server import Emulator
from tests.emulator.world import PUBLIC_THREAD, StandardWorld

THREADS_ROUTE = "POST /channels/{channel_id}/messages/{message_id}/threads"
TODAY = date(2026, 3, 4)


def allow_threads(sample: StandardWorld) -> None:
    sample.general.set_permissions(sample.guild.bot_role, allow=["create_public_threads"])


def thread_calls(emulator: Emulator):  # type: ignore[no-untyped-def]
    return emulator.recorder.to(THREADS_ROUTE)


async def _row(bot, guild_id: int, day: date = TODAY):  # type: ignore[no-untyped-def]
    return await bot.get_cog("DailyPosts").planner.store.ledger.get(post_key(guild_id, day))


async def _thread_recorded(bot, guild_id: int) -> int:  # type: ignore[no-untyped-def]
    for _ in range(200):
        row = await _row(bot, guild_id)
        if row is not None and row.status == "sent" and row.thread_id is not None:
            return int(row.thread_id)
        await asyncio.sleep(0.025)
    raise AssertionError(f"no thread recorded on today's post (last: {row})")


async def test_set_refuses_a_thread_without_create_public_threads(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch(tick_interval=TICK)
    refused = await set_daily(emulator, sample, thread=True)
    assert "Create Public Threads" in refused.text()
    assert "daily status" not in refused.text()
    # Without the thread the same channel is fine.
    accepted = await set_daily(emulator, sample)
    assert "every day at" in accepted.text()
    assert "discussion thread" not in accepted.text()


async def test_each_post_opens_a_thread_named_after_its_topic(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock
) -> None:
    allow_threads(sample)
    bot = await launch(tick_interval=TICK)
    answer = await set_daily(emulator, sample, thread=True)
    assert "Each post opens a discussion thread named after its topic." in answer.text()
    assert "A discussion thread on each post" in await status_text(emulator, sample)

    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    thread_id = await _thread_recorded(bot, sample.guild.id)
    # What a member sees: the post carries its thread, named after the day's topic.
    thread = post.payload["thread"]
    assert int(thread["id"]) == thread_id == post.id
    assert thread["name"] == post.embeds[0]["title"]
    assert thread["type"] == PUBLIC_THREAD and int(thread["parent_id"]) == sample.general.id
    assert [call.status for call in thread_calls(emulator)] == [201]
    assert f"thread <#{thread_id}>" in await status_text(emulator, sample)

    # The next day's post opens its own thread.
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    second = posts(emulator, sample.general)[1]
    await emulator.wait_for(lambda: "thread" in second.payload, what="the second thread")
    assert second.payload["thread"]["name"] == second.embeds[0]["title"]
    assert len(thread_calls(emulator)) == 2


async def test_a_crash_after_the_thread_opened_does_not_open_a_second(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock
) -> None:
    allow_threads(sample)
    bot = await launch(tick_interval=TICK, stop_grace=0.2)
    await set_daily(emulator, sample, thread=True)
    # Discord opens the thread, then the bot stops before it hears back.
    emulator.faults.delay_answer(THREADS_ROUTE, seconds=30)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: "thread" in _first_payload(emulator, sample), what="thread")
    await bot.close()  # the send is cancelled: its row stays `sending`, attempted once

    # The restarted bot resends with the same nonce (Discord returns the first post) and asks
    # for the thread again: Discord says one exists (160004), and that is the one recorded.
    bot = await launch(tick_interval=TICK)
    thread_id = await _thread_recorded(bot, sample.guild.id)
    assert len(posts(emulator, sample.general)) == 1
    post = posts(emulator, sample.general)[0]
    assert thread_id == post.id == int(post.payload["thread"]["id"])
    calls = thread_calls(emulator)
    assert [call.status for call in calls][-1] == 400
    assert calls[-1].error_code == 160004
    threads = [c for c in emulator.world.channels.values() if c.type == PUBLIC_THREAD]
    assert [thread.id for thread in threads] == [post.id]


def _first_payload(emulator: Emulator, sample: StandardWorld) -> dict:  # type: ignore[type-arg]
    found = posts(emulator, sample.general)
    return found[0].payload if found else {}


async def test_a_refused_thread_never_costs_the_post(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock
) -> None:
    allow_threads(sample)
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample, thread=True)
    # The permission is taken away after set-up.
    sample.general.set_permissions(sample.guild.bot_role, deny=["create_public_threads"])
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    await recorded_as_sent(bot, sample.guild.id, TODAY)
    row = await _row(bot, sample.guild.id)
    assert row is not None and row.thread_id is None
    assert [call.status for call in thread_calls(emulator)] == [403]
    post = posts(emulator, sample.general)[0]
    assert "thread" not in post.payload
    status = await status_text(emulator, sample)
    assert "2026-03-04` posted" in status


async def test_a_crash_before_the_thread_opens_it_once_the_post_is_found_again(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock
) -> None:
    allow_threads(sample)
    bot = await launch(tick_interval=TICK, stop_grace=0.2)
    await set_daily(emulator, sample, thread=True)
    # Discord stores the post, then the bot stops before it hears back: no thread yet.
    emulator.faults.delay_answer(
        "POST /channels/{channel_id}/messages", seconds=30, channel_id=sample.general.id
    )
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    await bot.close()
    assert thread_calls(emulator) == []

    # Restarted past the nonce window: the post is not resent but found in the channel's
    # history, and its thread is opened then.
    clock.set(START + timedelta(hours=1, minutes=10))
    bot = await launch(tick_interval=TICK)
    thread_id = await _thread_recorded(bot, sample.guild.id)
    [post] = posts(emulator, sample.general)
    assert thread_id == post.id and post.payload["thread"]["name"] == post.embeds[0]["title"]
    assert [call.status for call in thread_calls(emulator)] == [201]
    history = emulator.recorder.to(
        "GET /channels/{channel_id}/messages", channel_id=sample.general.id
    )
    assert history, "the post was not looked for in the channel"


async def test_the_guided_setup_keeps_the_thread_and_daily_set_without_it_turns_it_off(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    allow_threads(sample)
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample, thread=True)
    planner = bot.get_cog("DailyPosts").planner
    # The guided setup does not ask about the thread (it calls configure without it).
    kept = await planner.configure(sample.guild.id, sample.general.id, "10:00", "Europe/Berlin")
    assert kept.open_thread and kept.local_time.hour == 10
    await set_daily(emulator, sample)  # daily set without thread: no thread
    assert "Thread\nOff" in await status_text(emulator, sample)
    schedule = await planner.store.schedule(sample.guild.id)
    assert schedule is not None and not schedule.open_thread
