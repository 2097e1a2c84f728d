"""The daily post's buttons end to end: Done, My next topic and Check yourself pressed by two
members on one post, each answered only to the presser; an older day's post after a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_daily import TICK, posts, set_daily
from tests.e2e.test_study_loop import FIRST, SECOND, TITLES, checked_catalog
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld, permission_value


def _labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(button.get("label")) for button in message.buttons()]


async def test_two_members_press_the_daily_posts_buttons_each_for_themselves(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock, tmp_path: Path
) -> None:
    catalog = checked_catalog(tmp_path / "content")
    bot = await launch(tick_interval=TICK, catalog=catalog)
    await set_daily(emulator, sample)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    assert post.embeds[0]["title"] == TITLES[FIRST]
    assert _labels(post) == ["Done", "My next topic", "Check yourself"]

    # Alice marks the day's topic done: only she is answered, and only her progress moves.
    done = await emulator.click(post, "Done", sample.alice)
    assert done.ephemeral
    assert TITLES[FIRST] in done.text()
    assert done.message is not None and _labels(done.message) == ["Check yourself"]
    alice_next = await emulator.click(post, "My next topic", sample.alice)
    assert alice_next.ephemeral and alice_next.embed["title"] == TITLES[SECOND]
    bob_next = await emulator.click(post, "My next topic", sample.bob)
    assert bob_next.ephemeral and bob_next.embed["title"] == TITLES[FIRST]  # Bob did nothing

    # Bob checks himself from the post: his own check, ephemeral, which he alone answers.
    check = await emulator.click(post, "Check yourself", sample.bob)
    assert check.ephemeral and "Question 1 of 2" in str(check.embed.get("description"))
    assert check.message is not None
    refused = await emulator.click(check, _first_answer(check.message), sample.alice)
    assert "belong to the member who asked" in refused.content
    # Pressing Done twice tells Alice it was done already, and changes nothing for Bob.
    again = await emulator.click(post, "Done", sample.alice)
    assert again.ephemeral
    bob_after = await emulator.click(post, "My next topic", sample.bob)
    assert bob_after.embed["title"] == TITLES[FIRST]

    # After a restart, yesterday's post still answers (the buttons are DynamicItems).
    await bot.close()
    await launch(tick_interval=TICK, catalog=catalog)
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    old = await emulator.click(post, "Done", sample.bob)
    assert old.ephemeral and TITLES[FIRST] in old.text()
    bob_next = await emulator.click(post, "My next topic", sample.bob)
    assert bob_next.embed["title"] == TITLES[SECOND]


def _first_answer(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.buttons()[0]["custom_id"])


async def _post_pinging(emulator, sample, launch, clock, role):  # type: ignore[no-untyped-def]
    """The bot launched and its first daily post, pinging `role` (which members may opt in
    to: the post carries Notify me)."""
    bot = await launch(tick_interval=TICK)
    await set_daily(emulator, sample, ping_role=role)
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    assert _labels(post)[-1] == "Notify me"
    return bot, post


async def test_notify_me_toggles_the_pinged_role_and_refuses_a_role_with_permissions(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    learners = sample.guild.add_role("Daily learners", mentionable=True)
    helpers = sample.guild.add_role("Helpers", mentionable=True)
    bot, post = await _post_pinging(emulator, sample, launch, clock, learners)

    added = await emulator.click(post, "Notify me", sample.alice)
    assert added.ephemeral and "You now have **@Daily learners**" in added.text()
    await emulator.wait_for(lambda: learners in sample.alice.roles, what="the role")
    assert learners not in sample.bob.roles
    removed = await emulator.click(post, "Notify me", sample.alice)
    assert "is removed" in removed.text()
    await emulator.wait_for(lambda: learners not in sample.alice.roles, what="removed")

    # The role gains a permission: refused, nothing changes.
    learners.permissions = permission_value(["manage_messages"])
    emulator.changed(learners)  # GUILD_ROLE_UPDATE
    await emulator.wait_for(
        lambda: _bot_role(bot, learners).permissions.value != 0, what="the role update"
    )
    refused = await emulator.click(post, "Notify me", sample.bob)
    assert refused.ephemeral and "carries permissions" in refused.text()
    assert learners not in sample.bob.roles
    # The schedule pings another role now: the old post's button says so.
    learners.permissions = 0
    emulator.changed(learners)
    await set_daily(emulator, sample, ping_role=helpers)
    stale = await emulator.click(post, "Notify me", sample.bob)
    assert "no longer pings this role" in stale.text()
    assert learners not in sample.bob.roles


def _bot_role(bot, role):  # type: ignore[no-untyped-def]
    """The bot's cached copy of a world role."""
    return bot.get_guild(role.guild_id).get_role(role.id)


async def test_notify_me_is_refused_for_a_role_the_bot_cannot_manage_and_absent_for_powers(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    learners = sample.guild.add_role("Daily learners", mentionable=True)
    helpers = sample.guild.add_role("Helpers", mentionable=True, permissions=["manage_messages"])
    bot, post = await _post_pinging(emulator, sample, launch, clock, learners)

    # The role moves above the bot's own: the bot cannot give it any more, and says so.
    assert sample.guild.bot_role is not None
    learners.position = sample.guild.bot_role.position + 1
    emulator.changed(learners)
    await emulator.wait_for(
        lambda: _bot_role(bot, learners).position > _bot_role(bot, sample.guild.bot_role).position,
        what="the role update",
    )
    refused = await emulator.click(post, "Notify me", sample.alice)
    assert refused.ephemeral
    assert "I cannot manage **@Daily learners**: I need Manage Roles and a role above it" in (
        refused.text()
    )
    assert learners not in sample.alice.roles

    # A schedule pinging a role with permissions: its posts carry no Notify me at all.
    await set_daily(emulator, sample, ping_role=helpers)
    clock.set(START + timedelta(days=1, hours=1))
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 2, what="day two")
    second = posts(emulator, sample.general)[1]
    assert second.pinged_role_ids == [helpers.id]  # it does ping the role
    assert "Notify me" not in _labels(second)
    assert _labels(second) == ["Done", "My next topic"]
