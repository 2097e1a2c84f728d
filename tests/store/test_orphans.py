"""Members with progress on ids that left the content: counted across roadmaps, never deleted
(on SQLite and on PostgreSQL)."""

from sqlalchemy import Connection, insert, select

from bot.store.database import Database
from bot.store.orphans import OrphanedProgressRepository
from bot.store.schema import progress

NOW = "2024-05-15T12:00:00.000000Z"
GUILD, OTHER_GUILD = 10**18, 10**18 + 1
ALICE, BOB = 2**63 - 1, 10**17


async def mark(db: Database, guild: int, user: int, roadmap: str, topic: str) -> None:
    def add(conn: Connection) -> None:
        conn.execute(
            insert(progress).values(
                guild_id=guild,
                user_id=user,
                roadmap_id=roadmap,
                topic_id=topic,
                status="done",
                started_at=NOW,
                updated_at=NOW,
                completed_at=NOW,
            )
        )

    await db.write(add)


async def test_members_are_counted_once_across_roadmaps_and_per_server(store_db: Database) -> None:
    await mark(store_db, GUILD, ALICE, "backend", "flask")
    await mark(store_db, GUILD, ALICE, "backend", "django")
    await mark(store_db, GUILD, ALICE, "data", "pandas")
    await mark(store_db, GUILD, BOB, "backend", "syntax")
    await mark(store_db, OTHER_GUILD, ALICE, "backend", "flask")
    orphans = OrphanedProgressRepository(store_db)

    everything = {"backend": ["syntax", "flask", "django"], "data": ["pandas"]}
    assert await orphans.count_members(everything) == 0
    # Alice in both servers has progress on flask; in the first one also on pandas: 2 members.
    assert await orphans.count_members({"backend": ["syntax", "django"], "data": ["pandas"]}) == 2
    assert await orphans.count_members({"backend": ["syntax", "django"], "data": []}) == 2
    # A whole roadmap gone: its members count, Bob (only backend) does not.
    assert await orphans.count_members({"backend": ["syntax", "flask", "django"]}) == 1
    assert await orphans.count_members({}) == 3
    # An id known in one roadmap does not cover the same id in another.
    assert await orphans.count_members({"backend": ["syntax", "flask", "django", "pandas"]}) == 1


async def test_a_large_content_is_one_query(store_db: Database) -> None:
    # Thousands of known ids (more than SQLite's old limit of 999 parameters per statement).
    await mark(store_db, GUILD, ALICE, "backend", "topic-2999")
    await mark(store_db, GUILD, BOB, "backend", "gone")
    known = {"backend": [f"topic-{n}" for n in range(3000)]}
    assert await OrphanedProgressRepository(store_db).count_members(known) == 1


async def test_counting_never_deletes_the_rows(store_db: Database) -> None:
    await mark(store_db, GUILD, ALICE, "backend", "flask")
    orphans = OrphanedProgressRepository(store_db)
    assert await orphans.count_members({"backend": ["syntax"]}) == 1
    assert await orphans.count_members({"backend": ["syntax", "flask"]}) == 0

    def rows(conn: Connection) -> list[tuple[str, str]]:
        return [tuple(r) for r in conn.execute(select(progress.c.topic_id, progress.c.status))]

    assert await store_db.read(rows) == [("flask", "done")]
