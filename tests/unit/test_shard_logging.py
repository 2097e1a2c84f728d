"""A sharded process's log lines name its slot and shards, so merged logs say whose each is."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.run import PROCESS_SHARDS, configure_logging
from bot.sharding import SlotLayout

PROJECT = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level, label = root.handlers[:], root.level, PROCESS_SHARDS.label
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    PROCESS_SHARDS.label = label


def test_every_line_carries_slot_and_shards(root_logger: logging.Logger) -> None:
    stream = Terminal()  # a terminal too: the field wins over colours
    configure_logging("INFO", stream, shards=SlotLayout.by_size(16, 4).plan(1).label)
    logging.getLogger("discord.shard").info("shard %d ready", 5)
    logging.getLogger("bot.app").warning("a warning")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("] [INFO    ] [slot=1 shards=4-7/16] discord.shard: shard 5 ready")
    assert "[WARNING ] [slot=1 shards=4-7/16] bot.app: a warning" in lines[1]
    assert "\x1b[" not in stream.getvalue()


def test_unsharded_lines_have_no_field(root_logger: logging.Logger) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    logging.getLogger("bot.app").info("ready")
    assert stream.getvalue().endswith("] [INFO    ] bot.app: ready\n")


def test_a_real_process_logs_its_shards_from_the_first_line(tmp_path: Path) -> None:
    """`python -m bot` as slot 1 of 2 with a database that refuses connections: the error
    line it dies with already names the slot and shards."""
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PROJECT),
            "DISCORD_TOKEN": "x.y.z",
            "CONTENT_DIR": str(PROJECT / "tests" / "fixtures" / "roadmap"),
            "DATABASE_URL": "postgresql+asyncpg://bot@127.0.0.1:9/study",
            "SHARD_COUNT": "4",
            "SHARD_SLOT": "1",
            "SHARD_SLOTS": "2",
        },
    )
    assert result.returncode == 1, result.stderr
    line = next(x for x in result.stdout.splitlines() if "cannot open the database" in x)
    assert "[ERROR   ] [slot=1 shards=2-3/4] bot.cli.run: cannot open the database" in line
