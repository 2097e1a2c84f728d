"""`/roadmap next` and its Done / Skip / Show example buttons, end to end."""

from __future__ import annotations

from dataclasses import replace

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap
from bot.services.content import ContentHolder
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


def _without_topic(catalog: Catalog, topic_id: str) -> Catalog:
    """The shipped content with one topic removed, as a content edit would leave it."""
    roadmap = catalog.default
    stages = tuple(
        replace(stage, topics=tuple(t for t in stage.topics if t.id != topic_id))
        for stage in roadmap.stages
    )
    return Catalog([Roadmap(roadmap.id, roadmap.title, roadmap.summary, stages)])


def _labels(result) -> list[str]:
    return [button["label"] for button in result.message.buttons()]


async def test_next_shows_the_first_topic_privately_with_its_buttons(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")

    assert result.ephemeral
    embed = result.embed
    assert embed["title"] == "Syntax and data types"
    assert embed["author"]["name"] == "Stage 1/6 · Learn the basics of Python"
    assert embed["footer"]["text"] == "Stage 1/6 · 0 of 20 topics · 0%"
    assert "```python" in embed["description"]  # the stage's example, highlighted
    assert "Resources" in [field["name"] for field in embed["fields"]]
    assert _labels(result) == ["Done", "Skip", "Show example"]
    for button in result.message.buttons():
        assert len(button["custom_id"]) <= 100
        assert str(sample.alice.id) in button["custom_id"]


async def test_public_next_is_visible_to_the_channel(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    assert not result.ephemeral
    assert result.embed["title"] == "Syntax and data types"
    assert result.message in emulator.messages(sample.general)


async def test_done_and_skip_record_and_show_the_following_topic_in_place(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")

    pressed = await emulator.click(card, "Done", sample.alice)
    assert pressed.message is card.message  # the same message, edited
    assert card.message.embeds[0]["title"] == "Functions"
    assert card.message.embeds[0]["footer"]["text"] == "Stage 1/6 · 1 of 20 topics · 5%"
    assert card.message.content.startswith("✅ **Syntax and data types** done.")

    await emulator.click(card, "Skip", sample.alice)
    assert card.message.embeds[0]["title"] == "File handling"
    assert "⏭️ **Functions** skipped." in card.message.content

    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="basics")
    lines = overview.embed["description"]
    assert "✅ Syntax and data types" in lines
    assert "⏭️ Functions" in lines
    assert "🔸 File handling" in lines  # shown by the card, so in progress
    assert "⬜ Error handling" in lines


async def test_finishing_a_stage_says_so_and_the_last_topic_shows_the_finished_card(
    emulator: Emulator, sample: StandardWorld, launch: Launch, shipped_catalog: Catalog
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    for _ in range(4):
        await emulator.click(card, "Done", sample.alice)
    assert "🎉 Stage **Learn the basics of Python** finished!" in card.message.content
    assert card.message.embeds[0]["title"] == "HTTP and HTTPS"

    for _ in range(len(shipped_catalog.default.topics) - 4):
        await emulator.click(card, "Skip", sample.alice)
    assert card.message.embeds[0]["title"] == "You finished the roadmap 🎉"
    assert card.message.buttons() == []

    again = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert again.embed["title"] == "You finished the roadmap 🎉"
    assert "4 done, 16 skipped" in again.embed["description"]


async def test_show_example_answers_only_the_presser(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    shown = await emulator.click(card, "Show example", sample.alice)
    assert shown.ephemeral
    assert shown.message is not card.message
    assert shown.embed["title"] == "Example: Read a file, safely"
    assert shown.embed["description"].startswith("```python\n")
    assert card.message.edits == []  # the card itself is untouched


async def test_another_member_pressing_is_refused_politely_and_changes_nothing(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    refused = await emulator.click(card, "Done", sample.bob)
    assert refused.ephemeral
    assert "belong to the member who asked" in refused.content
    assert card.message.embeds[0]["title"] == "Syntax and data types"

    mine = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert mine.embed["footer"]["text"] == "Stage 1/6 · 0 of 20 topics · 0%"
    alices = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in alices.embed["description"]


async def test_buttons_keep_working_after_a_restart_on_the_same_database(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await emulator.click(card, "Done", sample.alice)
    await bot.close()

    await launch()
    await emulator.click(card, "Done", sample.alice)
    assert card.message.embeds[0]["title"] == "File handling"
    assert card.message.embeds[0]["footer"]["text"] == "Stage 1/6 · 2 of 20 topics · 10%"
    refused = await emulator.click(card, "Skip", sample.bob)
    assert "belong to the member who asked" in refused.content


async def test_a_button_for_a_topic_that_left_the_content_answers_clearly(
    emulator: Emulator, sample: StandardWorld, launch: Launch, shipped_catalog: Catalog
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await emulator.click(card, "Done", sample.alice)  # now on "Functions"
    await bot.close()

    await launch(content=ContentHolder(_without_topic(shipped_catalog, "functions")))
    gone = await emulator.click(card, "Done", sample.alice)
    assert gone.ephemeral
    assert "no longer in the roadmap" in gone.content
    fresh = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert fresh.embed["title"] == "File handling"
    assert fresh.embed["footer"]["text"] == "Stage 1/6 · 1 of 19 topics · 5%"


async def test_next_after_restart_continues_where_the_member_was(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    for topic in ("syntax-and-data-types", "functions", "file-handling"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await bot.close()

    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Error handling"
    assert result.embed["footer"]["text"] == "Stage 1/6 · 3 of 20 topics · 15%"
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "3 of 20 topics done · 15%" in progress.embed["description"]
