"""ReminderPlanner and its store: one DM per member and local day, through restarts, DST,
crashes, late ticks and closed DMs. Real SQLite and PostgreSQL, a ManualClock and an in-memory DM
sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.errors import InvalidTime, InvalidTimeZone
from bot.records import REMINDER, Delivery
from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.delivery import ReminderRequest, SendOutcome
from bot.services.progress import StudyService
from bot.services.reminder_contents import ReminderContents
from bot.services.reminders import ReminderPlanner
from bot.store.database import Database
from bot.store.ledger import LedgerRepository
from bot.store.reminder_reads import ReminderReads
from bot.store.reminders import ReminderRepository
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from tests.store import fixtures as store_fixtures
from tests.unit.services.fake_discord import SimulatedCrash
from tests.unit.services.roadmaps import make_roadmap

GUILD, ALICE, BOB = 10, 1, 2
ROADMAP = make_roadmap({"basics": ["a", "b"], "more": ["c"]})


@dataclass
class DMs:
    """Discord's DM side: messages per member, nonces remembered for five minutes."""

    clock: ManualClock
    closed: set[int] = field(default_factory=set)
    crash_after_send: bool = False
    sent: dict[int, list[tuple[datetime, str | None, str]]] = field(default_factory=dict)
    nonces: dict[str, datetime] = field(default_factory=dict)

    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        if request.user_id in self.closed:
            return SendOutcome.refused("the member does not accept direct messages (50007)")
        now = self.clock.now()
        seen = self.nonces.get(request.nonce)
        if seen is None or now - seen >= timedelta(minutes=5):
            topic = request.topic.id if request.topic else None
            self.sent.setdefault(request.user_id, []).append((now, topic, request.nonce))
            self.nonces[request.nonce] = now
        if self.crash_after_send:
            self.crash_after_send = False
            raise SimulatedCrash("crash between send and record")
        return SendOutcome.sent(len(self.nonces), channel_id=500 + request.user_id)

    def times(self, user_id: int) -> list[datetime]:
        return [at for at, _, _ in self.sent.get(user_id, [])]


# The store's both-backends fixtures, and `db` (the services' conftest's SQLite) made one of them.
database_target = store_fixtures.database_target
store_db = store_fixtures.store_db


@pytest.fixture
def db(store_db: Database) -> Database:
    """Every test here runs on SQLite and on PostgreSQL: the ledger's statements on both."""
    return store_db


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))


@pytest.fixture
def dms(clock: ManualClock) -> DMs:
    return DMs(clock)


def planner_for(
    db: Database, clock: ManualClock, dms: DMs, roadmap: Roadmap = ROADMAP
) -> ReminderPlanner:
    """A fresh planner, as after a restart: nothing in memory, everything from the database."""
    contents = ReminderContents(
        ReminderReads(db), ReviewRepository(db), ContentHolder(Catalog([roadmap])), clock
    )
    return ReminderPlanner(
        ReminderRepository(db), clock, dms, contents, MemberSettingsRepository(db).zones
    )


async def deliveries(db: Database, guild_id: int, user_id: int) -> list[Delivery]:
    """The member's reminder rows in the ledger, oldest first."""
    rows = await LedgerRepository(db).rows(REMINDER, guild_id)
    return [row for row in rows if row.user_id == user_id]


@pytest.fixture
def planner(db: Database, clock: ManualClock, dms: DMs) -> ReminderPlanner:
    return planner_for(db, clock, dms)


async def run_days(
    planner: ReminderPlanner, clock: ManualClock, days: int, step: timedelta = timedelta(minutes=7)
) -> None:
    end = clock.now() + timedelta(days=days)
    while clock.now() < end:
        clock.advance(step)
        await planner.tick()


async def test_set_uses_members_zone_then_servers_then_utc(db, planner, clock):
    members, servers = MemberSettingsRepository(db), ServerSettingsRepository(db)
    assert (await planner.set(GUILD, ALICE, "18:30")).time_zone == "UTC"
    await servers.update(GUILD, clock.now(), time_zone="Asia/Kathmandu")
    assert (await planner.set(GUILD, ALICE, "18:30")).time_zone == "Asia/Kathmandu"
    await members.update(GUILD, ALICE, clock.now(), time_zone="Europe/Berlin")
    reminder = await planner.set(GUILD, ALICE, "18:30")
    assert reminder.time_zone == "Europe/Berlin"
    # 12:00 UTC is 13:00 in Berlin: 18:30 is still ahead today, 17:30 UTC.
    assert reminder.next_fire_at == datetime(2026, 3, 4, 17, 30, tzinfo=UTC)
    given = await planner.set(GUILD, ALICE, "07:00", "America/New_York")  # now, so tomorrow
    assert (given.time_zone, given.next_date) == ("America/New_York", date(2026, 3, 5))


@pytest.mark.parametrize("text", ["25:61", "9am", "", "24:00"])
async def test_bad_time_is_refused_and_nothing_is_saved(planner, text):
    with pytest.raises(InvalidTime):
        await planner.set(GUILD, ALICE, text)
    assert await planner.get(GUILD, ALICE) is None


async def test_bad_zone_is_refused_and_the_old_reminder_stays(planner):
    await planner.set(GUILD, ALICE, "09:00", "UTC")
    with pytest.raises(InvalidTimeZone):
        await planner.set(GUILD, ALICE, "10:00", "Mars/Olympus")
    assert (await planner.get(GUILD, ALICE)).local_time == time(9, 0)


async def test_one_dm_per_local_day_with_the_next_topic(db, planner, clock, dms):
    await planner.set(GUILD, ALICE, "18:30", "Asia/Kathmandu")  # 12:45 UTC
    await run_days(planner, clock, 3)
    times = dms.times(ALICE)
    assert [at.day for at in times] == [4, 5, 6]
    # Each at 18:30 Kathmandu (12:45 UTC), within one tick step.
    assert all(at.hour == 12 and 45 <= at.minute < 52 for at in times)
    assert len(dms.times(ALICE)) == 3
    assert {topic for _, topic, _ in dms.sent[ALICE]} == {"a"}
    study = StudyService(db, clock)
    await study.mark(GUILD, ALICE, ROADMAP, "a", "done")
    await run_days(planner, clock, 1)
    assert dms.sent[ALICE][-1][1] == "b"
    # The reminder did not mark anything: reading the next topic changes no progress.
    assert (await study.next_topic(GUILD, ALICE, ROADMAP)).status is None


async def test_restarts_every_tick_never_repeat_a_day(db, clock, dms):
    await planner_for(db, clock, dms).set(GUILD, ALICE, "09:00", "Europe/Berlin")
    end = clock.now() + timedelta(days=4)
    while clock.now() < end:
        clock.advance(minutes=5)
        await planner_for(db, clock, dms).tick()
        await planner_for(db, clock, dms).tick()  # and an overlapping second instance
    days = [at.date() for at in dms.times(ALICE)]
    assert days == sorted(set(days)) and len(days) == 4


async def test_dst_keeps_the_local_time_and_sends_once_on_both_changes(db, planner, clock, dms):
    clock.set(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    # New York springs forward on 8 March 2026 at 02:00: 02:30 does not exist that day.
    await planner.set(GUILD, ALICE, "02:30", "America/New_York")
    await run_days(planner, clock, 4, step=timedelta(minutes=10))
    local = [at.astimezone(_ny()) for at in dms.times(ALICE)]
    assert [at.date().day for at in local] == [8, 9, 10, 11]
    assert local[0].hour == 3  # the gap: the first valid minute after it
    assert all((at.hour, at.minute // 10) == (2, 3) for at in local[1:])
    # Falling back on 1 November: 01:30 happens twice, the DM once.
    clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    await planner.set(GUILD, BOB, "01:30", "America/New_York")
    await run_days(planner, clock, 2, step=timedelta(minutes=10))
    assert [at.astimezone(_ny()).day for at in dms.times(BOB)] == [1, 2]


def _ny():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


async def test_off_stops_the_dms(planner, clock, dms):
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    assert await planner.turn_off(GUILD, ALICE)
    assert not await planner.turn_off(GUILD, ALICE)
    await run_days(planner, clock, 2)
    assert dms.times(ALICE) == []


async def test_closed_dms_turn_the_reminder_off_with_the_reason(db, planner, clock, dms):
    dms.closed.add(ALICE)
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    await run_days(planner, clock, 2)
    assert await planner.get(GUILD, ALICE) is None
    (row,) = await deliveries(db, GUILD, ALICE)
    assert row.status == "failed" and "50007" in (row.error or "")
    # Setting it again works, from the next day (today's was refused, not retried).
    dms.closed.clear()
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    await run_days(planner, clock, 1)
    assert len(dms.times(ALICE)) == 1


async def test_finished_roadmap_gets_no_dm(db, planner, clock, dms):
    study = StudyService(db, clock)
    for topic in ("a", "b", "c"):
        await study.mark(GUILD, ALICE, ROADMAP, topic, "done")
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    await run_days(planner, clock, 2)
    assert dms.times(ALICE) == []
    assert (await planner.get(GUILD, ALICE)).next_date == date(2026, 3, 6)


async def test_late_by_more_than_the_grace_is_skipped(db, planner, clock, dms):
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    clock.set(datetime(2026, 3, 4, 15, 30, tzinfo=UTC))  # down until 2.5 h after
    await planner.tick()
    assert dms.times(ALICE) == []
    clock.set(datetime(2026, 3, 5, 14, 59, tzinfo=UTC))  # 1 h 59 late: still sent
    await planner.tick()
    assert dms.times(ALICE) == [datetime(2026, 3, 5, 14, 59, tzinfo=UTC)]


async def test_changing_the_time_after_todays_dm_waits_for_tomorrow(planner, clock, dms):
    await planner.set(GUILD, ALICE, "12:30", "UTC")
    await run_days(planner, clock, timedelta(hours=1) / timedelta(days=1))
    reminder = await planner.set(GUILD, ALICE, "20:00", "UTC")
    assert reminder.next_date == date(2026, 3, 5)


async def test_crash_between_send_and_record_is_resent_with_the_same_nonce(db, clock, dms):
    await planner_for(db, clock, dms).set(GUILD, ALICE, "12:10", "UTC")
    dms.crash_after_send = True
    clock.advance(minutes=15)
    with pytest.raises(SimulatedCrash):
        await planner_for(db, clock, dms).tick()
    clock.advance(minutes=1)
    await planner_for(db, clock, dms).tick()  # restarted: resends, Discord drops the repeat
    assert len(dms.times(ALICE)) == 1
    (row,) = await deliveries(db, GUILD, ALICE)
    assert row.status == "sent"


async def test_old_crashed_send_is_never_sent_blindly(db, clock, dms):
    await planner_for(db, clock, dms).set(GUILD, ALICE, "12:10", "UTC")
    dms.crash_after_send = True
    clock.advance(minutes=15)
    with pytest.raises(SimulatedCrash):
        await planner_for(db, clock, dms).tick()
    clock.advance(minutes=30)  # the nonce is forgotten by now
    await planner_for(db, clock, dms).tick()
    assert len(dms.times(ALICE)) == 1
    (row,) = await deliveries(db, GUILD, ALICE)
    assert row.status == "unknown"
    await run_days(planner_for(db, clock, dms), clock, 1)
    assert len(dms.times(ALICE)) == 2  # the next day goes out as usual


async def test_members_and_servers_are_independent(db, planner, clock, dms):
    dms.closed.add(BOB)
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    await planner.set(GUILD, BOB, "13:00", "UTC")
    await planner.set(GUILD + 1, ALICE, "13:00", "UTC")
    await run_days(planner, clock, 1)
    assert len(dms.times(ALICE)) == 2 and dms.times(BOB) == []
    assert await planner.get(GUILD, ALICE) is not None


async def test_no_dms_about_a_server_the_bot_left_until_it_returns(db, planner, clock, dms):
    servers = ServerSettingsRepository(db)
    await planner.set(GUILD, ALICE, "13:00", "UTC")
    await servers.update(GUILD, clock.now(), left_at=clock.now())
    await run_days(planner, clock, 2)
    assert dms.times(ALICE) == []
    await servers.update(GUILD, clock.now(), left_at=None)
    clock.set(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    await planner.tick()  # the days away are too late: skipped, not sent
    assert dms.times(ALICE) == []
    await run_days(planner, clock, 1)
    assert [at.date() for at in dms.times(ALICE)] == [date(2026, 3, 7)]
