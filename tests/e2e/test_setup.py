"""`/roadmap-admin setup` end to end: the guided message walked as a moderator would, counted,
to a saved schedule whose first post arrives; its refusals; the choices surviving a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.roadmap.catalog import Catalog
from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_account import two_roadmaps  # noqa: F401 (a fixture)
from tests.e2e.test_daily import posts
from tests.emulator.interactions import InteractionResult
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

CHANNEL = "Channel for the daily post"
ROLE = "Role to ping (optional)"
ROADMAP = "Roadmap"
TICK = 0.05


class Steps:
    """The interactions a moderator makes, counted."""

    def __init__(self, emulator: Emulator, sample: StandardWorld) -> None:
        self.emulator, self.sample, self.count = emulator, sample, 0

    async def setup(self, **options: Any) -> InteractionResult:
        self.count += 1
        values = {"time": "14:00", "timezone": "Europe/Berlin", **options}
        return await self.emulator.slash(
            self.sample.guild, self.sample.mod, "roadmap-admin setup", values
        )

    async def pick(self, on: InteractionResult, what: str, *values: Any) -> InteractionResult:
        self.count += 1
        return await self.emulator.click(on, what, self.sample.mod, values=list(values))

    async def confirm(self, on: InteractionResult) -> InteractionResult:
        self.count += 1
        return await self.emulator.click(on, "Confirm", self.sample.mod)


def component(result: InteractionResult, label: str) -> dict[str, Any]:
    assert result.message is not None
    return result.message.find_component(label)


async def test_setup_to_a_saved_schedule_in_four_interactions_and_the_post_arrives(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    sample.member_role.mentionable = True
    bot = await launch(tick_interval=TICK)
    first_topic = bot.content.catalog.default.topics[0]
    steps = Steps(emulator, sample)

    opened = await steps.setup()
    assert opened.ephemeral
    assert "14:00 Europe/Berlin" in opened.text()
    assert component(opened, "Confirm").get("disabled")  # no channel yet
    assert opened.embeds == []  # the preview comes with the channel

    with_channel = await steps.pick(opened, CHANNEL, sample.general)
    assert with_channel.type == 7  # the same message, updated
    assert with_channel.embed["title"] == first_topic.title  # the preview of the first post
    assert f"<#{sample.general.id}>" in with_channel.text() and "2026-03-04" in with_channel.text()
    assert not component(with_channel, "Confirm").get("disabled")

    with_role = await steps.pick(with_channel, ROLE, sample.member_role)
    assert f"<@&{sample.member_role.id}>" in with_role.text()
    assert with_role.embed["title"] == first_topic.title  # still previewed
    assert with_role.message is not None and not with_role.message.pinged_role_ids

    saved = await steps.confirm(with_role)
    assert steps.count <= 4
    assert "will be posted" in saved.text() and "14:00 Europe/Berlin" in saved.text()
    assert saved.message is not None and saved.message.components == []

    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")
    assert f"<#{sample.general.id}>" in status.text()

    clock.set(START + timedelta(hours=1))  # 14:00 in Berlin
    await emulator.wait_for(lambda: len(posts(emulator, sample.general)) == 1, what="the post")
    post = posts(emulator, sample.general)[0]
    assert post.embeds[0]["title"] == first_topic.title
    assert set(post.pinged_role_ids) == {sample.member_role.id}


async def test_setup_names_what_is_missing_in_the_channel_and_keeps_the_choices_over_a_restart(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    sample.announcements.set_permissions(sample.guild.bot_role, deny=["embed_links"])
    bot = await launch()
    steps = Steps(emulator, sample)
    opened = await steps.setup(timezone="Berlin")  # an alias, resolved before anything is shown
    assert "Europe/Berlin" in opened.text()

    refused = await steps.pick(opened, CHANNEL, sample.announcements)
    assert refused.ephemeral and "Embed Links" in refused.text()
    assert component(opened, "Confirm").get("disabled")  # the setup message is unchanged

    with_channel = await steps.pick(opened, CHANNEL, sample.general)
    await bot.close()
    await launch()  # nothing was kept in memory: the message carries the choices
    saved = await steps.confirm(with_channel)
    assert "will be posted" in saved.text() and f"<#{sample.general.id}>" in saved.text()


async def test_setup_refuses_a_bad_time_a_member_and_another_moderators_message(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    steps = Steps(emulator, sample)
    bad = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin setup", time="25:00", timezone="Europe/Berlin"
    )
    assert bad.ephemeral and "25:00" in bad.text() and bad.message is not None
    assert bad.message.components == []

    opened = await steps.setup()
    other = sample.guild.add_member("mod2", roles=[sample.moderator_role])
    emulator.changed(other)
    refused = await emulator.click(opened, CHANNEL, other, values=[sample.general])
    assert refused.ephemeral and "belongs to the moderator who started it" in refused.text()
    assert "/roadmap next" not in refused.text()

    choices = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin setup", "timezone", "India"
    )
    assert "Asia/Kolkata" in [choice["value"] for choice in choices]
    times = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin setup", "time", "9:3"
    )
    assert times == []
    times = await emulator.autocomplete(
        sample.guild, sample.mod, "roadmap-admin setup", "time", "18"
    )
    assert "18:00" in [choice["value"] for choice in times]


async def test_channel_role_and_roadmap_all_chosen_still_take_four_interactions(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    two_roadmaps: Catalog,  # noqa: F811 (the fixture imported above)
) -> None:
    sample.member_role.mentionable = True
    await launch(catalog=two_roadmaps)
    rust = two_roadmaps.require("rust-basics")
    steps = Steps(emulator, sample)

    unknown = await steps.setup(roadmap="rusty")
    assert unknown.ephemeral and "rust-basics" in unknown.text()  # did you mean
    steps.count = 0

    opened = await steps.setup(roadmap="rust-basics")
    with_channel = await steps.pick(opened, CHANNEL, sample.general)
    assert with_channel.embed["title"] == rust.topics[0].title  # previewed from that roadmap
    with_role = await steps.pick(with_channel, ROLE, sample.member_role)
    saved = await steps.confirm(with_role)
    assert steps.count == 4
    assert "will be posted" in saved.text() and "Rust basics" in saved.text()
    status = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily status")
    assert "Rust basics" in status.text()
