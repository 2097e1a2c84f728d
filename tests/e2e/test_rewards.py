"""`/roadmap-admin reward ...`: a role for finishing a stage, given through commands and buttons;
refusals for roles the bot or the moderator may not give; list and remove; failures logged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.interactions import InteractionResult
from tests.emulator.server import Emulator
from tests.emulator.world import Member, Role, StandardWorld, permission_value

WEB = ("http", "rest-apis", "json-and-xml")  # every topic of stage 2, web-fundamentals
BASICS = ("syntax-and-data-types", "functions", "file-handling", "error-handling")
REWARD_LOG = "bot.cogs.rewards"
ROLE_ROUTE = "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}"


@pytest.fixture
def graduate(sample: StandardWorld) -> Role:
    """A plain role below the Moderator role (and so below the bot's)."""
    return sample.guild.add_role("Web graduate", position=sample.moderator_role.position - 1)


@pytest.fixture(autouse=True)
def moderators_manage_roles(sample: StandardWorld) -> None:
    """Moderators may give roles, as they usually can on a real server."""
    sample.moderator_role.permissions |= permission_value(["manage_roles"])


async def finish(
    emulator: Emulator, sample: StandardWorld, member: Member, topics: Sequence[str]
) -> None:
    for topic in topics:
        await emulator.slash(sample.guild, member, "roadmap done", topic=topic)


async def set_reward(
    emulator: Emulator, sample: StandardWorld, stage: str, role: Role, **more: str
) -> InteractionResult:
    return await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage=stage, role=role, **more
    )


async def test_finishing_a_stage_with_commands_gives_the_role_without_a_ping(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    answer = await set_reward(emulator, sample, "web-fundamentals", graduate)
    assert answer.ephemeral
    assert answer.content == (
        "Members who finish **2. Understand web development fundamentals** from now on get "
        f"<@&{graduate.id}>."
    )
    assert answer.message.pinged_role_ids == []

    await finish(emulator, sample, sample.alice, WEB[:2])
    assert graduate not in sample.alice.roles  # two of three topics: not yet
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=WEB[2])

    await emulator.wait_for(lambda: graduate in sample.alice.roles, what="the reward role")
    [change] = emulator.role_changes
    assert (change.user_id, change.role_id, change.added) == (sample.alice.id, graduate.id, True)
    assert graduate not in sample.bob.roles
    every_message = emulator.messages(sample.general, include_ephemeral=True)
    assert all(not m.pinged_role_ids and not m.pinged_user_ids for m in every_message)


async def test_finishing_a_stage_with_the_done_button_gives_the_role(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    await set_reward(emulator, sample, "1", graduate)  # a stage by its number works too
    await finish(emulator, sample, sample.bob, BASICS[:3])
    card = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert "Error handling" in card.text()

    await emulator.click(card, "Done", sample.bob)

    await emulator.wait_for(lambda: graduate in sample.bob.roles, what="the reward role")
    assert [(c.user_id, c.role_id) for c in emulator.role_changes] == [(sample.bob.id, graduate.id)]


async def test_stages_without_a_reward_give_nothing(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    await set_reward(emulator, sample, "web-fundamentals", graduate)
    await finish(emulator, sample, sample.alice, BASICS)
    await emulator.slash(sample.guild, sample.alice, "roadmap progress")  # one more round trip
    assert graduate not in sample.alice.roles
    assert not emulator.recorder.to(ROLE_ROUTE)
    await finish(emulator, sample, sample.alice, WEB)
    await emulator.wait_for(lambda: graduate in sample.alice.roles, what="the reward role")


@pytest.mark.parametrize(
    ("change_world", "expected"),
    [
        (
            lambda sample, role: sample.guild.set_bot_permissions(
                ["view_channel", "send_messages"]
            ),
            "I need the Manage Roles permission to give reward roles.",
        ),
        (
            lambda sample, role: setattr(role, "position", sample.guild.bot_role.position + 1),
            "is at or above my highest role",
        ),
    ],
    ids=["without-manage-roles", "role-above-the-bot"],
)
async def test_a_role_the_bot_cannot_give_is_refused_and_nothing_saved(
    *,
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    graduate: Role,
    change_world,
    expected: str,
) -> None:
    change_world(sample, graduate)
    await launch()
    answer = await set_reward(emulator, sample, "web-fundamentals", graduate)
    assert answer.ephemeral and expected in answer.content
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert "No stage gives a role yet." in listed.embed["description"]


async def test_everyone_managed_and_powerful_roles_are_refused(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    admins = sample.guild.add_role("Admins", permissions=["administrator"], position=1)
    await launch()
    everyone = await set_reward(emulator, sample, "basics", sample.guild.everyone)
    assert everyone.content == "Every member already has that role; choose another one."
    managed = await set_reward(emulator, sample, "basics", sample.guild.bot_role)
    assert "is managed by a bot, an integration or Server Boosting" in managed.content
    powerful = await set_reward(emulator, sample, "basics", admins)
    assert powerful.content == (
        f"<@&{admins.id}> carries moderator permissions (Administrator). Members mark topics "
        "themselves, so a reward role must not: choose another role."
    )
    assert all(not r.message.pinged_role_ids for r in (everyone, managed, powerful))


async def test_a_moderator_may_only_choose_a_role_they_could_give(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    senior = sample.guild.add_role("Senior", position=sample.moderator_role.position + 1)
    helper = sample.guild.add_member("helper", permissions=["manage_guild"])
    await launch()
    above = await set_reward(emulator, sample, "basics", senior)
    assert above.content == (
        f"<@&{senior.id}> is at or above your highest role; choose a role you could give yourself."
    )
    answer = await emulator.slash(
        sample.guild, helper, "roadmap-admin reward set", stage="basics", role=sample.member_role
    )
    assert answer.content.startswith("You need the Manage Roles permission to choose a reward")
    owner = sample.guild.members[sample.guild.owner_id]
    by_owner = await emulator.slash(
        sample.guild, owner, "roadmap-admin reward set", stage="basics", role=senior
    )
    assert by_owner.content.endswith(f"get <@&{senior.id}>.")


async def test_members_are_refused_even_when_the_command_is_opened_to_them(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    emulator.commands.find(None, "roadmap-admin").payload["default_member_permissions"] = None
    sample.alice.roles.append(graduate)  # even holding the role does not help
    for command, options in (
        ("roadmap-admin reward set", {"stage": "basics", "role": graduate}),
        ("roadmap-admin reward remove", {"stage": "basics"}),
        ("roadmap-admin reward list", {}),
    ):
        answer = await emulator.slash(sample.guild, sample.alice, command, options)
        assert answer.ephemeral
        assert answer.content == "You need the Manage Server permission for this.", command
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert "No stage gives a role yet." in listed.embed["description"]


async def test_list_and_remove(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    starter = sample.guild.add_role("Starter", position=1)
    launched = await launch()
    await set_reward(emulator, sample, "web-fundamentals", graduate)
    await set_reward(emulator, sample, "basics", starter)
    replaced = await set_reward(emulator, sample, "basics", graduate)
    assert replaced.content.endswith(f"get <@&{graduate.id}> (instead of <@&{starter.id}>).")
    await set_reward(emulator, sample, "basics", starter)

    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert listed.ephemeral and listed.embed["title"] == "Stage rewards"
    assert listed.embed["description"].splitlines() == [
        f"**1. Learn the basics of Python** → <@&{starter.id}>",
        f"**2. Understand web development fundamentals** → <@&{graduate.id}>",
    ]

    removed = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward remove", stage="basics"
    )
    assert removed.content == (
        "Finishing **1. Learn the basics of Python** no longer gives a role. "
        "Members who got it keep it."
    )
    again = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward remove", stage="basics"
    )
    assert (
        again.content == "No role was given for **1. Learn the basics of Python**; nothing changed."
    )
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert listed.embed["description"].splitlines() == [
        f"**2. Understand web development fundamentals** → <@&{graduate.id}>"
    ]
    delete_role(emulator, graduate)
    await emulator.wait_for(
        lambda: launched.get_guild(sample.guild.id).get_role(graduate.id) is None,
        what="the bot to hear of the deletion",
    )
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert listed.embed["description"] == (
        "**2. Understand web development fundamentals** → "
        f"a deleted role (`{graduate.id}`): set another one"
    )


async def test_unknown_stage_and_roadmap_get_suggestions_and_stages_autocomplete(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    stage = await set_reward(emulator, sample, "web", graduate)
    assert stage.content == "Unknown stage `web`. Did you mean `web-fundamentals`, `web-framework`?"
    roadmap = await set_reward(emulator, sample, "basics", graduate, roadmap="rust")
    assert roadmap.content.startswith("Unknown roadmap `rust`.")
    choices = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin reward set", "stage", "data"
    )
    assert choices == [{"name": "4. Master database management", "value": "databases"}]
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert "No stage gives a role yet." in listed.embed["description"]


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def delete_role(emulator: Emulator, role: Role) -> None:
    """The role is deleted on Discord, and the bot is told so."""
    emulator.world.guilds[role.guild_id].roles.pop(role.id)
    emulator.gateway.dispatch(
        "GUILD_ROLE_DELETE",
        {"guild_id": str(role.guild_id), "role_id": str(role.id)},
        guild_id=role.guild_id,
    )


def move_above_the_bot(emulator: Emulator, role: Role) -> None:
    role.position = emulator.world.guilds[role.guild_id].bot_role.position + 1
    emulator.changed(role)


def refuse_on_discord(emulator: Emulator, role: Role) -> None:
    emulator.faults.error(ROLE_ROUTE, status=403, code=50013, message="Missing Permissions")


def delete_without_telling_the_bot(emulator: Emulator, role: Role) -> None:
    emulator.world.guilds[role.guild_id].roles.pop(role.id)


@pytest.mark.parametrize(
    ("break_it", "expected", "requested"),
    [
        # What the bot knows to be impossible costs no request (refused ones count against
        # Discord's invalid-request limit).
        (move_above_the_bot, "at or above my highest role", False),
        (delete_role, "the role no longer exists", False),
        (refuse_on_discord, "Discord refused (403, code 50013)", True),
        (delete_without_telling_the_bot, "Discord refused (404, code 10011)", True),
    ],
    ids=["moved-above-the-bot", "deleted", "missing-permissions", "unknown-role"],
)
async def test_a_reward_that_cannot_be_given_is_logged_with_ids_and_nothing_breaks(
    *,
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    graduate: Role,
    caplog: pytest.LogCaptureFixture,
    break_it: Callable[[Emulator, Role], None],
    expected: str,
    requested: bool,
) -> None:
    caplog.set_level(logging.INFO, logger=REWARD_LOG)
    await launch()
    await set_reward(emulator, sample, "web-fundamentals", graduate)
    break_it(emulator, graduate)
    await finish(emulator, sample, sample.alice, WEB)

    [line] = await emulator.wait_for(lambda: logged(caplog, "reward not given"), what="the log")
    assert expected in line
    where = f"guild={sample.guild.id} member={sample.alice.id} stage=web-fundamentals"
    assert f"{where} role={graduate.id}" in line
    assert emulator.role_changes == []
    assert bool(emulator.recorder.to(ROLE_ROUTE)) is requested
    still = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert "3 of 20 topics" in still.text()
