"""A process that marks topics done as fast as it can and prints each one after its commit.

    python -m tests.store.crash_writer DB_PATH FIRST_USER_ID

The crash test kills it with SIGKILL mid-stream: every line printed is a write the process was
told had committed, so it must be in the database afterwards.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import SystemClock
from bot.services.progress import StudyService
from bot.store.database import Database

GUILD = 424_242_424_242_424_242
WORKERS = 32
ROADMAP = Roadmap(
    id="crash",
    title="Crash",
    summary="One stage of three topics.",
    stages=(
        Stage(
            id="only",
            title="Only",
            summary="Only stage.",
            topics=tuple(Topic(id=f"t{i}", title=f"T{i}", summary="-") for i in range(3)),
        ),
    ),
)


async def main(path: Path, first_user: int) -> None:
    db = await Database.open(path)
    study = StudyService(db, SystemClock())
    counter = iter(range(first_user, first_user + 10_000_000))

    async def worker() -> None:
        for user in counter:
            topic = f"t{user % 3}"
            await study.mark(GUILD, user, ROADMAP, topic, "done")
            sys.stdout.write(f"{user} {topic}\n")
            sys.stdout.flush()

    await asyncio.gather(*(worker() for _ in range(WORKERS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
