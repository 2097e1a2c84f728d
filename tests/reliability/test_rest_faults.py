"""REST faults: 429 storms (on routes and global) and 5xx, once and repeatedly.

Whatever Discord answers, every command is answered exactly once (a retried answer that had
gone through would be refused with 40060), no write is doubled, and the bot keeps the number of
invalid requests far below Discord's ban threshold.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.audit import assert_few_invalid_requests, assert_nothing_pings

SYNC = "PUT /applications/{application_id}/commands"
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "POST /webhooks/{webhook_id}/{webhook_token}"


def no_second_answers(emulator: Emulator) -> None:
    refused = [call for call in emulator.recorder.to(CALLBACK) if call.error_code == 40060]
    assert not refused, f"answered twice: {refused}"


async def test_the_bot_starts_through_429s_on_its_route_and_the_global_limit(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    emulator.faults.rate_limit(SYNC, retry_after=0.05, times=2)
    emulator.faults.global_rate_limit(20, window=0.1)  # 2 requests per 0.1 s
    await launch()
    statuses = [call.status for call in emulator.recorder.to(SYNC)]
    assert statuses[-1] == 200 and statuses.count(200) == 1 and statuses.count(429) >= 2
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == "Syntax and data types"
    assert_few_invalid_requests(emulator)


async def test_a_storm_of_429s_and_5xx_on_answers_while_many_members_press_buttons(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    members = [sample.guild.add_member(f"learner{n}") for n in range(12)]
    await launch()
    cards = await asyncio.gather(
        *(emulator.slash(sample.guild, member, "roadmap next") for member in members)
    )
    # Now every other answer is refused once with a 429, and a few with a 500 after that.
    emulator.faults.rate_limit(CALLBACK, retry_after=0.05, times=len(members) // 2)
    emulator.faults.server_error(CALLBACK, status=500, times=3)
    pressed = await asyncio.gather(
        *(emulator.click(card, "Done", member) for card, member in zip(cards, members, strict=True))
    )
    for result in pressed:
        assert "**Syntax and data types** done." in result.content
        assert result.embed["title"] == "Functions"
    assert sum(1 for call in emulator.recorder.to(CALLBACK) if call.status == 429) == 6
    assert sum(1 for call in emulator.recorder.to(CALLBACK) if call.status == 500) == 3
    no_second_answers(emulator)
    for member in members[:3]:
        progress = await emulator.slash(sample.guild, member, "roadmap progress")
        assert "1 of 20 topics done" in progress.embed["description"]
    assert_nothing_pings(emulator)
    assert_few_invalid_requests(emulator)


async def test_a_followup_retried_through_429s_arrives_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    owner = sample.guild.add_existing_user(sample.world.owner)
    await launch(dev_guild_id=sample.guild.id)
    emulator.faults.rate_limit(FOLLOWUP, retry_after=0.05, times=3)
    answer = await emulator.slash(sample.guild, owner, "roadmap-owner reload")
    assert answer.embed["title"] == "Content reloaded"
    assert len(answer.followups) == 1
    assert [call.status for call in emulator.recorder.to(FOLLOWUP)] == [429, 429, 429, 200]


async def test_an_answer_failing_with_5xx_past_discords_deadline_is_dropped_cleanly(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await launch()
    # Two 502s in a row: discord.py retries after 1 s and 3 s, past the 3 s Discord gives a
    # first answer, so the member sees "did not respond"; the bot logs it and carries on.
    emulator.faults.server_error(CALLBACK, status=502, times=2)
    with caplog.at_level(logging.WARNING):
        lost = await emulator.slash(
            sample.guild, sample.alice, "roadmap done", topic="http", until="any", within=10
        )
        await emulator.wait_for(
            lambda: any("could not answer /roadmap done" in r.getMessage() for r in caplog.records),
            within=10,
            what="the bot to log that the answer came too late",
        )
    assert lost.refused and lost.refused[0][1]["code"] == 10062
    # The member runs it again: answered, and the topic is done once.
    again = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    assert "HTTP and HTTPS" in again.text()
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in progress.embed["description"]
    assert_few_invalid_requests(emulator)
