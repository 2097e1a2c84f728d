"""The `/roadmap card` picture: a PNG Pillow opens, of the documented size, whose bars are as
long as the percents printed beside them (measured on the pixels)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image, ImageDraw

from bot.records import ProgressRow
from bot.render.progress_image import (
    BASE_COLOURS,
    BLURPLE,
    GREEN,
    PANEL,
    SKIPPED,
    STAGE_COLOURS,
    TEXT,
    TRACK_WIDTH,
    WIDTH,
    Canvas,
    ProgressPicture,
    StageBar,
    card_height,
    card_name,
    chips_box,
    draw_progress_card,
    drawable,
    fit,
    font,
    picture_of,
    roadmap_bar_box,
    stage_bar_box,
)
from bot.services.progress import ProgressSummary
from bot.services.standing import standing
from bot.services.streaks import Streak
from tests.unit.render.builders import make_roadmap, make_stage, make_topic

Colour = tuple[int, int, int]


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every row: a broken stream fails here
    assert image.format == "PNG"
    return image.convert("RGB")


def run_of(image: Image.Image, box: tuple[int, int, int, int], colour: Colour) -> int:
    """Pixels of `colour` from the left end of the bar at `box`, along its middle row."""
    left, top, right, bottom = box
    middle = (top + bottom) // 2
    length = 0
    for x in range(left, right):
        if image.getpixel((x, middle)) != colour:
            break
        length += 1
    return length


def stage(number: int, done: int, total: int, skipped: int = 0) -> StageBar:
    """A stage without choice groups or checks: complete when every topic is done."""
    return StageBar(number, f"Stage {number}", done, skipped, total, complete=done == total)


def pixels_of(image: Image.Image, box: tuple[int, int, int, int], colour: Colour) -> int:
    """How many pixels inside `box` are exactly `colour`."""
    left, top, right, bottom = box
    return sum(
        image.getpixel((x, y)) == colour for x in range(left, right) for y in range(top, bottom)
    )


def picture(*stages: StageBar, **overrides: object) -> ProgressPicture:
    fields: dict[str, object] = {
        "member_name": "alice",
        "roadmap_title": "Python backend developer",
        "stages": stages,
        "done": sum(s.done for s in stages),
        "total": sum(s.total for s in stages),
        "streak_current": 3,
        "streak_longest": 8,
        "freezes_held": 1,
    }
    fields.update(overrides)
    return ProgressPicture(**fields)  # type: ignore[arg-type]


def test_the_card_opens_and_has_the_documented_size() -> None:
    for count in (1, 6, 14):
        stages = tuple(stage(n, n % 3, 4) for n in range(1, count + 1))
        image = open_png(draw_progress_card(picture(*stages)))
        assert image.size == (WIDTH, card_height(count)) == (800, card_height(count))
    assert card_height(6) < card_height(7)  # the height follows the stages


@pytest.mark.parametrize(
    ("done", "total"), [(0, 5), (1, 7), (1, 3), (2, 3), (5, 9), (13, 17), (99, 100), (4, 4)]
)
def test_stage_bars_follow_their_percent(done: int, total: int) -> None:
    stages = (stage(1, done, total), stage(2, 0, 3), stage(3, 3, 3))
    image = open_png(draw_progress_card(picture(*stages)))
    shown = done * 100 // total  # the percent printed beside the bar (rounded down)
    colour = GREEN if done == total else STAGE_COLOURS[0]
    assert abs(run_of(image, stage_bar_box(0), colour) - TRACK_WIDTH * shown / 100) <= 2
    assert run_of(image, stage_bar_box(1), STAGE_COLOURS[1]) == 0
    assert abs(run_of(image, stage_bar_box(2), GREEN) - TRACK_WIDTH) <= 2


def test_the_roadmap_bar_follows_the_roadmap_percent() -> None:
    stages = (stage(1, 4, 4), stage(2, 3, 7), stage(3, 0, 9))  # 7 of 20: 35%
    image = open_png(draw_progress_card(picture(*stages)))
    assert abs(run_of(image, roadmap_bar_box(), BLURPLE) - TRACK_WIDTH * 35 / 100) <= 2
    finished = open_png(draw_progress_card(picture(stage(1, 2, 2))))
    assert abs(run_of(finished, roadmap_bar_box(), GREEN) - TRACK_WIDTH) <= 2


def test_skipped_topics_follow_the_done_ones_in_grey() -> None:
    # 2 done and 3 skipped of 10: 20% learned, then 30% passed without learning.
    image = open_png(draw_progress_card(picture(stage(1, 2, 10, skipped=3))))
    box = stage_bar_box(0)
    done = run_of(image, box, STAGE_COLOURS[0])
    assert abs(done - TRACK_WIDTH * 0.2) <= 2
    after_done = (box[0] + done, box[1], box[2], box[3])
    assert abs(run_of(image, after_done, SKIPPED) - TRACK_WIDTH * 0.3) <= 2


def test_a_tiny_share_still_shows_and_the_bar_colours_differ_per_stage() -> None:
    stages = tuple(stage(n, 1, 100) for n in range(1, 4))  # 1% each: about 7 px
    image = open_png(draw_progress_card(picture(*stages)))
    for index in range(3):
        assert abs(run_of(image, stage_bar_box(index), STAGE_COLOURS[index]) - 7.2) <= 2
    assert len(set(STAGE_COLOURS)) == len(STAGE_COLOURS)


def test_the_card_draws_what_a_member_reads() -> None:
    """Different names, streaks and counts draw different pixels in the header and the chips;
    a long name is cut to fit instead of running over the percent."""
    base = picture(stage(1, 1, 4))
    first = open_png(draw_progress_card(base))
    for changed in (
        picture(stage(1, 1, 4), member_name="bob"),
        picture(stage(1, 1, 4), streak_current=9),
        picture(stage(1, 1, 4), freezes_held=2),
        picture(stage(1, 1, 4), checked=3),
    ):
        assert open_png(draw_progress_card(changed)).tobytes() != first.tobytes()
    long_name = "a" * 300
    cut = fit(long_name, 32, 400)
    assert cut.endswith("…") and len(cut) < 300
    drawn = open_png(draw_progress_card(picture(stage(1, 1, 4), member_name=long_name)))
    assert drawn.size == first.size


def test_every_colour_is_kept_exactly_and_text_is_antialiased() -> None:
    canvas = Canvas(len(BASE_COLOURS) * 4, 60, PANEL)
    for n, colour in enumerate(BASE_COLOURS):
        canvas.rounded((n * 4, 0, n * 4 + 3, 3), 0, colour)
    canvas.text((2, 10), "Progress 42%", 28, TEXT)
    image = open_png(canvas.png())
    assert image.size == canvas.size
    assert [image.getpixel((n * 4 + 1, 1)) for n in range(len(BASE_COLOURS))] == list(BASE_COLOURS)
    # The text's edges are shades between PANEL and TEXT, not only the two colours.
    shades = {image.getpixel((x, y)) for x in range(image.width) for y in range(10, 50)}
    assert {PANEL, TEXT} < shades and len(shades) > 10
    # Reference: Pillow's own antialiased text differs by a shade of the palette's ramp at most.
    reference = Image.new("RGB", (image.width, 50), PANEL)
    ImageDraw.Draw(reference).text((2, 10), "Progress 42%", font=font(28), fill=TEXT)
    worst = max(
        abs(a - b)
        for x in range(reference.width)
        for y in range(10, 50)
        for a, b in zip(reference.getpixel((x, y)), image.getpixel((x, y)), strict=True)
    )
    assert worst <= 8


def test_picture_of_a_progress_summary() -> None:
    basics = make_stage(
        "basics",
        (make_topic("syntax"), make_topic("functions"), make_topic("files")),
        title="Learn the basics",
    )
    web = make_stage("web", (make_topic("http"), make_topic("html")), title="Web fundamentals")
    roadmap = make_roadmap(basics, web)
    stamp = "2026-12-01T10:00:00.000000Z"
    rows = [
        ProgressRow("syntax", "done", stamp, stamp, stamp, stamp),
        ProgressRow("functions", "skipped", stamp, stamp, None, stamp),
        ProgressRow("http", "done", stamp, stamp, stamp, stamp),
    ]
    summary = ProgressSummary(7, standing(roadmap, rows), Streak(4, 9, date(2026, 12, 1), 1, 0))
    made = picture_of(summary, "alice")
    assert made.member_name == "alice" and made.roadmap_title == "Python backend developer"
    assert [(s.number, s.title, s.done, s.skipped, s.total) for s in made.stages] == [
        (1, "Learn the basics", 1, 1, 3),
        (2, "Web fundamentals", 1, 0, 2),
    ]
    assert [s.checked for s in made.stages] == [2, 1] and made.checked == 3
    # Basics: files is not started; web: html is not started.
    assert [s.complete for s in made.stages] == [False, False]
    assert (made.done, made.total, made.percent) == (2, 5, 40)
    assert (made.streak_current, made.streak_longest, made.freezes_held) == (4, 9, 1)
    image = open_png(draw_progress_card(made))
    assert image.size == (WIDTH, card_height(2))
    # The chips say how many topics are checked, with a green dot (no other chip has one).
    assert pixels_of(image, chips_box(), GREEN) > 0
    unchecked = ProgressSummary(7, standing(roadmap, rows[:1]), summary.streak)
    assert picture_of(unchecked, "alice").checked == 1
    none = ProgressSummary(7, standing(roadmap, []), summary.streak)
    nothing = open_png(draw_progress_card(picture_of(none, "alice")))
    assert picture_of(none, "alice").checked == 0 and pixels_of(nothing, chips_box(), GREEN) == 0


def test_a_stage_of_skipped_topics_is_not_painted_complete() -> None:
    """By the one rule (completion.py) a skipped topic counts once its check is passed: a
    stage only skipped is not complete, so not green, while one whose skips are checked is."""
    basics = make_stage("basics", (make_topic("syntax"), make_topic("functions")))
    web = make_stage("web", (make_topic("http"), make_topic("html")))
    tools = make_stage("tools", (make_topic("git"), make_topic("shell")))
    roadmap = make_roadmap(basics, web, tools)
    stamp = "2026-12-01T10:00:00.000000Z"
    rows = [
        ProgressRow("syntax", "skipped", stamp, stamp, None),
        ProgressRow("functions", "skipped", stamp, stamp, None),
        ProgressRow("http", "skipped", stamp, stamp, None, stamp),
        ProgressRow("html", "done", stamp, stamp, stamp, stamp),
        ProgressRow("git", "done", stamp, stamp, stamp),
    ]
    summary = ProgressSummary(7, standing(roadmap, rows), Streak(0, 0, None, 0, 0))
    made = picture_of(summary, "alice")
    assert [s.complete for s in made.stages] == [False, True, False]
    image = open_png(draw_progress_card(made))
    # Basics: every topic skipped, none checked: grey all along, no green and not complete.
    assert run_of(image, stage_bar_box(0), GREEN) == 0
    assert abs(run_of(image, stage_bar_box(0), SKIPPED) - TRACK_WIDTH) <= 2
    # Web: one done, one skipped and checked: complete, its done half green, then grey.
    done = run_of(image, stage_bar_box(1), GREEN)
    assert abs(done - TRACK_WIDTH * 0.5) <= 2
    box = stage_bar_box(1)
    after_done = (box[0] + done, box[1], box[2], box[3])
    assert abs(run_of(image, after_done, SKIPPED) - TRACK_WIDTH * 0.5) <= 2
    # Tools: half done, in the stage's own colour.
    assert abs(run_of(image, stage_bar_box(2), STAGE_COLOURS[2]) - TRACK_WIDTH * 0.5) <= 2


@pytest.mark.parametrize(
    ("display_name", "username", "shown"),
    [
        ("Ada", "ada", "Ada"),
        ("Ada 🌸", "ada", "Ada"),  # the bundled font has no emoji: they go, the name stays
        ("Émilie", "emilie", "Emilie"),
        ("Jürgen Straße", "jurgen", "Jurgen Strasse"),
        ("Øyvind", "oyvind", "Oyvind"),
        ("李小龙", "bruce", "bruce"),  # a script the font lacks: the username instead
        ("🌸🌸🌸", "petals", "petals"),
    ],
)
def test_a_card_shows_what_the_font_can_draw_of_a_name(
    display_name: str, username: str, shown: str
) -> None:
    assert card_name(display_name, username) == shown
    assert drawable(shown) == shown


def test_characters_without_a_glyph_draw_nothing_instead_of_boxes() -> None:
    with_emoji = open_png(draw_progress_card(picture(stage(1, 1, 4), member_name="Ada 🌸✨")))
    plain = open_png(draw_progress_card(picture(stage(1, 1, 4), member_name="Ada")))
    assert with_emoji.tobytes() == plain.tobytes()
    assert fit("Zoë — 日本", 18, 500) == "Zoe -"
