"""Scheduled messages through faults. Daily posts to many servers: a global 429 storm, route
429s and a 5xx during the fan-out, a gateway reconnect in the middle of it, a channel deleted
and a permission removed mid-day; every healthy server gets exactly one post per local date, the
broken ones are turned off after one attempt with the reason in `daily status`, the others are
not held up. Reminders to many members, some with DMs closed: the same, per member.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.schedule.pacer import RestGate, RestPacer
from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_daily import posts, ticks
from tests.emulator.server import Emulator
from tests.emulator.world import Channel, Member, StandardWorld
from tests.reliability.audit import assert_few_invalid_requests, assert_nothing_pings

SERVERS = 8
TICK = 0.05
POST = "POST /channels/{channel_id}/messages"
SET = {"time": "14:00", "timezone": "Europe/Berlin"}  # 13:00 UTC on START's day


def day(number: int) -> timedelta:
    """From START (12:00 UTC) to 14:00 Berlin on day `number` (0 = START's day)."""
    return timedelta(days=number, hours=1)


async def test_a_fan_out_through_429s_5xx_a_reconnect_a_deleted_channel_and_a_lost_permission(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    servers: list[tuple[Member, Channel]] = [(sample.mod, sample.general)]
    for number in range(SERVERS - 1):
        guild = sample.world.add_guild(f"Server {number}")
        mod = guild.add_member(f"mod{number}", permissions=["manage_guild"])
        servers.append((mod, guild.add_text_channel("daily")))
    bot = await launch(tick_interval=TICK)
    for mod, channel in servers:
        answer = await emulator.slash(
            mod.guild, mod, "roadmap-admin daily set", {"channel": channel, **SET}
        )
        assert "every day at" in answer.text(), answer.text()

    async def post_day(number: int, channels: list[Channel], *, expected: int) -> None:
        clock.set(START + day(number))
        await emulator.wait_for(
            lambda: all(len(posts(emulator, c)) == expected for c in channels),
            within=20,
            what=f"day {number}'s posts",
        )

    await post_day(0, [c for _, c in servers], expected=1)

    # Mid-day: one server deletes its channel, another takes Send Messages from the bot.
    (_, deleted), (mod_denied, denied), *healthy = servers
    emulator.delete_channel(deleted)
    denied.set_permissions(mod_denied.guild.bot_role, deny=["send_messages"])
    emulator.changed(denied)
    # The next fan-out meets Discord at its worst: its real global limit, 429s on one
    # channel, a 500 on another, and a gateway RECONNECT while the posts go out.
    emulator.faults.global_rate_limit(50)
    emulator.faults.rate_limit(POST, retry_after=0.05, times=2, channel_id=healthy[0][1].id)
    emulator.faults.server_error(POST, status=500, times=1, channel_id=healthy[1][1].id)
    clock.set(START + day(1))
    await emulator.gateway.reconnect()
    await post_day(1, [c for _, c in healthy], expected=2)
    await ticks(bot)

    await post_day(2, [c for _, c in healthy], expected=3)
    await ticks(bot)

    for _, channel in healthy:
        dates = Counter(m.embeds[0]["footer"]["text"] for m in posts(emulator, channel))
        assert len(dates) == 3 and set(dates.values()) == {1}, dates  # one post per date
        nonces = [m.nonce for m in posts(emulator, channel)]
        assert len(set(nonces)) == 3
    for mod, channel, reason in (
        (servers[0][0], deleted, "no longer exists"),
        (mod_denied, denied, "Send Messages"),
    ):
        attempts = emulator.recorder.to(POST, channel_id=channel.id)
        assert len(attempts) <= 2, attempts  # day 0's post, then at most one try
        assert len(posts(emulator, channel)) == 1
        status = await emulator.slash(mod.guild, mod, "roadmap-admin daily status")
        assert "Off" in status.text() and reason in status.text(), status.text()
    statuses = [c.status for c in emulator.recorder.to(POST, channel_id=healthy[0][1].id)]
    assert statuses.count(429) == 2 and statuses.count(200) == 3
    statuses = [c.status for c in emulator.recorder.to(POST, channel_id=healthy[1][1].id)]
    assert statuses.count(500) == 1 and statuses.count(200) == 3
    assert sum(session.resumes for session in emulator.gateway.sessions.values()) == 1
    limited = [c for c in emulator.calls if c.status == 429]
    assert len(limited) == 2, [str(c) for c in limited]  # only the injected ones: paced
    assert_nothing_pings(emulator)
    assert_few_invalid_requests(emulator)


def reminders(emulator: Emulator, member: Member) -> list[str]:
    """The nonces of the reminders a member received: one per member and local date."""
    return [str(m.nonce) for m in emulator.dms(member) if "daily reminder" in m.content]


async def test_reminders_to_many_members_through_closed_dms_429s_and_a_reconnect(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    learners = [sample.guild.add_member(f"learner{n}") for n in range(12)]
    closed = learners[:3]
    bot = await launch(tick_interval=TICK)
    for member in learners:
        await emulator.slash(sample.guild, member, "roadmap remind set", **SET)
    for member in closed:
        member.user.dms_open = False  # Discord answers 403 / 50007 to a DM

    emulator.faults.global_rate_limit(50)
    emulator.faults.rate_limit(POST, retry_after=0.05, times=3)
    clock.set(START + day(0))
    await emulator.gateway.reconnect()
    open_ = learners[len(closed) :]
    await emulator.wait_for(
        lambda: all(len(reminders(emulator, m)) == 1 for m in open_), within=20, what="day 0"
    )
    for number in (1, 2):
        clock.set(START + day(number))
        await emulator.wait_for(
            lambda n=number: all(len(reminders(emulator, m)) == n + 1 for m in open_),
            within=20,
            what=f"day {number}",
        )
    await ticks(bot)

    refused = [c for c in emulator.calls if c.error_code == 50007]
    assert len(refused) == len(closed)  # one attempt each, then their reminder is off
    for member in closed:
        # Only the confirmation DM of `remind set` (sent before their DMs were closed).
        assert reminders(emulator, member) == []
        answer = await emulator.slash(sample.guild, member, "roadmap remind off")
        assert "no daily reminder" in answer.text() and "could not send you a DM" in answer.text()
    for member in open_:
        assert len(set(reminders(emulator, member))) == 3  # one a day, never twice
    assert_nothing_pings(emulator)
    assert emulator.rate_limited_count == 3  # the injected ones; the pacer kept under 50/s
    assert_few_invalid_requests(emulator, bound=len(closed) + 3)


async def test_a_fan_out_bunched_past_the_pacer_never_breaks_the_global_limit(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    """The pacer is set far too fast (200/s) against a server allowing 5 requests per 0.5 s:
    the gate alone must keep every window under the limit, from the bot's start to the last
    post, and each server still gets its post once."""
    emulator.faults.global_rate_limit(10, window=0.5)
    servers: list[tuple[Member, Channel]] = [(sample.mod, sample.general)]
    for number in range(24):
        guild = sample.world.add_guild(f"Server {number}")
        mod = guild.add_member(f"mod{number}", permissions=["manage_guild"])
        servers.append((mod, guild.add_text_channel("daily")))
    bot = await launch(
        tick_interval=TICK, rest_gate=RestGate(5, 0.5), rest_pacer=RestPacer(200, burst=50)
    )
    for mod, channel in servers:
        answer = await emulator.slash(
            mod.guild, mod, "roadmap-admin daily set", {"channel": channel, **SET}
        )
        assert "every day at" in answer.text(), answer.text()
    channels = [channel for _, channel in servers]
    clock.set(START + day(0))
    await emulator.wait_for(
        lambda: all(len(posts(emulator, c)) == 1 for c in channels), within=30, what="the posts"
    )
    await ticks(bot)
    assert emulator.rate_limited_count == 0, [str(c) for c in emulator.calls if c.status == 429]
    assert bot.rest_gate.held > 0  # the gate, not luck, kept the windows under the limit
    assert all(len(posts(emulator, c)) == 1 for c in channels)
