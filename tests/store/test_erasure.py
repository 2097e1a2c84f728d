"""Forget-me and a departed server's deletion, on SQLite and on PostgreSQL: the explicit lists
of what is erased cover every table of the schema, and erase exactly the member's rows."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Table, func, insert, select

from bot.store import schema
from bot.store.database import Database
from bot.store.erasure import MEMBER_ROWS, SERVER_TABLES, MemberDataRepository
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from bot.store.summaries import PeriodStart, SummaryContent, SummaryRepository

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
#: The first review card a topic done gets (bot/store/reviews.py's columns).
_CARD = {
    "due": NOW.date() + timedelta(days=1),
    "stability": 2.3,
    "difficulty": 2.1,
    "state": "learning",
    "step": 1,
    "last_review": NOW,
}
G, U, OTHER = 10**18, 2**63 - 1, 10**17


#: The columns that hold a member's id: `user_id`, and the ledger's `subject_id` (a reminder's
#: subject is its member).
MEMBER_ID_COLUMNS = ("user_id", "subject_id")


def test_every_table_holding_a_member_is_in_forget_me() -> None:
    for table in schema.metadata.sorted_tables:
        held = [table.c[name] for name in MEMBER_ID_COLUMNS if name in table.c]
        if not held:
            continue
        assert table in MEMBER_ROWS, f"forget-me does not erase {table.name}: add it to MEMBER_ROWS"
        assert MEMBER_ROWS[table] in held, f"forget-me erases {table.name} by another column"
    for table, member in MEMBER_ROWS.items():
        assert member.table is table and "guild_id" in table.c, table.name


def test_every_table_holding_a_server_is_in_the_server_deletion() -> None:
    with_servers = {t.name for t in schema.metadata.sorted_tables if "guild_id" in t.c}
    missing = with_servers - {table.name for table in SERVER_TABLES}
    assert not missing, f"a server's deletion misses {sorted(missing)}: add to SERVER_TABLES"
    assert len(set(SERVER_TABLES)) == len(SERVER_TABLES)


def _count(table: Table, guild_id: int | None = None, user_id: int | None = None):
    def count(conn: Connection) -> int:
        statement = select(func.count()).select_from(table)
        if guild_id is not None:
            statement = statement.where(table.c.guild_id == guild_id)
        if user_id is not None:
            statement = statement.where(MEMBER_ROWS[table] == user_id)
        return int(conn.scalar(statement))

    return count


def _add_reminder_rows(conn: Connection, user_id: int) -> None:
    conn.execute(
        insert(schema.reminder_schedules).values(
            guild_id=G,
            user_id=user_id,
            next_date="2024-05-16",
            next_fire_at="2024-05-16T08:00:00.000000Z",
        )
    )
    conn.execute(
        insert(schema.deliveries).values(
            kind="reminder",
            guild_id=G,
            subject_id=user_id,
            period="2024-05-15",
            status="sent",
            claimed_at="2024-05-15T08:00:00.000000Z",
        )
    )
    conn.execute(
        insert(schema.reward_grants).values(
            guild_id=G,
            user_id=user_id,
            roadmap_id="rm",
            stage_id="basics",
            role_id=42,
            granted_at="2024-05-15T08:00:00.000000Z",
        )
    )


async def _member_with_everything(db: Database, user_id: int) -> None:
    # The whole-server summaries, with this week kept: the member's rows there too.
    week = PeriodStart("week", NOW.date(), NOW - timedelta(hours=1))
    await SummaryRepository(db).build_in_one_write(
        G, SummaryContent("rm", {"a": ("a", 0)}), (week,)
    )
    await MemberSettingsRepository(db).update(G, user_id, NOW, reminder_time="08:00")
    await ProgressRepository(db).change(
        StatusChange(G, user_id, "rm", ("a",), "done", NOW, NOW.date(), review_card=_CARD)
    )
    await db.write(_add_reminder_rows, user_id)


async def test_export_then_forget_me_erases_only_that_member(store_db: Database) -> None:
    await _member_with_everything(store_db, U)
    await _member_with_everything(store_db, OTHER)
    data = MemberDataRepository(store_db)

    exported = await data.export(G, U)
    assert list(exported) == sorted(table.name for table in MEMBER_ROWS)
    assert [row["topic_id"] for row in exported["progress"]] == ["a"]
    assert exported["completions"][0]["local_date"] == "2024-05-15"
    assert exported["member_settings"][0]["reminder_time"] == "08:00"
    assert all(row[MEMBER_ROWS[t].name] == U for t in MEMBER_ROWS for row in exported[t.name])

    deleted = await data.delete_member(G, U)
    # Each count is of rows this deletion removed (the reminder schedule is deleted before
    # the settings row whose foreign key would cascade to it).
    assert deleted == {table.name: 1 for table in MEMBER_ROWS}
    for table in MEMBER_ROWS:
        assert await store_db.read(_count(table, G, U)) == 0, table.name
        assert await store_db.read(_count(table, G, OTHER)) == 1, table.name
    assert await data.export(G, U) == {table.name: [] for table in MEMBER_ROWS}
    assert await data.delete_member(G, U) == {table.name: 0 for table in MEMBER_ROWS}


async def test_a_server_is_deleted_only_when_it_left_before_the_cutoff(store_db: Database) -> None:
    await _member_with_everything(store_db, U)
    await ProgressRepository(store_db).change(
        StatusChange(G + 1, U, "rm", ("a",), "done", NOW, NOW.date())
    )
    servers = ServerSettingsRepository(store_db)
    await servers.update(G, NOW, left_at=NOW)
    data = MemberDataRepository(store_db)

    assert await data.delete_server(G, left_before=NOW) is None  # left at, not before
    assert await store_db.read(_count(schema.progress, G)) == 1
    deleted = await data.delete_server(G, left_before=NOW + timedelta(days=1))
    assert deleted is not None
    assert {name: n for name, n in deleted.items() if n} == {
        "progress": 1,
        "completions": 1,
        "review_cards": 1,
        "reward_grants": 1,
        "deliveries": 1,
        "reminder_schedules": 1,
        "member_settings": 1,
        "member_scores": 1,
        "period_scores": 1,
        "period_heads": 1,
        "member_counts": 2,  # done and stage
        "period_counts": 2,  # done and active
        "summary_builds": 1,
        "guild_settings": 1,
    }
    assert list(deleted) == [table.name for table in SERVER_TABLES]
    for table in SERVER_TABLES:
        assert await store_db.read(_count(table, G)) == 0, table.name
    assert await store_db.read(_count(schema.progress, G + 1)) == 1  # another server's rows

    await ProgressRepository(store_db).change(
        StatusChange(G + 1, U, "rm", ("b",), "in_progress", NOW, None)
    )
    deleted_now = await data.delete_server(G + 1)  # no cutoff: the server's data goes now
    assert deleted_now is not None and deleted_now["progress"] == 2
