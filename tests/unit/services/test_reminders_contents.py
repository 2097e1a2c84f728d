"""ReminderContents: the reminder tick's batched read of what each DM shows gives, member by
member, exactly what the member's own commands compute one at a time (the roadmap they study,
their standing in it, their reviews due today), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.roadmap.catalog import Catalog
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.reminder_contents import DmContent, ReminderContents
from bot.services.roadmaps import MemberRoadmaps
from bot.services.servers import ServerService
from bot.store.database import Database
from bot.store.reminder_reads import ReminderReads
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from tests.store import fixtures as store_fixtures
from tests.unit.services.roadmaps import make_roadmap

GUILD, OTHER_GUILD = 10, 11
ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4
MAIN = make_roadmap({"basics": ["a", "b"], "more": ["c", "d"]}, roadmap_id="main")
SIDE = make_roadmap({"side": ["x", "y"]}, roadmap_id="side")
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

database_target = store_fixtures.database_target
store_db = store_fixtures.store_db


@pytest.fixture
def db(store_db: Database) -> Database:
    return store_db


def one_by_one(db: Database, content: ContentHolder, clock: ManualClock) -> MemberRoadmaps:
    members, servers = MemberService(db, clock), ServerService(db, clock)
    return MemberRoadmaps(content, members, servers, StudyService(db, clock))


async def expected(
    db: Database, content: ContentHolder, clock: ManualClock, guild_id: int, user_id: int
) -> DmContent:
    """What the member's commands say, read one member at a time."""
    study = StudyService(db, clock)
    roadmap = await one_by_one(db, content, clock).member_roadmap(guild_id, user_id)
    standing = await study.standing(guild_id, user_id, roadmap)
    if standing.next_topic is None:
        return DmContent(standing, 0)
    return DmContent.of(standing, await study.reviews_due(guild_id, user_id, roadmap))


def contents_of(db: Database, content: ContentHolder, clock: ManualClock) -> ReminderContents:
    return ReminderContents(ReminderReads(db), ReviewRepository(db), content, clock)


async def test_a_batch_equals_each_members_own_answer(db):
    clock = ManualClock(START)
    content = ContentHolder(Catalog([MAIN, SIDE]))
    study = StudyService(db, clock)
    members, servers = MemberSettingsRepository(db), ServerSettingsRepository(db)
    # GUILD's default is the side roadmap; ALICE follows the main one there; BOB takes the
    # server's; in OTHER_GUILD nobody chose, so the catalog's default (main) applies.
    await servers.update(GUILD, START, default_roadmap="side", time_zone="Asia/Tokyo")
    await members.update(GUILD, ALICE, START, followed_roadmap="main")
    await study.mark(GUILD, ALICE, MAIN, "a", "done")
    await study.mark(GUILD, ALICE, MAIN, "b", "skipped")
    await study.mark(GUILD, ALICE, SIDE, "x", "done")  # progress in a roadmap not studied now
    await study.mark(GUILD, BOB, SIDE, "x", "done")
    await study.mark(GUILD, BOB, SIDE, "y", "done")  # finished the side roadmap: no DM
    await study.mark(OTHER_GUILD, ALICE, MAIN, "c", "done")
    await study.mark(OTHER_GUILD, BOB, MAIN, "a", "done")
    await study.mark(OTHER_GUILD, BOB, MAIN, "d", "done")
    await study.mark(GUILD, CAROL, SIDE, "x", "done")
    await study.set_reviews_enabled(GUILD, CAROL, False)  # reviews off: none counted
    await members.update(OTHER_GUILD, DAVE, START, time_zone="Pacific/Kiritimati")  # UTC+14
    await study.mark(OTHER_GUILD, DAVE, MAIN, "a", "done")
    # Days later the first reviews are due; DAVE's local day is already the next one.
    clock.set(START + timedelta(days=3, hours=10))
    batch = [(GUILD, ALICE), (OTHER_GUILD, BOB), (GUILD, BOB), (GUILD, CAROL), (OTHER_GUILD, DAVE)]
    batch += [(OTHER_GUILD, CAROL)]  # nothing stored at all
    # (OTHER_GUILD, ALICE) is not asked for, though both its server and member are in the
    # batch: its rows must not leak into (GUILD, ALICE)'s or (OTHER_GUILD, BOB)'s.
    found = await contents_of(db, content, clock)(batch)
    want = [await expected(db, content, clock, g, u) for g, u in batch]
    assert found == want
    # And the cases are the ones meant: a DM with reviews, a finished roadmap, reviews off.
    by_member = dict(zip(batch, found, strict=True))
    assert by_member[(GUILD, ALICE)].standing.roadmap.id == "main"
    assert by_member[(GUILD, ALICE)].reviews_due == 1
    assert by_member[(GUILD, BOB)].standing.next_topic is None
    assert by_member[(GUILD, CAROL)].reviews_due == 0
    assert by_member[(OTHER_GUILD, BOB)].reviews_due == 2
    assert len(by_member[(OTHER_GUILD, BOB)].review_titles) == 2  # the DM lists them
    assert by_member[(OTHER_GUILD, CAROL)].standing.next_topic is not None


async def test_a_card_under_a_replaced_id_is_counted_as_the_member_command_counts_it(db):
    clock = ManualClock(START)
    before = make_roadmap({"basics": ["defs", "loops"]}, roadmap_id="python")
    study = StudyService(db, clock)
    await study.mark(GUILD, ALICE, before, "defs", "done")
    clock.set(START + timedelta(days=1))
    await study.mark(GUILD, ALICE, before, "loops", "done")
    # The content is edited: `functions` replaces `defs` (its card follows), `more` is new.
    after = make_roadmap(
        {"basics": ["functions", "loops", "more"]},
        roadmap_id="python",
        replaces={"functions": ["defs"]},
    )
    content = ContentHolder(Catalog([after]))
    for days in (2, 4, 9):
        clock.set(START + timedelta(days=days))
        (found,) = await contents_of(db, content, clock)([(GUILD, ALICE)])
        assert found == await expected(db, content, clock, GUILD, ALICE)
    assert found.reviews_due >= 1


async def test_an_empty_batch_reads_nothing(db):
    content = ContentHolder(Catalog([MAIN]))
    assert await contents_of(db, content, ManualClock(START))([]) == []
