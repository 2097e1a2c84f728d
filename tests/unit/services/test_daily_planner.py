"""The DailyPlanner through the real store, an injected clock and an in-memory Discord."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidTime, InvalidTimeZone, StudyError, UnknownRoadmap
from bot.records import DAILY, Delivery
from bot.roadmap.catalog import Catalog
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.daily import DailyPlanner
from bot.store.daily import DailyRepository, post_key
from bot.store.database import Database
from bot.store.settings import ServerSettingsRepository
from tests.store import fixtures as store_fixtures
from tests.unit.services.fake_discord import FakeDiscord, SimulatedCrash
from tests.unit.services.roadmaps import make_roadmap

GUILD, CHANNEL = 500, 5000
ROADMAP = make_roadmap({"one": ["a", "b"], "two": ["c", "d"]}, roadmap_id="python-backend")
OTHER = make_roadmap({"x": ["x1", "x2"]}, roadmap_id="other")
# 2026-05-04 09:00 in Berlin is 07:00 UTC.
NINE = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
DAY = date(2026, 5, 4)


class World:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = ManualClock(NINE - timedelta(hours=1))
        self.discord = FakeDiscord(self.clock)
        self.content = ContentHolder(Catalog([ROADMAP, OTHER]))
        self.store = DailyRepository(db)
        self.planner = self.restart()

    def restart(self, **options: object) -> DailyPlanner:
        """A new process on the same database: nothing in memory survives."""
        self.planner = DailyPlanner(
            self.store,
            self.content,
            self.clock,
            self.discord,
            **options,  # type: ignore[arg-type]
        )
        return self.planner

    async def set_up(self, guild_id: int = GUILD, **options: object) -> None:
        await self.planner.configure(
            guild_id,
            guild_id * 10,
            "09:00",
            "Europe/Berlin",
            **options,  # type: ignore[arg-type]
        )

    async def post(self, day: date, guild_id: int = GUILD) -> Delivery | None:
        """The ledger's row of the server's post of `day`."""
        return await self.store.ledger.get(post_key(guild_id, day))

    def posts(self, guild_id: int = GUILD) -> list[tuple[date, str | None]]:
        return [(m.local_date, m.topic_id) for m in self.discord.channels.get(guild_id * 10, [])]

    async def tick_at(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.planner.tick()


# The store's both-backends fixtures, and `db` (the services' conftest's SQLite) made one of them.
database_target = store_fixtures.database_target
store_db = store_fixtures.store_db


@pytest.fixture
def db(store_db: Database) -> Database:
    """Every test here runs on SQLite and on PostgreSQL: the ledger's statements on both."""
    return store_db


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


async def crash_at_nine(world: World, **arm: int) -> None:
    """Set up the post, let the process die in its 09:00 tick as `arm` says, and restart."""
    await world.set_up()
    for name, value in arm.items():
        setattr(world.discord, name, value)
    with pytest.raises(SimulatedCrash):
        await world.tick_at(NINE)
    world.restart()


@pytest.mark.parametrize(
    ("time_text", "zone", "error"),
    [
        ("25:61", "UTC", InvalidTime),
        ("9am", "UTC", InvalidTime),
        ("09:00", "Mars/Olympus", InvalidTimeZone),
    ],
)
async def test_bad_time_or_zone_is_refused_and_nothing_saved(
    world: World, time_text: str, zone: str, error: type[StudyError]
) -> None:
    with pytest.raises(error) as refused:
        await world.planner.configure(GUILD, CHANNEL, time_text, zone)
    assert time_text in refused.value.message or zone in refused.value.message
    assert await world.planner.status(GUILD) is None


async def test_unknown_roadmap_is_refused_with_suggestions(world: World) -> None:
    with pytest.raises(UnknownRoadmap) as refused:
        await world.planner.configure(GUILD, CHANNEL, "09:00", "UTC", roadmap_id="othr")
    assert "other" in refused.value.suggestions


async def test_posts_at_the_local_time_once_and_a_restart_does_not_repeat(world: World) -> None:
    await world.set_up()
    await world.tick_at(NINE - timedelta(seconds=1))
    assert world.posts() == []
    await world.tick_at(NINE + timedelta(seconds=5))
    assert world.posts() == [(DAY, "a")]
    world.restart()
    await world.tick_at(NINE + timedelta(seconds=35))
    await world.tick_at(NINE + timedelta(hours=3))
    assert world.posts() == [(DAY, "a")]
    await world.tick_at(NINE + timedelta(days=1, seconds=10))
    assert world.posts() == [(DAY, "a"), (DAY + timedelta(days=1), "b")]
    status = await world.planner.status(GUILD)
    assert [p.status for p in status.recent] == ["sent", "sent"]
    assert status.schedule.next_fire_at == NINE + timedelta(days=2)


async def test_overlapping_ticks_post_once(world: World) -> None:
    await world.set_up()
    world.clock.set(NINE)
    await asyncio.gather(world.planner.tick(), world.planner.tick(), world.restart().tick())
    assert world.posts() == [(DAY, "a")]


async def test_post_now_counts_as_todays(world: World) -> None:
    await world.set_up()
    world.clock.set(NINE - timedelta(minutes=30))
    existing, outcome = await world.planner.post_now(GUILD)
    assert existing is None and outcome is not None and outcome.kind == "sent"
    again, _ = await world.planner.post_now(GUILD)
    assert again is not None and again.status == "sent"  # the cog links to it
    await world.tick_at(NINE + timedelta(seconds=5))
    assert world.posts() == [(DAY, "a")]
    await world.tick_at(NINE + timedelta(days=1))
    assert world.posts()[-1] == (DAY + timedelta(days=1), "b")


async def test_refusal_disables_after_one_attempt_and_others_go_on(world: World) -> None:
    await world.set_up(GUILD)
    await world.set_up(GUILD + 1)
    world.discord.refused_channels[CHANNEL] = "I am missing Send Messages in <#5000>"
    await world.tick_at(NINE)
    await world.tick_at(NINE + timedelta(days=1))
    assert world.posts(GUILD) == []
    assert len(world.posts(GUILD + 1)) == 2
    status = await world.planner.status(GUILD)
    assert not status.schedule.enabled
    assert status.schedule.disabled_reason == "I am missing Send Messages in <#5000>"
    assert [(p.status, p.attempts) for p in status.recent] == [("failed", 1)]
    with pytest.raises(StudyError, match="off"):
        await world.planner.post_now(GUILD)


async def test_crash_between_send_and_record_resends_with_the_same_nonce(world: World) -> None:
    await crash_at_nine(world, crash_after_send=1)
    await world.tick_at(NINE + timedelta(minutes=2))  # within the nonce window
    assert world.posts() == [(DAY, "a")]
    post = await world.post(DAY)
    assert post.status == "sent" and post.attempts == 2
    await world.tick_at(NINE + timedelta(days=1))
    assert world.posts()[-1][1] == "b"  # the cursor moved


async def test_crash_between_send_and_record_found_in_history_later(world: World) -> None:
    await crash_at_nine(world, crash_after_send=1)
    await world.tick_at(NINE + timedelta(minutes=40))  # the nonce is forgotten: look instead
    assert world.posts() == [(DAY, "a")]
    post = await world.post(DAY)
    assert post.status == "sent" and post.attempts == 1
    [message] = world.discord.channels[CHANNEL]
    assert post.message_id == message.id


async def test_ambiguous_attempt_is_never_sent_blindly_after_the_nonce_window(
    world: World,
) -> None:
    # The request began (the attempt is counted) but Discord never stored the message.
    await crash_at_nine(world, crash_before_send=1)
    await world.tick_at(NINE + timedelta(minutes=40))
    assert world.posts() == []
    post = await world.post(DAY)
    assert post.status == "unknown" and "not sent again" in post.error
    await world.tick_at(NINE + timedelta(days=1))  # the next day is unaffected, same topic
    assert world.posts() == [(DAY + timedelta(days=1), "a")]


async def test_ambiguous_attempt_within_the_window_is_sent_again(world: World) -> None:
    await crash_at_nine(world, crash_before_send=1)
    await world.tick_at(NINE + timedelta(minutes=1))
    assert world.posts() == [(DAY, "a")]


async def test_claim_that_never_reached_discord_is_sent_within_grace_else_missed(
    world: World,
) -> None:
    await world.set_up(GUILD)
    await world.set_up(GUILD + 1)

    async def die_while_waiting() -> None:
        raise SimulatedCrash("killed while posts waited for the pacer")

    world.restart(pace=die_while_waiting)
    with pytest.raises(SimulatedCrash):
        await world.tick_at(NINE)
    assert world.posts(GUILD) == [] and world.posts(GUILD + 1) == []
    world.restart()
    await world.tick_at(NINE + timedelta(minutes=90))  # long after the nonce window
    assert world.posts(GUILD) == [(DAY, "a")] and world.posts(GUILD + 1) == [(DAY, "a")]


async def test_down_longer_than_grace_records_missed_and_never_posts_the_past(
    world: World,
) -> None:
    await world.set_up()
    await world.tick_at(NINE + timedelta(days=2, hours=3))  # 09:00 passed three times, 3 h ago
    assert world.posts() == []
    statuses = [(p.local_date, p.status) for p in await world.store.ledger.rows(DAILY)]
    assert statuses == [(DAY + timedelta(days=i), "missed") for i in range(3)]
    await world.tick_at(NINE + timedelta(days=3))
    assert world.posts() == [(DAY + timedelta(days=3), "a")]  # a missed day does not advance


async def test_late_within_grace_still_posts(world: World) -> None:
    await world.set_up()
    await world.tick_at(NINE + timedelta(minutes=119))
    assert world.posts() == [(DAY, "a")]


async def test_jump_sets_the_next_topic_and_the_walk_continues_after_it(world: World) -> None:
    await world.set_up()
    topic = await world.planner.jump(GUILD, "Topic c")  # exact title works too
    assert topic.id == "c"
    preview = await world.planner.preview(GUILD)
    assert (preview.local_date, preview.topic.id) == (DAY, "c")
    await world.tick_at(NINE)
    await world.tick_at(NINE + timedelta(days=1))
    assert [t for _, t in world.posts()] == ["c", "d"]


async def test_roadmap_of_the_schedule_and_content_reload(world: World) -> None:
    await world.set_up(roadmap_id="other")
    await world.tick_at(NINE)
    assert world.posts() == [(DAY, "x1")]
    # The roadmap leaves the content: the posts fall back to the default roadmap's walk.
    world.content.replace(Catalog([ROADMAP]))
    await world.tick_at(NINE + timedelta(days=1))
    assert world.posts()[-1] == (DAY + timedelta(days=1), "a")


async def test_a_server_the_bot_left_gets_no_post(world: World, db: Database) -> None:
    await world.set_up()
    await ServerSettingsRepository(db).update(GUILD, NINE, left_at=NINE - timedelta(minutes=5))
    await world.tick_at(NINE + timedelta(seconds=5))
    assert world.posts() == []


async def test_turn_off_stops_posting_and_set_turns_it_back_on(world: World) -> None:
    await world.set_up()
    assert await world.planner.turn_off(GUILD)
    assert not await world.planner.turn_off(GUILD)
    await world.tick_at(NINE)
    assert world.posts() == []
    with pytest.raises(StudyError, match="daily set"):
        await world.planner.preview(GUILD)
    await world.set_up()
    await world.tick_at(NINE + timedelta(days=1))
    assert world.posts() == [(DAY + timedelta(days=1), "a")]


async def test_passing_failure_is_retried_at_the_next_tick(world: World) -> None:
    await world.set_up()
    world.discord.transient_rate = 1.0
    await world.tick_at(NINE)
    assert world.posts() == []
    world.discord.transient_rate = 0.0
    await world.tick_at(NINE + timedelta(seconds=30))
    assert world.posts() == [(DAY, "a")]
    assert (await world.post(DAY)).attempts == 2
