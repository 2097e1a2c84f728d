"""The `/roadmap card` picture: a member's progress as a PNG, drawn with Pillow.

Pure: it takes plain values (`ProgressPicture`, built from the same `ProgressSummary` that
`/roadmap progress` renders) and returns PNG bytes, so it runs anywhere, off the event loop
(the cogs draw through bot/cogs/card.py's `drawn`, on a worker thread). Drawing is CPU work of
a few milliseconds that holds the GIL only in short stretches: pictures are drawn in palette
indexes (`Canvas`) with text set from a glyph cache, and encoded as palette PNGs.

The font is Pillow's own (`ImageFont.load_default(size=...)`, Pillow >= 10.1), so the card looks
the same on a clean machine without font files. Every bar's filled width is
`round(track_width * percent / 100)` of the percent printed beside it, so what a member reads
and what they see agree to the pixel.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

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
#: Stage bars cycle through these; a complete stage is always GREEN. None of them equals
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
    """One stage's row: topics done and skipped of `total`, `checked` when it is known, and
    whether the stage is complete by the one rule (bot/services/completion.py: a skipped topic
    counts only once its check is passed), which is what paints it green."""

    number: int
    title: str
    done: int
    skipped: int
    total: int
    checked: int | None = None
    complete: bool = False

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


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


def picture_of(summary: ProgressSummary, member_name: str) -> ProgressPicture:
    """The card's values from `/roadmap progress`'s summary: the same counts, checked topics
    and stage completion that `progress` shows."""
    standing = summary.standing
    stages = tuple(
        StageBar(
            number=stage.number,
            title=stage.stage.title,
            done=stage.done,
            skipped=stage.skipped,
            total=stage.total,
            checked=standing.checked_in(stage.stage),
            complete=standing.stage_complete(stage.stage),
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
        checked=sum(s.checked or 0 for s in stages),
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
    """`text` on one line as the font draws it, cut with an ellipsis to fit `room` pixels at
    `size`."""
    text = drawable(text)
    if text_width(text, size) <= room:
        return text
    # The longest prefix that fits with its ellipsis, by bisection (lengths grow with prefixes).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", size) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


# -- the palette: pictures are drawn in palette indexes ------------------------------------------

#: Every colour a picture uses. Text is antialiased in RAMP_STEPS shades between its colour
#: (TEXT_COLOURS) and what it is written on (TEXT_GROUNDS); those shades complete the palette.
BASE_COLOURS: tuple[Colour, ...] = (
    BACKGROUND, PANEL, TRACK, TEXT, MUTED, BLURPLE, GREEN, ORANGE, SKIPPED, ICE, *STAGE_COLOURS
)  # fmt: skip
TEXT_COLOURS: tuple[Colour, ...] = (TEXT, MUTED, GREEN)
TEXT_GROUNDS: tuple[Colour, ...] = (PANEL, TRACK)
RAMP_STEPS = 24


def _blend(front: Colour, back: Colour, share: float) -> Colour:
    r, g, b = (round(bb + (ff - bb) * share) for ff, bb in zip(front, back, strict=True))
    return (r, g, b)


@dataclass(frozen=True, slots=True)
class _Palette:
    colours: tuple[Colour, ...]
    index: dict[Colour, int]
    # (text colour, ground) -> 256 palette indexes, one per coverage value of a glyph mask
    ramps: dict[tuple[Colour, Colour], tuple[int, ...]]


@lru_cache(maxsize=1)
def _palette() -> _Palette:
    colours = list(dict.fromkeys(BASE_COLOURS))
    ramps: dict[tuple[Colour, Colour], tuple[int, ...]] = {}
    for front in TEXT_COLOURS:
        for back in TEXT_GROUNDS:
            steps = []
            for step in range(RAMP_STEPS):
                shade = _blend(front, back, step / (RAMP_STEPS - 1))
                if shade not in colours:
                    colours.append(shade)
                steps.append(colours.index(shade))
            ramps[(front, back)] = tuple(
                steps[round(coverage * (RAMP_STEPS - 1) / 255)] for coverage in range(256)
            )
    if len(colours) > 256:
        raise AssertionError(f"{len(colours)} colours do not fit a PNG palette")
    return _Palette(tuple(colours), {c: n for n, c in enumerate(colours)}, ramps)


def colour_index(colour: Colour) -> int:
    """The palette index of one of BASE_COLOURS."""
    return _palette().index[colour]


_MISSING = "\U0010fffd"  # a private-use character no font draws: the font's "missing" box


@lru_cache(maxsize=4096)
def _drawable_char(char: str) -> bool:
    """Whether the bundled font has a glyph for `char` (it has about a hundred: ASCII and
    some punctuation); a missing one would come out as its empty box."""
    face = font(18)
    return char == " " or bytes(face.getmask(char)) != bytes(face.getmask(_MISSING))


#: Latin letters that have no decomposition into a base letter and an accent.
_SPELLED = str.maketrans({
    "ß": "ss", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ł": "L",
    "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "ı": "i", "–": "-", "—": "-",
})  # fmt: skip


def drawable(text: str) -> str:
    """`text` with what the bundled font can draw: accented letters lose their accents
    ("Émilie" -> "Emilie", "Straße" -> "Strasse"), other characters it has no glyph for
    (emoji, most scripts) go."""
    kept = []
    for char in text.translate(_SPELLED):
        if _drawable_char(char):
            kept.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        kept.extend(
            part for part in base if not unicodedata.combining(part) and _drawable_char(part)
        )
    return " ".join("".join(kept).split())


def card_name(display_name: str, username: str) -> str:
    """The name a card shows: the member's display name as far as the font draws it, else
    (when most of it would be lost, as for a name in another script) their username."""
    shown = drawable(display_name)
    if len(shown) * 2 >= len(display_name.strip()) and shown:
        return shown
    return drawable(username) or "Member"


@dataclass(frozen=True, slots=True)
class _Glyph:
    shades: Image.Image  # palette indexes
    stencil: Image.Image  # 255 where the glyph draws
    left: int  # offset of the pixels from the pen on the baseline
    top: int


@lru_cache(maxsize=4096)
def _glyph(char: str, size: int, front: Colour, back: Colour) -> _Glyph | None:
    """One character as palette indexes (antialiased from `back` to `front`), the mask of its
    pixels and their offset from the pen on the baseline; None when it draws nothing (a space).

    Text is set glyph by glyph from this cache: FreeType rasterizes a whole string on every
    call, and a card's strings (a name, its counts) differ from member to member while their
    characters do not."""
    face = font(size)
    left, top, right, bottom = (int(edge) for edge in face.getbbox(char, anchor="ls"))
    if right <= left or bottom <= top:
        return None
    coverage = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(coverage).text((-left, -top), char, font=face, fill=255, anchor="ls")
    shades = coverage.point(list(_palette().ramps[(front, back)]))
    stencil = coverage.point([0] + [255] * 255)
    return _Glyph(shades, stencil, left, top)


@lru_cache(maxsize=4096)
def _advance(char: str, size: int) -> float:
    return font(size).getlength(char)


def text_width(text: str, size: int) -> int:
    """The width of `text` as Canvas.text sets it (glyph advances, no kerning)."""
    return round(sum(_advance(char, size) for char in text))


@lru_cache(maxsize=16)
def _rounded_mask(width: int, height: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=height // 2, fill=255
    )
    return mask


class Canvas:
    """A picture being drawn in palette indexes (a "P" image; its palette is set when it is
    encoded): every pixel is one of the palette's colours by construction, so the PNG is a
    lossless palette PNG, a third of the bytes of RGB and fast to encode (Pillow's RGB PNG
    filter search cost more than the whole drawing)."""

    def __init__(self, width: int, height: int, background: Colour) -> None:
        self.image = Image.new("P", (width, height), colour_index(background))
        self._draw = ImageDraw.Draw(self.image)
        # Glyphs are pasted by the core: Image.paste's checks cost more than the copy itself,
        # and a card pastes a few hundred of them.
        self._core = self.image.im

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def rounded(self, box: tuple[int, int, int, int], radius: int, colour: Colour) -> None:
        self._draw.rounded_rectangle(box, radius=radius, fill=colour_index(colour))

    def dot(self, box: tuple[int, int, int, int], colour: Colour) -> None:
        self._draw.ellipse(box, fill=colour_index(colour))

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        colour: Colour,
        *,
        over: Colour = PANEL,
        anchor: str = "la",
    ) -> None:
        """`text` at `xy` as ImageDraw.text would with `anchor`: "la" (left, ascender), "ra"
        (right, ascender) or "lm" (left, middle); antialiased against `over`."""
        text = drawable(text)
        if not text:
            return
        ascent, descent = font(size).getmetrics()
        pen, y = xy
        if anchor[0] == "r":
            pen -= text_width(text, size)
        baseline = round(y + ascent if anchor[1] == "a" else y + (ascent - descent) / 2)
        paste = self._core.paste
        for char in text:
            glyph = _glyph(char, size, colour, over)
            if glyph is not None:
                x, y = round(pen) + glyph.left, baseline + glyph.top
                width, height = glyph.shades.size
                paste(glyph.shades.im, (x, y, x + width, y + height), glyph.stencil.im)
            pen += _advance(char, size)

    def bar(
        self,
        box: tuple[int, int, int, int],
        segments: Iterable[tuple[int, Colour]],
    ) -> None:
        """A rounded track at `box` (left, top, right, bottom) filled from the left with
        `segments` (pixels, colour) in order; the fill is clipped to the track's rounded ends,
        so a bar of a few pixels is as wide as it should be (its middle row measures exactly)."""
        left, top, right, bottom = box
        width, height = right - left, bottom - top
        bar = Image.new("P", (width, height), colour_index(TRACK))
        painter = ImageDraw.Draw(bar)
        start = 0
        for pixels, colour in segments:
            end = min(width, start + max(0, pixels))
            if end > start:
                painter.rectangle((start, 0, end - 1, height - 1), fill=colour_index(colour))
            start = end
        self.image.paste(bar, (left, top), _rounded_mask(width, height))

    def chip(self, x: int, y: int, text: str, colour: Colour) -> int:
        """A rounded label with a coloured dot at (x, y); returns the x after it."""
        width, height = text_width(text, 17) + 44, 32
        self.rounded((x, y, x + width, y + height), height // 2, TRACK)
        self.dot((x + 12, y + 11, x + 22, y + 21), colour)
        self.text((x + 30, y + height // 2), text, 17, TEXT, over=TRACK, anchor="lm")
        return x + width + 10

    def png(self) -> bytes:
        """The picture as an 8-bit palette PNG."""
        self.image.putpalette([channel for colour in _palette().colours for channel in colour])
        out = io.BytesIO()
        self.image.save(out, format="PNG", compress_level=1)
        return out.getvalue()


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


def chips_box() -> tuple[int, int, int, int]:
    """Where the chips (streak, freezes, checked topics) are drawn (left, top, right, bottom)."""
    top = HEADER_HEIGHT + 6
    return (MARGIN, top, WIDTH - MARGIN, top + 32)


def stage_bar_box(index: int) -> tuple[int, int, int, int]:
    """Where the bar of the `index`-th stage (0-based) is drawn (left, top, right, bottom)."""
    top = HEADER_HEIGHT + CHIPS_HEIGHT + STAGE_ROW_HEIGHT * index + 32
    return (MARGIN, top, MARGIN + TRACK_WIDTH, top + BAR_HEIGHT)


def stage_colour(stage: StageBar) -> Colour:
    if stage.complete:
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
    canvas = Canvas(WIDTH, height, BACKGROUND)
    canvas.rounded((12, 12, WIDTH - 13, height - 13), 18, PANEL)

    finished = picture.total > 0 and picture.percent == 100
    big = f"{picture.percent}%"
    canvas.text((WIDTH - MARGIN, 30), big, 52, GREEN if finished else TEXT, anchor="ra")
    room = TRACK_WIDTH - text_width(big, 52) - 24
    canvas.text((MARGIN, 30), fit(picture.member_name, 32, room), 32, TEXT)
    canvas.text((MARGIN, 72), fit(picture.roadmap_title, 18, room), 18, MUTED)
    box = roadmap_bar_box()
    done_colour = GREEN if finished else BLURPLE
    canvas.bar(box, [(fill_width(TRACK_WIDTH, picture.percent), done_colour)])
    topics = f"{picture.done} of {picture.total} topics done"
    canvas.text((MARGIN, box[3] + 10), topics, 15, MUTED)

    x, y, _, _ = chips_box()
    x = canvas.chip(x, y, _streak_text(picture), ORANGE if picture.streak_current else SKIPPED)
    held = f"Freezes {picture.freezes_held}/{picture.freezes_max}"
    x = canvas.chip(x, y, held, ICE if picture.freezes_held else SKIPPED)
    if picture.checked:
        checked = "topic" if picture.checked == 1 else "topics"
        canvas.chip(x, y, f"{picture.checked} {checked} checked", GREEN)

    for index, stage in enumerate(picture.stages):
        left, top, right, _ = box = stage_bar_box(index)
        label_y = top - 26
        counts = _stage_counts(stage)
        canvas.text((right, label_y + 1), counts, 16, MUTED, anchor="ra")
        title_room = TRACK_WIDTH - text_width(counts, 16) - 20
        title = fit(f"{stage.number}. {stage.title}", 18, title_room)
        canvas.text((left, label_y), title, 18, TEXT)
        done_pixels = fill_width(TRACK_WIDTH, stage.percent)
        # Skipped topics follow the done ones in grey: past them, but not learned.
        passed = percent(stage.done + stage.skipped, stage.total)
        skipped_pixels = fill_width(TRACK_WIDTH, passed) - done_pixels
        canvas.bar(box, [(done_pixels, stage_colour(stage)), (skipped_pixels, SKIPPED)])
    footer = "Roadmap finished!" if finished else "Keep going with /roadmap next"
    canvas.text((MARGIN, height - MARGIN - 12), footer, 14, MUTED)
    return canvas.png()
