"""Members' answers that help (issue 19): public stage and example answers, example code a
phone can copy."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_public_example_is_posted_for_everyone_with_its_code_as_a_file(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    stage = bot.content.catalog.default.stages[3]
    shown = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage=stage.id, public=True
    )
    assert not shown.ephemeral and shown.message is not None
    assert shown.message in emulator.messages(sample.general)  # everyone there sees it
    assert stage.example is not None
    # The embed shows it highlighted; the file is the copy a phone can take, byte for byte.
    assert shown.embed["description"].startswith("```python\n")
    assert shown.message.files == {
        f"{stage.id}.py": stage.example.code.rstrip("\n").encode() + b"\n"
    }
    assert "\u200b" not in shown.message.files[f"{stage.id}.py"].decode()

    private = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage=stage.id)
    assert private.ephemeral


async def test_public_stage_overview_is_posted_for_everyone(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    first = bot.content.catalog.default.stages[0]
    shown = await emulator.slash(
        sample.guild, sample.alice, "roadmap stage", stage="1", public=True
    )
    assert not shown.ephemeral and first.title in shown.text()
    assert shown.message in emulator.messages(sample.general)
    private = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="1")
    assert private.ephemeral


async def test_another_member_pressing_a_forget_me_button_is_told_how_to_delete_their_own(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    question = await emulator.slash(sample.guild, sample.alice, "roadmap forget-me")
    refused = await emulator.click(question, "Delete my data", sample.bob)
    assert refused.ephemeral
    assert "run `/roadmap forget-me` yourself" in refused.text()
    assert "/roadmap next" not in refused.text()  # the topic card's hint does not fit here
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in progress.embed["description"]  # nothing was deleted
