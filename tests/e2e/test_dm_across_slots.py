"""A reminder DM's buttons for a server on another slot (issue 18).

Discord sends every DM's interactions to shard 0, so slot 0's process answers them, while the
server's events (and its cache) live in the process of its own shard. Two slots on one
PostgreSQL database: Done, Skip and Stop reminders pressed in a DM for a server on shard 2 or 3
act in that server; a stage finished that way still gets its reward role; only Discord saying
the bot is gone (404 Unknown Guild) makes the answer "no longer in the server". The server is
fetched once for several presses. The emulator sends the DM's events to shard 0 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bot.app import ShardedStudyBot
from bot.cogs.reminder_buttons import LEFT_SERVER
from bot.records import DONE, SKIPPED
from bot.render.custom_ids import ReminderMemberButton, ReminderTopicButton
from bot.roadmap.catalog import Catalog
from bot.sharding import shard_of
from tests.e2e.test_shards import LAYOUT, SHARDS, limited, processes  # noqa: F401
from tests.emulator.messages import StoredMessage
from tests.emulator.server import Emulator
from tests.emulator.world import Guild, Member, Role

GET_GUILD = "GET /guilds/{guild_id}"
GET_MEMBER = "GET /guilds/{guild_id}/members/{user_id}"
ADD_ROLE = "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}"


@pytest.fixture
def far_guild(limited: Emulator) -> Guild:  # noqa: F811
    """A server on slot 1's shards (2 or 3), not shard 0's."""
    return next(g for g in limited.world.guilds.values() if shard_of(g.id, SHARDS) in (2, 3))


@pytest.fixture
async def slots(
    limited: Emulator,  # noqa: F811
    postgres_migrated_database: str,
    shipped_catalog: Catalog,
    far_guild: Guild,
) -> AsyncIterator[list[ShardedStudyBot]]:
    plans = [LAYOUT.plan(0), LAYOUT.plan(1)]
    async with processes(limited, postgres_migrated_database, shipped_catalog, plans) as bots:
        # The premise: the DM's press lands where the server is not cached.
        assert bots[0].get_guild(far_guild.id) is None
        assert bots[1].get_guild(far_guild.id) is not None
        yield bots
    # Every request (the fetches too) a route Discord has, its answer shaped as Discord's.
    assert limited.unknown_routes == [] and limited.schema_problems == []


async def reminder_dm(
    emu: Emulator,
    sender: discord.Client,
    member: Member,
    buttons: list[tuple[str, ReminderTopicButton | ReminderMemberButton]],
) -> StoredMessage:
    """A DM with the reminder's buttons, sent by the server's own slot as its reminder is."""
    view = discord.ui.View(timeout=None)
    for label, spec in buttons:
        view.add_item(discord.ui.Button(label=label, custom_id=spec.custom_id))
    user = await sender.fetch_user(member.user.id)
    await user.send("Your daily reminder", view=view)
    return emu.dms(member)[-1]


async def test_dm_presses_act_in_a_server_of_the_other_slot(
    limited: Emulator,  # noqa: F811
    slots: list[ShardedStudyBot],
    far_guild: Guild,
    shipped_catalog: Catalog,
) -> None:
    member = far_guild.add_member("far-member")
    roadmap = shipped_catalog.default
    first, second = roadmap.topics[:2]
    dm = await reminder_dm(
        limited,
        slots[1],
        member,
        [
            ("Done", ReminderTopicButton(ReminderTopicButton.DONE, far_guild.id, member.id,
                                         roadmap.id, first.id)),
            ("Skip", ReminderTopicButton(ReminderTopicButton.SKIP, far_guild.id, member.id,
                                         roadmap.id, second.id)),
            ("Stop reminders", ReminderMemberButton(ReminderMemberButton.STOP, far_guild.id,
                                                    member.id)),
        ],
    )  # fmt: skip
    done = await limited.click(dm, "Done", member)
    assert done.ephemeral and f"In **{far_guild.name}**:" in done.text(), done.text()
    skip = await limited.click(dm, "Skip", member)
    assert f"In **{far_guild.name}**:" in skip.text(), skip.text()
    stop = await limited.click(dm, "Stop reminders", member)
    assert far_guild.name in stop.text(), stop.text()

    standing = await slots[1].services.study.standing(far_guild.id, member.id, roadmap)
    assert (standing.status_of(first.id), standing.status_of(second.id)) == (DONE, SKIPPED)
    # Three presses, one fetch of the server (kept a minute).
    assert len(limited.recorder.to(GET_GUILD, guild_id=far_guild.id)) == 1
    # The emulator sent the DM's events (the presses, the DM itself) to shard 0 only, as Discord.
    gateway = limited.gateway
    dm_events = [
        (gateway.sessions[session].shard, frame["t"])
        for session, frame in gateway.sent
        if frame["t"] in ("INTERACTION_CREATE", "MESSAGE_CREATE") and "guild_id" not in frame["d"]
    ]
    assert dm_events.count(((0, SHARDS), "INTERACTION_CREATE")) == 3
    assert {shard for shard, _event in dm_events} == {(0, SHARDS)}, dm_events


async def test_only_discord_saying_the_bot_left_answers_no_longer_in_the_server(
    limited: Emulator,  # noqa: F811
    slots: list[ShardedStudyBot],
    far_guild: Guild,
    shipped_catalog: Catalog,
) -> None:
    member = far_guild.add_member("far-member")
    roadmap = shipped_catalog.default
    topic = roadmap.topics[0]
    spec = ReminderTopicButton(
        ReminderTopicButton.DONE, far_guild.id, member.id, roadmap.id, topic.id
    )
    dm = await reminder_dm(limited, slots[1], member, [("Done", spec)])
    # The bot removed from the server, its slot not told yet: GET /guilds/{id} answers 404
    # Unknown Guild (what Discord answers since 2023 whether or not the server exists).
    del far_guild.members[limited.world.bot.id]
    gone = await limited.click(dm, "Done", member)
    assert gone.text() == LEFT_SERVER
    [fetch] = limited.recorder.to(GET_GUILD, guild_id=far_guild.id)
    assert fetch.status == 404 and fetch.response["code"] == 10004
    standing = await slots[1].services.study.standing(far_guild.id, member.id, roadmap)
    assert standing.status_of(topic.id) is None  # nothing recorded


async def press_the_stages_last_done_in_a_dm(
    emulator: Emulator,
    slots: list[ShardedStudyBot],
    far_guild: Guild,
    catalog: Catalog,
    *,
    member: Member,
    graduate: Role,
) -> None:
    """The first stage rewarded with `graduate` (set on slot 1, whose server it is), all its
    topics but the last done, then Done pressed on the last one in a reminder DM (slot 0)."""
    roadmap = catalog.default
    stage = roadmap.stages[0]
    *before, last = stage.topics
    services = slots[1].services
    await services.servers.set_reward(far_guild.id, roadmap, stage.id, graduate.id)
    for topic in before:
        await services.study.mark(far_guild.id, member.id, roadmap, topic.id, DONE)
    spec = ReminderTopicButton(
        ReminderTopicButton.DONE, far_guild.id, member.id, roadmap.id, last.id
    )
    dm = await reminder_dm(emulator, slots[1], member, [("Done", spec)])
    done = await emulator.click(dm, "Done", member)
    assert f"In **{far_guild.name}**:" in done.text(), done.text()


async def test_a_stage_finished_from_a_dm_on_the_other_slot_gives_its_role(
    limited: Emulator,  # noqa: F811
    slots: list[ShardedStudyBot],
    far_guild: Guild,
    shipped_catalog: Catalog,
) -> None:
    member = far_guild.add_member("far-member")
    graduate = far_guild.add_role("Basics graduate")
    await press_the_stages_last_done_in_a_dm(
        limited, slots, far_guild, shipped_catalog, member=member, graduate=graduate
    )
    await limited.wait_for(lambda: graduate in member.roles, what="the reward role")
    [change] = limited.role_changes
    assert (change.guild_id, change.user_id, change.role_id) == (
        far_guild.id,
        member.id,
        graduate.id,
    )
    # The server, the bot's member and the presser's fetched once each, by slot 0's process.
    assert len(limited.recorder.to(GET_GUILD, guild_id=far_guild.id)) == 1
    fetched = [c.params["user_id"] for c in limited.recorder.to(GET_MEMBER)]
    assert sorted(fetched) == sorted([str(limited.world.bot.id), str(member.id)])
    assert [c.status for c in limited.recorder.to(ADD_ROLE, guild_id=far_guild.id)] == [204]


async def test_a_role_held_already_is_not_given_again_nor_recorded_from_a_dm(
    limited: Emulator,  # noqa: F811
    slots: list[ShardedStudyBot],
    far_guild: Guild,
    shipped_catalog: Catalog,
) -> None:
    """A DM's presser is a user, not a member: the member's roles come over REST, so a role
    given by hand is neither requested again nor recorded as the bot's (an Undo would take it)."""
    graduate = far_guild.add_role("Basics graduate")
    member = far_guild.add_member("far-member", roles=[graduate])
    await press_the_stages_last_done_in_a_dm(
        limited, slots, far_guild, shipped_catalog, member=member, graduate=graduate
    )
    await limited.wait_for(
        lambda: bool(limited.recorder.to(GET_MEMBER, user_id=member.id)), what="the member"
    )
    store = slots[0].wiring.moderation.store
    roadmap = shipped_catalog.default
    assert await store.grant(far_guild.id, member.id, roadmap.id, roadmap.stages[0].id) is None
    assert limited.recorder.to(ADD_ROLE) == [] and limited.role_changes == []
