"""Members with progress on ids that left the content: counted across roadmaps, never deleted."""

import sqlite3

from bot.store.database import Database
from bot.store.orphans import OrphanedProgressRepository

NOW = "2024-05-15T12:00:00.000000Z"
GUILD, OTHER_GUILD = 10**18, 10**18 + 1
ALICE, BOB = 2**63 - 1, 10**17


async def mark(db: Database, guild: int, user: int, roadmap: str, topic: str) -> None:
    def insert(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO progress VALUES (?, ?, ?, ?, 'done', ?, ?, ?)",
            (guild, user, roadmap, topic, NOW, NOW, NOW),
        )

    await db.write_sqlite(insert)


async def test_members_are_counted_once_across_roadmaps_and_per_server(db: Database) -> None:
    await mark(db, GUILD, ALICE, "backend", "flask")
    await mark(db, GUILD, ALICE, "backend", "django")
    await mark(db, GUILD, ALICE, "data", "pandas")
    await mark(db, GUILD, BOB, "backend", "syntax")
    await mark(db, OTHER_GUILD, ALICE, "backend", "flask")
    orphans = OrphanedProgressRepository(db)

    everything = {"backend": ["syntax", "flask", "django"], "data": ["pandas"]}
    assert await orphans.count_members(everything) == 0
    # Alice in both servers has progress on flask; in the first one also on pandas: 2 members.
    assert await orphans.count_members({"backend": ["syntax", "django"], "data": ["pandas"]}) == 2
    assert await orphans.count_members({"backend": ["syntax", "django"], "data": []}) == 2
    # A whole roadmap gone: its members count, Bob (only backend) does not.
    assert await orphans.count_members({"backend": ["syntax", "flask", "django"]}) == 1
    assert await orphans.count_members({}) == 3


async def test_counting_never_deletes_the_rows(db: Database) -> None:
    await mark(db, GUILD, ALICE, "backend", "flask")
    orphans = OrphanedProgressRepository(db)
    assert await orphans.count_members({"backend": ["syntax"]}) == 1
    assert await orphans.count_members({"backend": ["syntax", "flask"]}) == 0
    rows = await db.fetchall("SELECT topic_id, status FROM progress")
    assert rows == [("flask", "done")]
