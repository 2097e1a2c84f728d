"""Undo under the card after Done or Skip: the status, the completion log (so the streak) and
the review card as they were; nothing when the topic changed since; only for the presser."""

from __future__ import annotations

import json

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def progress_text(emulator: Emulator, sample: StandardWorld) -> str:
    card = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    return card.embed["description"]


async def test_undo_after_done_restores_status_streak_and_the_card(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    first, second = bot.content.catalog.default.topics[:2]
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    done = await emulator.click(card, "Done", sample.alice)
    assert done.message is not None and done.message.embeds[0]["title"] == second.title
    assert "Undo" in [b["label"] for b in done.message.buttons()]
    after_done = await progress_text(emulator, sample)
    assert "1 of 20 topics done" in after_done and "Streak: 1 day" in after_done

    before = await emulator.slash(sample.guild, sample.alice, "roadmap export")
    assert before.message is not None
    kept = json.loads(before.message.files["study-companion-export.json"])["data"]
    assert len(kept["completions"]) == 1 and len(kept["review_cards"]) == 1

    refused = await emulator.click(done, "Undo", sample.bob)
    assert refused.ephemeral and "belongs to the member who pressed" in refused.text()

    undone = await emulator.click(done, "Undo", sample.alice)
    assert undone.message is not None
    assert f"Undone: **{first.title}** is in progress again." in undone.message.content
    assert undone.message.embeds[0]["title"] == first.title  # back on the topic
    assert "Undo" not in [b["label"] for b in undone.message.buttons()]
    text = await progress_text(emulator, sample)
    assert "0 of 20 topics done" in text and "No streak yet" in text  # the log as it was
    export = await emulator.slash(sample.guild, sample.alice, "roadmap export")
    assert export.message is not None
    data = json.loads(export.message.files["study-companion-export.json"])["data"]
    assert data.get("completions", []) == [] and data.get("review_cards", []) == []
    statuses = {row["topic_id"]: row["status"] for row in data["progress"]}
    assert statuses[first.id] == "in_progress"  # as before the press (the card had opened it)

    again = await emulator.click(undone, "Done", sample.alice)  # Done again counts once
    assert "1 of 20 topics done" in await progress_text(emulator, sample)
    assert "Undo" in [b["label"] for b in again.message.buttons()]


async def test_undo_after_skip_and_nothing_to_undo_once_changed_since(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    first = bot.content.catalog.default.topics[0]
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    skipped = await emulator.click(card, "Skip", sample.alice)
    assert "1 skipped" in await progress_text(emulator, sample)
    await emulator.click(skipped, "Undo", sample.alice)
    assert "skipped" not in (await progress_text(emulator, sample)).split("\n", 4)[-1]

    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    done = await emulator.click(card, "Done", sample.alice)
    await emulator.slash(sample.guild, sample.alice, "roadmap reset", topic=first.id)
    stale = await emulator.click(done, "Undo", sample.alice)
    assert stale.ephemeral and "Nothing to undo" in stale.text()
    assert "0 of 20 topics done" in await progress_text(emulator, sample)


async def test_undo_under_the_answer_of_roadmap_done(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    topic = bot.content.catalog.default.topics[3]
    done = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
    assert "Undo" in [b["label"] for b in done.message.buttons()]
    assert "1 of 20 topics done" in await progress_text(emulator, sample)
    undone = await emulator.click(done, "Undo", sample.alice)
    assert f"Undone: **{topic.title}** is not started again." in undone.message.content
    assert "0 of 20 topics done" in await progress_text(emulator, sample)
    # Done on a topic already done changes nothing, so there is nothing to undo.
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
    again = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
    assert "already done" in again.text()
    assert "Undo" not in [b["label"] for b in again.message.buttons()]
