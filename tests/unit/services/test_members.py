"""Member settings, the roadmap a member follows, export and forget-me; server settings."""

import json
from datetime import timedelta

import pytest

from bot.errors import InvalidTimeZone, UnknownRoadmap, UnknownStage
from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.servers import PURGE_EVERY, RETENTION, ServerService
from bot.store.settings import MemberSettings
from tests.unit.services.conftest import ALICE, BOB, GUILD, OTHER_GUILD

CATALOG = [("python", "Python backend"), ("go", "Go services"), ("rust", "Rust systems")]
IDS = {roadmap_id for roadmap_id, _ in CATALOG}


async def test_settings_default_and_update(members: MemberService) -> None:
    assert await members.settings(GUILD, ALICE) == MemberSettings(GUILD, ALICE)
    updated = await members.update_settings(
        GUILD, ALICE, time_zone=" Asia/Kolkata ", hide_progress=True
    )
    assert (updated.time_zone, updated.hide_progress) == ("Asia/Kolkata", True)
    only_hide = await members.update_settings(GUILD, ALICE, hide_progress=False)
    assert (only_hide.time_zone, only_hide.hide_progress) == ("Asia/Kolkata", False)
    cleared = await members.update_settings(GUILD, ALICE, time_zone="default")
    assert cleared.time_zone is None
    assert (await members.settings(OTHER_GUILD, ALICE)).time_zone is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "", "   "])
async def test_a_bad_time_zone_changes_nothing(members: MemberService, zone: str) -> None:
    await members.update_settings(GUILD, ALICE, time_zone="Europe/Paris")
    with pytest.raises(InvalidTimeZone) as err:
        await members.update_settings(GUILD, ALICE, time_zone=zone, hide_progress=True)
    assert "is not a time zone" in err.value.message
    after = await members.settings(GUILD, ALICE)
    assert (after.time_zone, after.hide_progress) == ("Europe/Paris", False)


async def test_roadmap_for_falls_back_member_then_server_then_catalog(
    members: MemberService, servers: ServerService
) -> None:
    def pick():
        return members.roadmap_for(GUILD, ALICE, available=IDS, catalog_default="python")

    assert await pick() == "python"
    await servers.set_default_roadmap(GUILD, "go", CATALOG)
    assert await pick() == "go"
    assert await members.follow(GUILD, ALICE, "Rust systems", CATALOG) == "rust"
    assert await pick() == "rust"
    # A followed roadmap that left the content is passed over, not an error.
    assert (
        await members.roadmap_for(
            GUILD, ALICE, available={"python", "go"}, catalog_default="python"
        )
        == "go"
    )
    await members.follow(GUILD, ALICE, None, CATALOG)
    assert await pick() == "go"


async def test_follow_refuses_unknown_roadmaps(members: MemberService, servers) -> None:
    with pytest.raises(UnknownRoadmap) as err:
        await members.follow(GUILD, ALICE, "rusty", CATALOG)
    assert "rust" in err.value.suggestions
    with pytest.raises(UnknownRoadmap):
        await servers.set_default_roadmap(GUILD, "java", CATALOG)
    assert (await members.settings(GUILD, ALICE)).followed_roadmap is None


async def test_export_holds_the_members_data_of_this_server_only(
    members: MemberService, study: StudyService, roadmap: Roadmap
) -> None:
    await members.update_settings(GUILD, ALICE, time_zone="Europe/Berlin")
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, ALICE, roadmap, "syntax", "skipped")
    await study.mark(GUILD, BOB, roadmap, "http", "done")
    await study.mark(OTHER_GUILD, ALICE, roadmap, "flask", "done")
    document = json.loads(await members.export(GUILD, ALICE))
    assert document["guild_id"] == str(GUILD) and document["user_id"] == str(ALICE)
    data = document["data"]
    assert sorted((r["topic_id"], r["status"]) for r in data["progress"]) == [
        ("setup", "done"),
        ("syntax", "skipped"),
    ]
    assert [r["topic_id"] for r in data["completions"]] == ["setup"]
    assert data["completions"][0]["local_date"] == "2024-05-15"
    assert data["member_settings"][0]["time_zone"] == "Europe/Berlin"
    assert "flask" not in json.dumps(document) and "http" not in json.dumps(document)


async def test_forget_me_deletes_everything_of_the_member_in_that_server(
    members: MemberService, study: StudyService, roadmap: Roadmap
) -> None:
    await members.update_settings(GUILD, ALICE, hide_progress=True)
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, BOB, roadmap, "setup", "done")
    await study.mark(OTHER_GUILD, ALICE, roadmap, "setup", "done")
    # Settings, the progress row, its completion, its review card and the member's summary
    # row (bot/store/summaries.py: live topics done, for whole-server answers).
    assert await members.forget(GUILD, ALICE) == 5
    assert json.loads(await members.export(GUILD, ALICE))["data"] == {}
    assert (await study.streak(GUILD, ALICE)).longest == 0
    assert (await study.standing(GUILD, BOB, roadmap)).done == 1
    assert (await study.standing(OTHER_GUILD, ALICE, roadmap)).done == 1
    assert await members.forget(GUILD, ALICE) == 0


async def test_rewards_per_stage(servers: ServerService, roadmap: Roadmap) -> None:
    reward = await servers.set_reward(GUILD, roadmap, "web", 555)
    assert (reward.stage_id, reward.role_id) == ("web", 555)
    await servers.set_reward(GUILD, roadmap, "1", 444)  # by number
    await servers.set_reward(GUILD, roadmap, "web", 556)  # replaces
    assert [(r.stage_id, r.role_id) for r in await servers.rewards(GUILD)] == [
        ("basics", 444),
        ("web", 556),
    ]
    assert await servers.reward_for(GUILD, "python", "web") == 556
    assert await servers.remove_reward(GUILD, roadmap, "web") is True
    assert await servers.remove_reward(GUILD, roadmap, "web") is False
    assert await servers.reward_for(GUILD, "python", "web") is None
    with pytest.raises(UnknownStage):
        await servers.set_reward(GUILD, roadmap, "space", 1)
    assert await servers.rewards(OTHER_GUILD) == []


async def test_server_data_is_deleted_30_days_after_the_bot_left(
    servers: ServerService, study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    for guild in (GUILD, OTHER_GUILD):
        await servers.set_time_zone(guild, "Europe/Rome")
        await study.mark(guild, ALICE, roadmap, "setup", "done")
    await servers.bot_removed(GUILD)
    await servers.bot_removed(OTHER_GUILD)
    clock.advance(RETENTION - timedelta(minutes=1))
    assert await servers.purge_departed() == []
    await servers.bot_added(OTHER_GUILD)  # came back: keeps its data
    clock.advance(minutes=2)
    assert await servers.purge_departed() == [GUILD]
    assert (await study.standing(GUILD, ALICE, roadmap)).done == 0
    assert (await servers.settings(GUILD)).time_zone is None
    assert (await study.standing(OTHER_GUILD, ALICE, roadmap)).done == 1
    assert (await servers.settings(OTHER_GUILD)).left_at is None


async def test_the_retention_tick_purges_at_most_once_per_purge_every(
    servers: ServerService, study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    for guild in (GUILD, OTHER_GUILD):
        await study.mark(guild, ALICE, roadmap, "setup", "done")
        await servers.bot_removed(guild)
        clock.advance(minutes=30)  # OTHER_GUILD left half an hour after GUILD
    clock.advance(RETENTION - timedelta(minutes=59))
    assert await servers.purge_departed_when_due() == [GUILD]
    clock.advance(minutes=31)  # OTHER_GUILD is due, the tick is not
    assert await servers.purge_departed_when_due() == []
    assert (await study.standing(OTHER_GUILD, ALICE, roadmap)).done == 1
    clock.advance(PURGE_EVERY - timedelta(minutes=31))
    assert await servers.purge_departed_when_due() == [OTHER_GUILD]
