"""Catching up: ten `/roadmap done` in a row are all answered, and `/roadmap skip stage:`
skips a whole stage after one confirmation."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_ten_marks_in_a_row_are_not_held_by_the_cooldown(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    topics = bot.content.catalog.default.topics[:10]
    for topic in topics:
        result = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
        assert "is now done" in result.text(), result.text()
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "10 of 20 topics done" in progress.embed["description"]


async def test_skip_a_whole_stage_after_one_confirmation(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    stage = bot.content.catalog.default.stages[0]
    first, *rest = stage.topics
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=first.id)

    question = await emulator.slash(sample.guild, sample.alice, "roadmap skip", stage="1")
    assert question.ephemeral and f"{len(rest)} topics not done yet" in question.text()
    assert first.title not in question.text()  # a topic done stays done
    refused = await emulator.click(question, f"Skip {len(rest)} topics", sample.bob)
    assert "asked of another member" in refused.text()

    kept = await emulator.click(question, "Cancel", sample.alice)
    assert kept.message is not None and kept.message.content == "Nothing was skipped."
    question = await emulator.slash(sample.guild, sample.alice, "roadmap skip", stage="1")
    skipped = await emulator.click(question, f"Skip {len(rest)} topics", sample.alice)
    assert skipped.message is not None and skipped.message.buttons() == []
    assert all(topic.title in skipped.message.content for topic in rest)
    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="1")
    assert (
        f"1/{len(stage.topics)} done, {len(rest)} skipped"
        in (
            (await emulator.slash(sample.guild, sample.alice, "roadmap progress")).embed[
                "description"
            ]
        )
    )
    assert "⏭️" in overview.embed["description"]
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == bot.content.catalog.default.stages[1].topics[0].title

    again = await emulator.slash(sample.guild, sample.alice, "roadmap skip", stage="1")
    assert "Nothing to skip" in again.text() and again.message is not None
    assert again.message.buttons() == []


async def test_skip_needs_a_topic_or_a_stage(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    neither = await emulator.slash(sample.guild, sample.alice, "roadmap skip")
    assert "Give a `topic` to skip, or a `stage`" in neither.text()
    both = await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="http", stage="1")
    assert "not both" in both.text()
    unknown = await emulator.slash(sample.guild, sample.alice, "roadmap skip", stage="nope")
    assert unknown.ephemeral and "nope" in unknown.text()
