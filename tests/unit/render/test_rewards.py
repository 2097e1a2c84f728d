"""Answers about stage rewards: roadmap order, stages and roles that are gone, many roadmaps."""

from __future__ import annotations

from bot.records import StageReward
from bot.render.rewards import reward_list_message, reward_removed_message, reward_set_message
from bot.roadmap.catalog import Catalog
from tests.unit.render.builders import discord_verdict, make_roadmap, make_stage

GUILD = 7


def two_stage_roadmap(roadmap_id: str = "python-backend", title: str = "Python backend"):
    return make_roadmap(
        make_stage("basics", title="Basics"),
        make_stage("web", title="Web"),
        id=roadmap_id,
        title=title,
    )


def test_set_and_remove_name_the_stage_and_only_name_the_roadmap_when_there_are_several() -> None:
    roadmap = two_stage_roadmap()
    single = Catalog([roadmap])
    web = roadmap.stages[1]
    assert reward_set_message(single, roadmap, web, 5, replaced=None).content == (
        "Members who finish **2. Web** from now on get <@&5>."
    )
    assert reward_set_message(single, roadmap, web, 5, replaced=4).content == (
        "Members who finish **2. Web** from now on get <@&5> (instead of <@&4>)."
    )
    several = Catalog([roadmap, two_stage_roadmap("go", "Go")])
    assert reward_removed_message(several, roadmap, web, removed=True).content == (
        "Finishing **2. Web** of Python backend no longer gives a role. Members who got it keep it."
    )


def test_the_list_follows_roadmap_order_and_flags_what_is_gone() -> None:
    catalog = Catalog([two_stage_roadmap(), two_stage_roadmap("go", "Go")])
    rewards = [
        StageReward(GUILD, "go", "basics", 3),
        StageReward(GUILD, "python-backend", "web", 2),
        StageReward(GUILD, "python-backend", "old-stage", 4),
        StageReward(GUILD, "python-backend", "basics", 1),
        StageReward(GUILD, "retired", "basics", 5),
    ]
    card = reward_list_message(rewards, catalog, live_role_ids={1, 2, 4, 5})
    assert (card.embed.description or "").splitlines() == [
        "__Python backend__",
        "**1. Basics** → <@&1>",
        "**2. Web** → <@&2>",
        "`old-stage` (no longer in the content) → <@&4>",
        "__Go__",
        "**1. Basics** → a deleted role (`3`): set another one",
        "__`retired`__",
        "`basics` (no longer in the content) → <@&5>",
    ]
    assert card.content is None  # mentions only inside the embed


def test_an_empty_list_says_how_to_start_and_a_huge_one_fits() -> None:
    catalog = Catalog([two_stage_roadmap()])
    empty = reward_list_message([], catalog, live_role_ids=set())
    assert (empty.embed.description or "").startswith("No stage gives a role yet.")
    many = [StageReward(GUILD, "python-backend", f"gone-{n:03}" + "x" * 20, n) for n in range(400)]
    card = reward_list_message(many, catalog, live_role_ids=set(range(400)))
    assert discord_verdict(card) is None
    assert (card.embed.description or "").splitlines()[-1].startswith("… and ")
