"""What a member reads on the progress card and after a press on an older topic card
(issue 19's small things). Needs bot/render/progress_card.py's edits of the same change."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_the_progress_card_names_the_roadmap_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    title = bot.content.catalog.default.title
    card = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert card.embed["title"] == f"Your progress · {title}"
    assert title not in card.embed["description"]
    assert card.embed["description"].splitlines()[0] == f"<@{sample.alice.id}>"


async def test_done_on_an_old_card_of_a_topic_already_done_says_it_was_already_done(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    first = bot.content.catalog.default.topics[0]
    old_card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    new_card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert old_card.embed["title"] == new_card.embed["title"] == first.title
    pressed = await emulator.click(new_card, "Done", sample.alice)
    assert f"**{first.title}** done." in pressed.message.content
    again = await emulator.click(old_card, "Done", sample.alice)
    assert f"**{first.title}** was already done; nothing changed." in again.message.content
    assert f"**{first.title}** done." not in again.message.content
