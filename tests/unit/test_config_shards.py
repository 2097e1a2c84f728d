"""SHARD_IDS, SHARD_SLOT and their layouts, HEALTH_PORT: read, and refused with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.sharding import ShardPlan

PG = {"DATABASE_URL": "postgresql+asyncpg://bot@db.example/study"}


def settings(**values: str):
    return load_settings({**PG, **values}, dotenv=False)


def test_unsharded_has_no_plan() -> None:
    loaded = load_settings({}, dotenv=False)
    assert loaded.shard_count is None and loaded.shard_plan() is None
    assert loaded.health_port is None and loaded.identify_interval == 5.0


def test_shard_count_alone_runs_every_shard() -> None:
    assert settings(SHARD_COUNT="3").shard_plan() == ShardPlan(3, (0, 1, 2))


def test_shard_ids_named_outright() -> None:
    loaded = settings(SHARD_COUNT="8", SHARD_IDS="0-2,5")
    assert loaded.shard_ids == (0, 1, 2, 5)
    assert loaded.shard_plan() == ShardPlan(8, (0, 1, 2, 5), slot=None)


def test_slot_with_shards_per_slot() -> None:
    loaded = settings(SHARD_COUNT="10", SHARD_SLOT="2", SHARDS_PER_SLOT="4")
    assert loaded.shard_slots == (2,)
    assert loaded.shard_plan() == ShardPlan(10, (8, 9), slot=2)


def test_slot_with_an_even_split() -> None:
    loaded = settings(SHARD_COUNT="10", SHARD_SLOT="1", SHARD_SLOTS="3")
    assert loaded.shard_plan() == ShardPlan(10, (3, 4, 5), slot=1)


def test_spare_may_take_any_slot_or_the_listed_ones() -> None:
    spare = settings(SHARD_COUNT="4", SHARD_SLOT="spare", SHARD_SLOTS="2")
    assert spare.shard_slots == (0, 1)
    with pytest.raises(ValueError, match="spare"):
        spare.shard_plan()
    assert spare.shard_plan(slot=1) == ShardPlan(4, (2, 3), slot=1)
    listed = settings(SHARD_COUNT="6", SHARD_SLOT="spare:2, 1", SHARD_SLOTS="3")
    assert listed.shard_slots == (2, 1)


def test_health_port_and_identify_interval() -> None:
    loaded = settings(HEALTH_PORT="8900", DISCORD_IDENTIFY_INTERVAL="0.5")
    assert (loaded.health_host, loaded.health_port) == ("127.0.0.1", 8900)
    assert loaded.identify_interval == 0.5


@pytest.mark.parametrize(
    ("values", "phrase"),
    [
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-4"}, "SHARD_IDS=0-4: shard 4 does not exist"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "runs backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "one"}, "neither a shard id nor a range"),
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_SLOT": "0"}, "SHARD_SLOT needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "0"}, "SHARD_SLOT needs SHARDS_PER_SLOT"),
        (
            {"SHARD_COUNT": "4", "SHARD_SLOT": "0", "SHARD_IDS": "0"},
            "Set SHARD_IDS or SHARD_SLOT, not both",
        ),
        (
            {"SHARD_COUNT": "4", "SHARD_SLOT": "0", "SHARDS_PER_SLOT": "2", "SHARD_SLOTS": "2"},
            "not both",
        ),
        (
            {"SHARD_COUNT": "4", "SHARD_SLOT": "2", "SHARDS_PER_SLOT": "2"},
            "SHARD_SLOT 2 does not exist: SHARD_COUNT=4 makes 2 slots, 0 to 1",
        ),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "x", "SHARD_SLOTS": "2"}, "SHARD_SLOT must be"),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "0,1", "SHARD_SLOTS": "2"}, "spare:0,1"),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "spare:", "SHARD_SLOTS": "2"}, "must list slots"),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "0", "SHARD_SLOTS": "5"}, "SHARD_SLOTS must be"),
        ({"SHARD_COUNT": "4", "SHARD_SLOT": "0", "SHARDS_PER_SLOT": "0"}, "SHARDS_PER_SLOT"),
        ({"SHARD_COUNT": "4", "SHARD_SLOTS": "2"}, "set SHARD_SLOT too"),
        ({"HEALTH_PORT": "70000"}, "HEALTH_PORT must be a TCP port"),
        ({"DISCORD_IDENTIFY_INTERVAL": "soon"}, "DISCORD_IDENTIFY_INTERVAL must be"),
    ],
)
def test_bad_shard_settings_are_named(values: dict[str, str], phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase.replace("(", r"\(")):
        settings(**values)


def test_bad_shard_ids_exit_2_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path.cwd()),
            "DISCORD_TOKEN": "x.y.z",
            **PG,
            "SHARD_COUNT": "4",
            "SHARD_IDS": "2-6",
        },
    )
    assert result.returncode == 2
    assert "SHARD_IDS=2-6: shard 6 does not exist with SHARD_COUNT=4" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
