"""`/roadmap card`: drawing a member's progress card (Pillow, then PNG) and what 50 cards drawn at
once do to the event loop.

Each card is a different member of the shipped default roadmap (their own name, progress,
streak and freezes), built from a progress summary as the cog builds it. Figures:
  - draw p99 (goal < 50 ms), against the text `/roadmap progress` card rendered for the same
    members in the same run;
  - the same with the text cache emptied before every card (every glyph rasterized: the first
    card after a start, or a roadmap nobody drew yet), informative;
  - the longest event-loop stall while 50 cards are drawn at once, off the loop as the cog
    draws them (goal < 20 ms), against the same ticker with the loop idle;
  - the wall time of those 50 cards, against one card drawn alone, informative.

    .venv/bin/python -m tests.bench.bench_card [--quick]
"""

from __future__ import annotations

import asyncio
import io
import random
import sys
import time
from datetime import date
from pathlib import Path

from PIL import Image

from bot.cogs.card import drawn
from bot.records import ProgressRow
from bot.render import progress_image
from bot.render.progress_card import progress_card
from bot.render.progress_image import ProgressPicture, card_height, draw_progress_card, picture_of
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Roadmap
from bot.services.progress import ProgressSummary
from bot.services.standing import standing
from bot.services.streaks import Streak
from tests.bench.bench_reload import stall_during
from tests.bench.figures import BenchOptions, Figure, percentile

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
STAMP = "2026-03-01T10:00:00.000000Z"
AT_ONCE = 50


def summaries(roadmap: Roadmap, count: int, seed: int = 19) -> list[tuple[str, ProgressSummary]]:
    """`count` members with their own names and progress (done, skipped, untouched topics)."""
    rng = random.Random(seed)
    topics = list(roadmap.topics)
    made = []
    for number in range(count):
        reached = rng.randrange(len(topics) + 1)
        rows = [
            ProgressRow(
                topic.id, rng.choice(("done", "done", "done", "skipped")), STAMP, STAMP, STAMP
            )
            for topic in topics[:reached]
        ]
        longest = rng.randrange(60)
        streak = Streak(rng.randrange(longest + 1), longest, date(2026, 3, 1), rng.randrange(3))
        name = f"{rng.choice(('alice', 'bob', 'carol', 'dave', 'Émilie'))}_{number:05d}"
        made.append((name, ProgressSummary(10**17 + number, standing(roadmap, rows), streak)))
    return made


def timed(work: list[ProgressPicture], draw: object) -> list[float]:
    samples = []
    for picture in work:
        start = time.perf_counter()
        draw(picture)  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return samples


def cold_draw(picture: ProgressPicture) -> bytes:
    """A card with nothing cached: every glyph rasterized, every mask made."""
    progress_image._glyph.cache_clear()
    progress_image._advance.cache_clear()
    progress_image.fit.cache_clear()
    return draw_progress_card(picture)


def check_png(data: bytes, stages: int) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size == (800, card_height(stages)), image.size


async def run(options: BenchOptions) -> list[Figure]:
    loaded = load_directory(CONTENT_DIR)
    assert loaded.catalog is not None, loaded.problems
    roadmap = loaded.catalog.default
    count = 100 if options.quick else 1000
    members = summaries(roadmap, count)
    pictures = [picture_of(summary, name) for name, summary in members]
    check_png(draw_progress_card(pictures[0]), len(roadmap.stages))

    text = timed(
        [summary for _, summary in members],  # type: ignore[misc]
        lambda summary: progress_card(summary, viewer_id=summary.user_id),
    )
    warm = timed(pictures, draw_progress_card)
    cold = timed(pictures[: max(20, count // 10)], cold_draw)
    alone_start = time.perf_counter()
    draw_progress_card(pictures[1])
    alone = time.perf_counter() - alone_start

    batch = pictures[-AT_ONCE:]

    async def draw_at_once() -> list[bytes]:
        return list(
            await asyncio.gather(*(drawn(draw_progress_card, picture) for picture in batch))
        )

    elapsed, stall, cards = await stall_during(draw_at_once)
    # The baseline: the same ticker for as long, with nothing to draw (on a shared machine the
    # loop stalls by itself now and then; this is how much).
    _, idle_stall, _ = await stall_during(lambda: asyncio.sleep(elapsed))
    assert isinstance(cards, list) and len(cards) == AT_ONCE
    for data in cards:
        check_png(data, len(roadmap.stages))

    p50, p99 = percentile(warm, 0.5) * 1000, percentile(warm, 0.99) * 1000
    cold_p99 = percentile(cold, 0.99) * 1000
    text_p99 = percentile(text, 0.99) * 1000
    size = sum(len(data) for data in cards) / len(cards) / 1024
    print(
        f"{count:,} cards of {len(roadmap.stages)} stages: draw p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"(text card p99 {text_p99:.2f} ms); nothing cached p99 {cold_p99:.1f} ms; "
        f"{AT_ONCE} at once in threads: {elapsed * 1000:.0f} ms, longest stall "
        f"{stall * 1000:.1f} ms (idle {idle_stall * 1000:.1f} ms); "
        f"one alone {alone * 1000:.1f} ms; PNG {size:.0f} KiB"
    )
    return [
        Figure("progress card: draw + PNG, p99", p99, "ms", text_p99,
               "text /roadmap progress card", "< 50 ms", p99 < 50),
        Figure("progress card, nothing cached: draw + PNG, p99", cold_p99, "ms", p99,
               "text cache warm", "informative"),
        Figure(f"{AT_ONCE} cards drawn at once: longest event-loop stall", stall * 1000, "ms",
               idle_stall * 1000, "same ticker as long, loop idle", "< 20 ms", stall * 1000 < 20),
        Figure(f"{AT_ONCE} cards drawn at once: wall time", elapsed * 1000, "ms",
               alone * 1000, "one card alone", "informative"),
    ]  # fmt: skip


def main() -> None:
    asyncio.run(run(BenchOptions(quick="--quick" in sys.argv)))


if __name__ == "__main__":
    main()
