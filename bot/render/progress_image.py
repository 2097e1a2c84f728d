"""The `/roadmap card` picture: a member's progress as a PNG, drawn with Pillow.

Pure: it takes plain values (`ProgressPicture`, built from the same `ProgressSummary` that
`/roadmap progress` renders) and returns PNG bytes, so it runs anywhere, off the event loop
(the cog calls it through `asyncio.to_thread`). Drawing is CPU work of a few milliseconds that
holds the GIL only in short stretches, so many cards drawn at once never stall the loop for long.

The font is Pillow's own (`ImageFont.load_default(size=...)`, Pillow >= 10.1), so the card looks
the same on a clean machine without font files. Every bar's filled width is
`round(track_width * percent / 100)` of the percent printed beside it, so what a member reads
and what they see agree to the pixel.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.services.progress import ProgressSummary
from bot.services.standing import percent
from bot.services.streaks import FREEZES_MAX

Colour = tuple[int, int, int]

#: The card's width; its height follows the number of stages.
WIDTH = 800
MARGIN = 40
TRACK_WIDTH = WIDTH - 2 * MARGIN
BAR_HEIGHT = 16
ROADMAP_BAR_HEIGHT = 22

# Discord's dark theme.
BACKGROUND: Colour = (0x31, 0x33, 0x38)
PANEL: Colour = (0x2B, 0x2D, 0x31)
TRACK: Colour = (0x1E, 0x1F, 0x22)
TEXT: Colour = (0xF2, 0xF3, 0xF5)
MUTED: Colour = (0xB5, 0xBA, 0xC1)
BLURPLE: Colour = (0x58, 0x65, 0xF2)
GREEN: Colour = (0x23, 0xA5, 0x5A)
ORANGE: Colour = (0xF0, 0xB2, 0x32)
SKIPPED: Colour = (0x4E, 0x50, 0x58)
ICE: Colour = (0x5D, 0xAD, 0xE2)
#: Stage bars cycle through these; a finished stage is always GREEN. None of them equals
#: SKIPPED, TRACK or PANEL, so a bar's fill can be told apart pixel by pixel.
STAGE_COLOURS: tuple[Colour, ...] = (
    (0x58, 0x65, 0xF2),  # blurple
    (0x37, 0x76, 0xAB),  # Python blue
    (0xEB, 0x45, 0x9E),  # fuchsia
    (0x1A, 0xBC, 0x9C),  # teal
    (0xFE, 0xE7, 0x5C),  # yellow
    (0xE6, 0x7E, 0x22),  # orange
)


@dataclass(frozen=True, slots=True)
class StageBar:
    """One stage's row: topics done and skipped of `total`; `checked` when it is known."""

    number: int
    title: str
    done: int
    skipped: int
    total: int
    checked: int | None = None

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.done + self.skipped >= self.total


@dataclass(frozen=True, slots=True)
class ProgressPicture:
    """Everything the card shows, as plain values."""

    member_name: str
    roadmap_title: str
    stages: tuple[StageBar, ...]
    done: int
    total: int
    streak_current: int = 0
    streak_longest: int = 0
    freezes_held: int = 0
    freezes_max: int = FREEZES_MAX
    checked: int | None = None  # topics whose self-check is passed; None: not known

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


def picture_of(
    summary: ProgressSummary,
    member_name: str,
    *,
    checked: Iterable[str] | None = None,
) -> ProgressPicture:
    """The card's values from `/roadmap progress`'s summary. `checked` (topic ids whose check
    is passed) adds the checked counts; without it the card shows none."""
    standing = summary.standing
    checked_ids = frozenset(checked) if checked is not None else None
    stages = tuple(
        StageBar(
            number=stage.number,
            title=stage.stage.title,
            done=stage.done,
            skipped=stage.skipped,
            total=stage.total,
            checked=(
                None
                if checked_ids is None
                else sum(topic.id in checked_ids for topic in stage.stage.topics)
            ),
        )
        for stage in standing.stages
    )
    return ProgressPicture(
        member_name=member_name,
        roadmap_title=standing.roadmap.title,
        stages=stages,
        done=standing.done,
        total=standing.total,
        streak_current=summary.streak.current,
        streak_longest=summary.streak.longest,
        freezes_held=summary.streak.freezes_held,
        checked=None if checked_ids is None else sum(s.checked or 0 for s in stages),
    )


# -- drawing helpers, shared with the stats chart ------------------------------------------------


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font at `size` px (cached: loading it is the slow part of a card)."""
    face = ImageFont.load_default(size=size)
    # Pillow built without FreeType would give a fixed-size bitmap font: refuse it plainly.
    if not isinstance(face, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow without FreeType cannot draw the progress card")
    return face


def fill_width(track_width: int, shown_percent: int) -> int:
    """The filled pixels of a bar of `track_width` showing `shown_percent` (clamped 0-100)."""
    return round(track_width * max(0, min(100, shown_percent)) / 100)


@lru_cache(maxsize=1024)
def fit(text: str, size: int, room: float) -> str:
    """`text` on one line, cut with an ellipsis to fit `room` pixels at `size`."""
    text = " ".join(text.split())
    face = font(size)
    if face.getlength(text) <= room:
        return text
    # The longest prefix that fits with its ellipsis, by bisection (lengths grow with prefixes).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if face.getlength(text[:middle].rstrip() + "…") <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


@lru_cache(maxsize=512)
def _text_mask(text: str, size: int) -> tuple[Image.Image, int, int, int]:
    """The text's coverage as an "L" image, its offset from the baseline origin and its
    advance. Cached because FreeType rasterizes every glyph on every call, and most of a card's
    text (stage titles, labels) is the same for every member of a roadmap."""
    face = font(size)
    left, top, right, bottom = (int(edge) for edge in face.getbbox(text, anchor="ls"))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=face, fill=255, anchor="ls")
    return mask, left, top, int(face.getlength(text))


def text_width(text: str, size: int) -> int:
    return _text_mask(text, size)[3]


def put_text(
    image: Image.Image,
    xy: tuple[float, float],
    text: str,
    size: int,
    colour: Colour,
    *,
    anchor: str = "la",
) -> None:
    """Draw `text` at `xy` as ImageDraw.text would with `anchor`: "la" (left, ascender), "ra"
    (right, ascender) or "lm" (left, middle)."""
    if not text:
        return
    mask, left, top, advance = _text_mask(text, size)
    ascent, descent = font(size).getmetrics()
    x, y = xy
    if anchor[0] == "r":
        x -= advance
    baseline = y + ascent if anchor[1] == "a" else y + (ascent - descent) / 2
    image.paste(colour, (round(x) + left, round(baseline) + top), mask)


def draw_bar(
    image: Image.Image,
    box: tuple[int, int, int, int],
    segments: Iterable[tuple[int, Colour]],
) -> None:
    """A rounded track at `box` (left, top, right, bottom) filled from the left with
    `segments` (pixels, colour) in order; the fill is clipped to the track's rounded ends, so a
    bar of a few pixels is as wide as it should be (its middle row measures exactly)."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    bar = Image.new("RGB", (width, height), TRACK)
    painter = ImageDraw.Draw(bar)
    start = 0
    for pixels, colour in segments:
        end = min(width, start + max(0, pixels))
        if end > start:
            painter.rectangle((start, 0, end - 1, height - 1), fill=colour)
        start = end
    image.paste(bar, (left, top), _rounded_mask(width, height))


@lru_cache(maxsize=16)
def _rounded_mask(width: int, height: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=height // 2, fill=255
    )
    return mask


def chip(image: Image.Image, x: int, y: int, text: str, colour: Colour) -> int:
    """A rounded label with a coloured dot at (x, y); returns the x after it."""
    width, height = text_width(text, 17) + 44, 32
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((x, y, x + width, y + height), radius=height // 2, fill=TRACK)
    draw.ellipse((x + 12, y + 11, x + 22, y + 21), fill=colour)
    put_text(image, (x + 30, y + height // 2), text, 17, TEXT, anchor="lm")
    return x + width + 10


def png(image: Image.Image) -> bytes:
    """`image` (RGB) as PNG bytes, every row with PNG's "Up" filter, deflated at level 1.

    Written here rather than with `Image.save`: Pillow tries all five PNG filters on every row
    of an RGB image, which costs about twice the drawing and the compression together. A card is
    flat colours that repeat down the rows, so "Up" (each byte minus the one above, which
    ImageChops.subtract_modulo computes in C) leaves mostly zeros, and zlib, which releases
    the GIL, shrinks them fast.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    above = Image.new("RGB", (width, height))  # row 0 has zeros above it, as PNG defines
    above.paste(image.crop((0, 0, width, height - 1)), (0, 1))
    filtered = ImageChops.subtract_modulo(image, above).tobytes()
    stride = width * 3
    rows = b"".join(
        _UP_FILTER + filtered[start : start + stride] for start in range(0, len(filtered), stride)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows, 1)),
            _chunk(b"IEND", b""),
        )
    )


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UP_FILTER = b"\x02"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# -- the card -------------------------------------------------------------------------------------

HEADER_HEIGHT = 162
CHIPS_HEIGHT = 56
STAGE_ROW_HEIGHT = 62
FOOTER_HEIGHT = 24


def card_height(stage_count: int) -> int:
    """The card's height in px for `stage_count` stages (the width is always WIDTH)."""
    return HEADER_HEIGHT + CHIPS_HEIGHT + STAGE_ROW_HEIGHT * stage_count + FOOTER_HEIGHT + MARGIN


def roadmap_bar_box() -> tuple[int, int, int, int]:
    """Where the roadmap's bar is drawn (left, top, right, bottom)."""
    top = 108
    return (MARGIN, top, MARGIN + TRACK_WIDTH, top + ROADMAP_BAR_HEIGHT)


def stage_bar_box(index: int) -> tuple[int, int, int, int]:
    """Where the bar of the `index`-th stage (0-based) is drawn (left, top, right, bottom)."""
    top = HEADER_HEIGHT + CHIPS_HEIGHT + STAGE_ROW_HEIGHT * index + 32
    return (MARGIN, top, MARGIN + TRACK_WIDTH, top + BAR_HEIGHT)


def stage_colour(stage: StageBar) -> Colour:
    if stage.finished:
        return GREEN
    return STAGE_COLOURS[(stage.number - 1) % len(STAGE_COLOURS)]


def _stage_counts(stage: StageBar) -> str:
    counts = f"{stage.done}/{stage.total}"
    if stage.skipped:
        counts += f" · {stage.skipped} skipped"
    if stage.checked:
        counts += f" · {stage.checked} checked"
    return f"{counts} · {stage.percent}%"


def _streak_text(picture: ProgressPicture) -> str:
    days = "day" if picture.streak_current == 1 else "days"
    return f"Streak {picture.streak_current} {days} · best {picture.streak_longest}"


def draw_progress_card(picture: ProgressPicture) -> bytes:
    """The card as PNG bytes: WIDTH x card_height(len(stages)) px."""
    height = card_height(len(picture.stages))
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    ImageDraw.Draw(image).rounded_rectangle(
        (12, 12, WIDTH - 13, height - 13), radius=18, fill=PANEL
    )

    finished = picture.total > 0 and picture.percent == 100
    big = f"{picture.percent}%"
    put_text(image, (WIDTH - MARGIN, 30), big, 52, GREEN if finished else TEXT, anchor="ra")
    room = TRACK_WIDTH - text_width(big, 52) - 24
    put_text(image, (MARGIN, 30), fit(picture.member_name, 32, room), 32, TEXT)
    put_text(image, (MARGIN, 72), fit(picture.roadmap_title, 18, room), 18, MUTED)
    box = roadmap_bar_box()
    done_colour = GREEN if finished else BLURPLE
    draw_bar(image, box, [(fill_width(TRACK_WIDTH, picture.percent), done_colour)])
    topics = f"{picture.done} of {picture.total} topics done"
    put_text(image, (MARGIN, box[3] + 10), topics, 15, MUTED)

    x, y = MARGIN, HEADER_HEIGHT + 6
    x = chip(image, x, y, _streak_text(picture), ORANGE if picture.streak_current else SKIPPED)
    held = f"Freezes {picture.freezes_held}/{picture.freezes_max}"
    x = chip(image, x, y, held, ICE if picture.freezes_held else SKIPPED)
    if picture.checked is not None:
        checked = "topic" if picture.checked == 1 else "topics"
        chip(image, x, y, f"{picture.checked} {checked} checked", GREEN)

    for index, stage in enumerate(picture.stages):
        left, top, right, _ = box = stage_bar_box(index)
        label_y = top - 26
        counts = _stage_counts(stage)
        put_text(image, (right, label_y + 1), counts, 16, MUTED, anchor="ra")
        title_room = TRACK_WIDTH - text_width(counts, 16) - 20
        put_text(
            image, (left, label_y), fit(f"{stage.number}. {stage.title}", 18, title_room), 18, TEXT
        )
        done_pixels = fill_width(TRACK_WIDTH, stage.percent)
        # Skipped topics follow the done ones in grey: past them, but not learned.
        passed = percent(stage.done + stage.skipped, stage.total)
        skipped_pixels = fill_width(TRACK_WIDTH, passed) - done_pixels
        draw_bar(image, box, [(done_pixels, stage_colour(stage)), (skipped_pixels, SKIPPED)])
    footer = "Roadmap finished!" if finished else "Keep going with /roadmap next"
    put_text(image, (MARGIN, height - MARGIN - 12), footer, 14, MUTED)
    return png(image)
