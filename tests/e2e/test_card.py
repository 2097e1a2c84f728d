"""`/roadmap card [public]`: the member's progress as a PNG attached to the answer, shown as the
embed's image; the picture opens, has the card's size, and its bars follow the percents."""

from __future__ import annotations

import io
import time
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from bot.app import StudyBot
from bot.cogs import card as card_cog
from bot.cogs.answers import DEFER_AFTER
from bot.render.progress_image import (
    BLURPLE,
    GREEN,
    SKIPPED,
    STAGE_COLOURS,
    TRACK_WIDTH,
    WIDTH,
    ProgressPicture,
    card_height,
    chips_box,
    draw_progress_card,
    roadmap_bar_box,
    stage_bar_box,
)
from bot.render.stats_image import FILENAME as CHART
from bot.render.stats_image import chart_height, funnel_bar_box
from tests.e2e.conftest import Launch
from tests.e2e.test_study_loop import FIRST, _answer_all, checked_catalog
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

FILENAME = "progress-card.png"


def bar_length(image: Image.Image, box: tuple[int, int, int, int], colour: tuple) -> int:
    """Pixels of `colour` from the bar's left end, along its middle row."""
    left, top, right, bottom = box
    middle = (top + bottom) // 2
    length = 0
    while left + length < right and image.getpixel((left + length, middle)) == colour:
        length += 1
    return length


async def mark(bot: StudyBot, guild_id: int, user_id: int, status: str, *topics: str) -> None:
    roadmap = bot.content.catalog.default
    for topic in topics:
        await bot.services.study.mark(guild_id, user_id, roadmap, topic, status)


async def test_card_answers_with_a_png_whose_bars_follow_the_progress(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    guild, alice = sample.guild.id, sample.alice.id
    # Stage 1 (4 topics) finished, 1 of 3 in stage 2, 2 of 3 in stage 4: 7 of 20 topics.
    basics = ("syntax-and-data-types", "functions", "file-handling", "error-handling")
    await mark(bot, guild, alice, "done", *basics, "http", "sql", "nosql")
    await mark(bot, guild, alice, "skipped", "django")

    result = await emulator.slash(sample.guild, sample.alice, "roadmap card")

    assert result.ephemeral
    assert [a["filename"] for a in result.message.attachments] == [FILENAME]
    attachment = result.message.attachments[0]
    assert attachment["content_type"] == "image/png"
    # The embed shows the attached picture (Discord resolves attachment:// to its URL).
    assert result.embed["image"]["url"] == attachment["url"]
    assert result.embed["description"] == "7 of 20 topics done · 35%"
    async with (
        aiohttp.ClientSession() as http,
        http.get(attachment["url"]) as response,
    ):
        assert response.status == 200
        fetched = await response.read()
    assert fetched == result.message.files[FILENAME]
    image = Image.open(io.BytesIO(fetched))
    image.load()
    assert image.format == "PNG"
    stages = len(bot.content.catalog.default.stages)
    assert image.size == (WIDTH, card_height(stages)) == (800, card_height(6))
    image = image.convert("RGB")

    def expected(shown_percent: int) -> float:
        return TRACK_WIDTH * shown_percent / 100

    assert abs(bar_length(image, roadmap_bar_box(), BLURPLE) - expected(35)) <= 2
    assert abs(bar_length(image, stage_bar_box(0), GREEN) - expected(100)) <= 2
    assert abs(bar_length(image, stage_bar_box(1), STAGE_COLOURS[1]) - expected(33)) <= 2
    assert bar_length(image, stage_bar_box(2), STAGE_COLOURS[2]) == 0  # only skipped there
    assert abs(bar_length(image, stage_bar_box(3), STAGE_COLOURS[3]) - expected(66)) <= 2
    assert bar_length(image, stage_bar_box(4), STAGE_COLOURS[4]) == 0


async def test_a_skipped_stage_is_not_green_and_checked_topics_show_on_the_card(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    """The card paints a stage green only when it is complete by the one rule (a skipped topic
    counts once its check is passed), and its chips count the checked topics."""
    catalog = checked_catalog(tmp_path / "content")
    bot = await launch(catalog=catalog)
    guild, alice = sample.guild.id, sample.alice.id
    basics = [topic.id for topic in catalog.default.stages[0].topics]
    await mark(bot, guild, alice, "skipped", *basics)
    check = await emulator.slash(sample.guild, sample.alice, "roadmap check", topic=FIRST)
    await _answer_all(emulator, sample, check, ["A tuple", "Three"])  # passed: done and checked

    result = await emulator.slash(sample.guild, sample.alice, "roadmap card")
    image = Image.open(io.BytesIO(result.message.files[FILENAME])).convert("RGB")
    first = stage_bar_box(0)
    assert bar_length(image, first, GREEN) == 0  # 1 done, 3 only skipped: not complete
    done = bar_length(image, first, STAGE_COLOURS[0])
    assert abs(done - TRACK_WIDTH * 25 / 100) <= 2
    after_done = (first[0] + done, first[1], first[2], first[3])
    assert abs(bar_length(image, after_done, SKIPPED) - TRACK_WIDTH * 75 / 100) <= 2
    # "1 topic checked" is the one chip with a green dot.
    left, top, right, bottom = chips_box()
    greens = sum(
        image.getpixel((x, y)) == GREEN for x in range(left, right) for y in range(top, bottom)
    )
    assert greens > 0


async def test_card_is_public_only_when_asked_and_new_members_get_one_too(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    public = await emulator.slash(sample.guild, sample.bob, "roadmap card", public=True)
    assert not public.ephemeral
    assert public.embed["description"] == "0 of 20 topics done · 0%"
    picture = Image.open(io.BytesIO(public.message.files[FILENAME]))
    assert picture.size == (800, card_height(6))
    assert public.message.pinged_user_ids == [] and public.message.pinged_role_ids == []
    again = await emulator.slash(sample.guild, sample.bob, "roadmap card", public=False)
    assert again.ephemeral and again.message.attachments


async def test_stats_carry_the_funnel_as_a_chart_beside_the_text(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    guild = sample.guild.id
    carol = sample.guild.add_member("carol")
    await mark(bot, guild, sample.alice.id, "done", "syntax-and-data-types", "http")
    await mark(bot, guild, sample.bob.id, "done", "syntax-and-data-types")
    await mark(bot, guild, carol.id, "done", "sql")  # reached stage 4, so 1-3 as well

    result = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")

    assert result.ephemeral
    assert result.embed["description"].startswith("**3 members** started")
    assert [a["filename"] for a in result.message.attachments] == [CHART]
    assert result.embed["image"]["url"] == result.message.attachments[0]["url"]
    chart = Image.open(io.BytesIO(result.message.files[CHART]))
    chart.load()
    assert chart.format == "PNG" and chart.size == (800, chart_height(6))
    chart = chart.convert("RGB")
    # Reached: 3 of 3, 2 of 3 (alice, carol), 1 of 3, 1 of 3, none, none.
    for index, shown in enumerate((100, 66, 33, 33, 0, 0)):
        measured = bar_length(chart, funnel_bar_box(index), STAGE_COLOURS[index])
        assert abs(measured - TRACK_WIDTH * shown / 100) <= 2, index


async def test_stats_without_members_have_no_chart(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.mod, "roadmap-admin stats")
    assert result.embed["description"].startswith("No member has started this roadmap yet.")
    assert result.message.attachments == [] and "image" not in result.embed


async def test_a_slow_card_is_deferred_then_sent_with_its_picture(
    emulator: Emulator, sample: StandardWorld, launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When drawing takes longer than the answer guard waits (a busy machine), the command is
    deferred ("thinking") and the card replaces it as the followup, picture and all."""

    def slow_draw(picture: ProgressPicture) -> bytes:
        time.sleep(DEFER_AFTER + 0.5)
        return draw_progress_card(picture)

    monkeypatch.setattr(card_cog, "draw_progress_card", slow_draw)
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap card", within=15)
    assert result.deferred and result.ephemeral
    assert result.followups == [result.message] and not result.message.loading
    assert [a["filename"] for a in result.message.attachments] == [FILENAME]
    assert result.embed["image"]["url"] == result.message.attachments[0]["url"]
    picture = Image.open(io.BytesIO(result.message.files[FILENAME]))
    assert picture.size == (800, card_height(6))
