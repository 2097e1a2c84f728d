"""The end-to-end example shown in README.md, kept here so that it stays true."""


async def test_done_moves_to_the_next_topic(emulator, sample, launch):
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.ephemeral and "Stage 1/6" in card.text()
    after = await emulator.click(card, "Done", sample.alice)
    assert "Functions" in after.text()
