"""ShardPlan and SlotLayout: which servers a process owns, and the slot rule."""

from __future__ import annotations

import pytest

from bot.sharding import ShardPlan, SlotLayout, format_ids, parse_shard_ids, shard_of


def guild_on(shard: int, count: int) -> int:
    """A guild id (a real-looking snowflake) that Discord puts on `shard`."""
    base = 1_100_000_000_000_000_000 >> 22
    offset = (shard - base) % count
    return (base + offset) << 22 | 12345


def test_shard_of_matches_discords_formula() -> None:
    for count in (1, 3, 16):
        for shard in range(count):
            assert shard_of(guild_on(shard, count), count) == shard


def test_plan_owns_only_its_shards_servers_and_dms_on_shard_zero() -> None:
    plan = ShardPlan(4, (0, 2), slot=None)
    assert [plan.owns_guild(guild_on(s, 4)) for s in range(4)] == [True, False, True, False]
    assert plan.owns(None) and plan.runs_shard_zero
    other = ShardPlan(4, (1, 3))
    assert not other.owns(None) and not other.runs_shard_zero
    assert [other.owns(guild_on(s, 4)) for s in range(4)] == [False, True, False, True]


def test_plan_label_names_slot_and_ranges() -> None:
    assert ShardPlan(16, (4, 5, 6, 7), slot=1).label == "slot=1 shards=4-7/16"
    assert ShardPlan(6, (0, 2, 3, 5)).label == "slot=- shards=0,2-3,5/6"
    assert ShardPlan.whole(3).ids == (0, 1, 2)


@pytest.mark.parametrize(
    ("ids", "count"), [((), 2), ((2,), 2), ((1, 0), 2), ((0, 0), 2), ((0,), 0)]
)
def test_plan_refuses_impossible_ids(ids: tuple[int, ...], count: int) -> None:
    with pytest.raises(ValueError):
        ShardPlan(count, ids)


def test_parse_shard_ids_ranges_and_lists() -> None:
    assert parse_shard_ids("0-3", 8) == (0, 1, 2, 3)
    assert parse_shard_ids("0,2,5", 8) == (0, 2, 5)
    assert parse_shard_ids(" 6-7, 0-1 ,1", 8) == (0, 1, 6, 7)
    assert format_ids(parse_shard_ids("0-3,8-11", 12)) == "0-3,8-11"


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("0-8", "shard 8 does not exist with SHARD_COUNT=8"),
        ("3-1", "runs backwards"),
        ("a", "neither a shard id nor a range"),
        ("1-", "neither a shard id nor a range"),
        ("-1", "neither a shard id nor a range"),
        (",", "no shard id given"),
    ],
)
def test_parse_shard_ids_says_what_is_wrong(raw: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_shard_ids(raw, 8)


def test_slots_by_size_cover_every_shard_once() -> None:
    layout = SlotLayout.by_size(10, 4)
    assert layout.slot_count == 3
    assert [layout.shards_of(s) for s in layout.slots] == [
        (0, 1, 2, 3),
        (4, 5, 6, 7),
        (8, 9),
    ]
    assert layout.plan(1) == ShardPlan(10, (4, 5, 6, 7), slot=1)


def test_even_split_differs_by_at_most_one() -> None:
    for count in range(1, 40):
        for slots in range(1, count + 1):
            layout = SlotLayout.even(count, slots)
            cut = [layout.shards_of(s) for s in layout.slots]
            assert [i for part in cut for i in part] == list(range(count))
            sizes = {len(part) for part in cut}
            assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    assert SlotLayout.even(10, 3).shards_of(2) == (6, 7, 8, 9)


def test_slot_out_of_range_and_impossible_layouts() -> None:
    with pytest.raises(ValueError, match="slot 3 does not exist: there are 3 slots"):
        SlotLayout.by_size(10, 4).shards_of(3)
    with pytest.raises(ValueError, match="every slot needs at least one shard"):
        SlotLayout.even(2, 3)
    with pytest.raises(ValueError):
        SlotLayout.by_size(2, 0)
