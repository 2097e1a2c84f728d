"""Gateway faults: RECONNECT, INVALID_SESSION (resumable and not), a close, a cut connection,
and malformed frames (logged as one escaped line and skipped, or resumed past).

After each the bot is back, commands answer, a command sent while it was away is answered once
(Discord replays it on RESUME), and nothing that runs once per process (command sync,
background work) ran again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.app import StudyBot
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.audit import assert_few_invalid_requests, assert_nothing_pings

SYNC = "PUT /applications/{application_id}/commands"
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


async def back_again(emulator: Emulator, bot: StudyBot) -> None:
    await emulator.wait_for(
        lambda: emulator.gateway.connected and bot.is_ready() and not bot.is_closed(),
        within=20,
        what="the bot to be connected again",
    )


async def answered_once(emulator: Emulator, interaction_id: int) -> None:
    def callbacks() -> list[object]:
        return [
            call
            for call in emulator.recorder.to(CALLBACK, interaction_id=interaction_id)
            if call.status < 300
        ]

    await emulator.wait_for(callbacks, within=20, what="the answer to the replayed command")
    await asyncio.sleep(0.1)  # a second answer would come right behind the first
    assert len(callbacks()) == 1


Fault = Callable[[Emulator], Awaitable[None]]

RESUMABLE: dict[str, Fault] = {
    "reconnect": lambda emulator: emulator.gateway.reconnect(),
    "invalid session, resumable": lambda emulator: emulator.gateway.invalidate_session(
        resumable=True
    ),
    "close 4000": lambda emulator: emulator.gateway.close(4000),
    "connection cut": lambda emulator: emulator.gateway.drop(),
}


async def test_after_every_resumable_fault_the_bot_resumes_and_answers_what_it_missed(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="bot"):
        bot = await launch()
        card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
        for name, fault in RESUMABLE.items():
            resumes = sum(session.resumes for session in emulator.gateway.sessions.values())
            await fault(emulator)
            # A member presses Done at that very moment: the click waits for the RESUME.
            pressed = await emulator.click(card, "Done", sample.alice, within=20)
            assert "** done." in pressed.content, name
            await answered_once(emulator, pressed.state.id)
            await back_again(emulator, bot)
            now = sum(session.resumes for session in emulator.gateway.sessions.values())
            assert now == resumes + 1, f"{name}: the bot did not RESUME"
            card = pressed

    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert f"{len(RESUMABLE)} of 20 topics done" in progress.embed["description"]
    assert emulator.gateway.identifies == 1
    assert len(emulator.recorder.to(SYNC)) == 1  # never synced again on a reconnect
    started = [r.getMessage() for r in caplog.records if r.getMessage().startswith("started ")]
    assert len(started) == len(set(started)) >= 1  # background work started once
    assert_nothing_pings(emulator)
    assert_few_invalid_requests(emulator, bound=0)


async def test_a_session_that_cannot_resume_identifies_again_and_serves_members(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    await emulator.gateway.invalidate_session(resumable=False)
    # discord.py waits 5 s before a new IDENTIFY (Discord's pacing); events of the dead
    # session are gone, as on Discord, so the member simply runs the command again then.
    await emulator.wait_for(lambda: emulator.gateway.identifies == 2, within=20, what="IDENTIFY")
    await back_again(emulator, bot)
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in progress.embed["description"]
    assert len(emulator.recorder.to(SYNC)) == 1
    assert_few_invalid_requests(emulator, bound=0)


async def test_a_stop_while_a_new_session_gathers_its_servers_leaves_no_ready_behind(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    """discord.py dispatches on_ready only once the new session's servers have arrived (a task
    that waits guild_ready_timeout after the last). A stop in that wait must end it: left
    running, it marked the closed bot ready again and dispatched on_ready on the loop the
    closed client had let go (its task failed, and the event's coroutine was never awaited)."""
    bot = await launch()
    state = bot._connection
    state.guild_ready_timeout = 2.0  # a wide window to stop in (the launch uses 0.05 s)
    await emulator.gateway.invalidate_session(resumable=False)
    await emulator.wait_for(lambda: emulator.gateway.identifies == 2, within=20, what="IDENTIFY")
    await emulator.wait_for(lambda: state._ready_task, within=5, what="the new READY")
    gathering = state._ready_task
    assert gathering is not None and not gathering.done()
    await bot.close()
    await asyncio.sleep(0.1)  # the cancelled task ends at once
    assert gathering.done() and (gathering.cancelled() or gathering.exception() is None)
    assert not bot.is_ready()


#: Frames a broken proxy or a bug on Discord's side could send, each of which ended the process
#: (exit 1) before bot/gateway_guard.py: name -> how to send it (returns connections reached).
MALFORMED: dict[str, Callable[[Emulator, StandardWorld], int]] = {
    "a role event without guild_id": lambda emulator, world: emulator.gateway.dispatch_malformed(
        "GUILD_ROLE_CREATE", {"role": {"id": "1", "name": "x\nforged line"}}
    ),
    "a member update without guild_id": lambda emulator, world: emulator.gateway.dispatch_malformed(
        "GUILD_MEMBER_UPDATE", {"user": {"id": str(world.alice.id)}, "roles": []}
    ),
    "an empty INTERACTION_CREATE": lambda emulator, world: emulator.gateway.dispatch_malformed(
        "INTERACTION_CREATE", {}
    ),
    "truncated JSON": lambda emulator, world: emulator.gateway.send_raw(
        '{"op": 0, "t": "MESSAGE_CREATE", "s": 999, "d": {"content": "\x1b[31mred'
    ),
    "JSON that is not an object": lambda emulator, world: emulator.gateway.send_raw("[1, 2]"),
    "a binary frame that is not zlib": lambda emulator, world: emulator.gateway.send_raw(
        b"\x00\x01 not zlib at all \x1b[2J" + b"\x00\x00\xff\xff"
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
async def test_a_malformed_frame_is_logged_and_skipped_and_the_bot_answers_after_it(
    name: str,
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        bot = await launch()
        await emulator.slash(sample.guild, sample.alice, "roadmap next")
        caplog.clear()
        assert MALFORMED[name](emulator, sample) == 1
        # The process keeps going (the same session, or a resumed one) and answers.
        progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress", within=15)
        assert "0 of 20 topics done" in progress.embed["description"]
        await back_again(emulator, bot)
        again = await emulator.slash(sample.guild, sample.bob, "roadmap next")
        assert again.embed["title"] == "Syntax and data types"
    lines = [r.getMessage() for r in caplog.records if "malformed gateway frame" in r.getMessage()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert "\n" not in line and "\x1b" not in line, line  # escaped: one line, no terminal codes
    assert len(line) < 600, line  # an excerpt, not the whole frame
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert not bot.is_closed()
    assert emulator.gateway.identifies == 1  # never a new session: skipped, or resumed
    assert_few_invalid_requests(emulator, bound=0)


async def test_a_huge_malformed_frame_is_logged_as_a_short_excerpt(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        await launch()
        emulator.gateway.dispatch_malformed("INTERACTION_CREATE", {"junk": "y" * 100_000})
        emulator.gateway.send_raw('{"op": 0, "d": "' + "z" * 100_000)
        await emulator.wait_for(
            lambda: sum("malformed gateway frame" in r.getMessage() for r in caplog.records) == 2,
            within=10,
            what="two log lines",
        )
        progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in progress.embed["description"]
    for record in caplog.records:
        assert len(record.getMessage()) < 600
