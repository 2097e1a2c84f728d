"""Draw docs/card.png, the README's `/roadmap card` picture: a sample member of the shipped
default roadmap, drawn by the bot's own code (bot/render/progress_image.py).

    .venv/bin/python docs/make_card.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.records import ProgressRow  # noqa: E402
from bot.render.progress_image import draw_progress_card, picture_of  # noqa: E402
from bot.roadmap.loader import load_directory  # noqa: E402
from bot.services.progress import ProgressSummary  # noqa: E402
from bot.services.standing import standing  # noqa: E402
from bot.services.streaks import Streak  # noqa: E402

STAMP = "2026-03-01T10:00:00.000000Z"


def main() -> None:
    loaded = load_directory(ROOT / "content")
    if loaded.catalog is None:
        raise SystemExit("\n".join(map(str, loaded.problems)))
    roadmap = loaded.catalog.default
    first, second = roadmap.stages[:2]
    # All of stage 1 done, its self-checks passed where it has them (complete: green, with the
    # checked chip); in stage 2 one topic skipped and not checked (grey; the stage is not
    # complete, so not green) and the others done.
    skipped, *done_there = second.topics
    rows = [
        ProgressRow(t.id, "done", STAMP, STAMP, STAMP, STAMP if t.check else None)
        for t in first.topics
    ]
    rows += [ProgressRow(t.id, "done", STAMP, STAMP, STAMP) for t in done_there]
    rows.append(ProgressRow(skipped.id, "skipped", STAMP, STAMP, None))
    streak = Streak(current=12, longest=15, last_day=date(2026, 3, 1), freezes_held=1)
    summary = ProgressSummary(1, standing(roadmap, rows), streak)
    out = ROOT / "docs" / "card.png"
    out.write_bytes(draw_progress_card(picture_of(summary, "Ada")))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
