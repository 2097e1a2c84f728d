"""**Save to DMs** on examples: a copy the member keeps, and a clear answer when DMs are closed."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_save_to_dms_sends_the_example_with_its_file(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    stage = bot.content.catalog.default.stages[3]
    assert stage.example is not None
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage=stage.id)
    assert shown.ephemeral
    saved = await emulator.click(shown, "Save to DMs", sample.alice)
    assert saved.ephemeral and "sent you a copy in your DMs" in saved.text()
    dms = emulator.dms(sample.alice)
    assert len(dms) == 1
    copy = dms[0]
    assert copy.content == f"Saved from **{sample.guild.name}**:"
    assert copy.embeds[0]["title"] == shown.embed["title"]
    assert copy.embeds[0]["description"] == shown.embed["description"]
    code = stage.example.code.rstrip("\n") + "\n"
    assert copy.files == {f"{stage.id}.py": code.encode()}

    # On a public example anyone who sees it may keep a copy, in their own DMs.
    public = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage=stage.id, public=True
    )
    await emulator.click(public, "Save to DMs", sample.bob)
    assert len(emulator.dms(sample.bob)) == 1 and len(emulator.dms(sample.alice)) == 1


async def test_save_to_dms_with_dms_closed_says_how_to_open_them(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    sample.alice.user.dms_open = False
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage="1")
    refused = await emulator.click(shown, "Save to DMs", sample.alice)
    assert refused.ephemeral
    assert "privacy settings block direct messages" in refused.text()
    assert "Something went wrong" not in refused.text()
    assert emulator.dms(sample.alice) == []


async def test_save_to_dms_on_a_topic_card_sends_the_card(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    first = bot.content.catalog.default.topics[0]
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    saved = await emulator.click(card, "Save to DMs", sample.alice)
    assert saved.ephemeral and "sent you a copy" in saved.text()
    (copy,) = emulator.dms(sample.alice)
    assert copy.embeds[0]["title"] == first.title
    assert copy.components == []  # a copy to keep: no buttons that act in a server
    assert card.message is not None and card.message.embeds[0]["title"] == first.title
