"""`kill -9` at random moments while members press buttons: after each restart the bot answers
again, every press a member saw acknowledged is in the database, and nothing is doubled.

The bot runs as a real process (`python -m bot`) against the standalone emulator; the kill
moments come from a seeded generator (RELIABILITY_SEED), so a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.test_process import _environment, _start, _wait_connected
from tests.emulator.remote import RemoteEmulator, standalone_emulator

KILLS = 3
GUILDS = 2
LEARNERS = 4
SEED = int(os.environ.get("RELIABILITY_SEED", "8"))


def world_spec() -> dict[str, Any]:
    return {
        "guilds": [
            {
                "name": f"Hall {g}",
                "channels": [{"name": "general", "type": "text"}],
                "roles": [{"name": "Moderator", "permissions": ["manage_guild"]}],
                "members": [{"name": f"mod-{g}", "roles": ["Moderator"]}]
                + [{"name": f"learner-{g}-{n}"} for n in range(LEARNERS)],
            }
            for g in range(GUILDS)
        ]
    }


@dataclass
class Ledger:
    """What members were told: (guild, member) -> topics acknowledged as done."""

    acknowledged: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    unanswered: int = 0

    def record(self, guild: str, member: str, topic: str) -> None:
        self.acknowledged.setdefault((guild, member), []).append(topic)


DONE_PREFIX = "study:done:"


async def press_done_until_stopped(
    remote: RemoteEmulator, guild: str, member: str, ledger: Ledger, stop: asyncio.Event
) -> None:
    """Like a member: open the card, press Done on each topic as it comes."""
    with contextlib.suppress(AssertionError, aiohttp.ClientError, ValueError):
        card = await remote.slash(guild, member, "roadmap next")
        while not stop.is_set():
            button = next(
                (
                    b["custom_id"]
                    for row in card["message"]["components"]
                    for b in row["components"]
                    if b.get("custom_id", "").startswith(DONE_PREFIX)
                ),
                None,
            )
            if button is None:
                return  # finished the roadmap
            try:
                card = await remote.click(card["message"]["id"], button, member)
            except AssertionError:
                ledger.unanswered += 1  # the bot died with this press in flight
                return
            assert "** done." in card["content"], card["content"]
            ledger.record(guild, member, button.rsplit(":", 1)[1])


def stored(database: Path) -> tuple[set[tuple[int, int, str]], list[tuple[int, int, str, int]]]:
    """(guild, user, topic) done, and completions that were logged more than once."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        done = set(
            conn.execute("SELECT guild_id, user_id, topic_id FROM progress WHERE status = 'done'")
        )
        doubled = conn.execute(
            "SELECT guild_id, user_id, topic_id, COUNT(*) FROM completions"
            " GROUP BY guild_id, user_id, topic_id HAVING COUNT(*) > 1"
        ).fetchall()
    return done, doubled


async def test_kill_9_at_random_moments_loses_no_acknowledged_press(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    world_file = tmp_path / "world.json"
    world_file.write_text(json.dumps(world_spec()))
    log = tmp_path / "bot.log"
    ledger = Ledger()
    async with standalone_emulator(
        world_file=world_file, extra_args=("--answer-timeout", "2")
    ) as remote:
        env = _environment(remote, tmp_path)
        members = [
            (f"Hall {g}", f"learner-{g}-{n}") for g in range(GUILDS) for n in range(LEARNERS)
        ]
        for round_number in range(KILLS + 1):
            bot = await _start(env, log)
            try:
                await _wait_connected(remote)
                stop = asyncio.Event()
                workers = [
                    asyncio.ensure_future(press_done_until_stopped(remote, g, m, ledger, stop))
                    for g, m in members
                ]
                if round_number < KILLS:
                    await asyncio.sleep(rng.uniform(0.3, 1.5))
                    bot.send_signal(signal.SIGKILL)  # mid-stream, presses in flight
                    await bot.wait()
                stop.set()
                await asyncio.gather(*workers)
            finally:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
                    assert await asyncio.wait_for(bot.wait(), 20) == 0
            await _wait_connected(remote, 0)
        state = await remote.state()
        calls = await remote.calls(
            "POST /interactions/{interaction_id}/{interaction_token}/callback"
        )

    ids = {
        (guild["name"], name): (int(guild["id"]), int(user_id))
        for guild in state["guilds"]
        for name, user_id in guild["members"].items()
    }
    done, doubled = stored(Path(env["DATABASE_PATH"]))
    acknowledged = {
        (*ids[key], topic) for key, topics in ledger.acknowledged.items() for topic in topics
    }
    assert len(acknowledged) >= 2 * len(members)  # the stream really ran
    assert acknowledged <= done, f"acknowledged but lost: {sorted(acknowledged - done)}"
    assert doubled == []
    assert not [c for c in calls if (c["response"] or {}).get("code") == 40060]
    assert state["invalid_requests"] <= 25
    text = log.read_text()
    assert text.count("SIGTERM received; stopping") == 1
    assert env["DISCORD_TOKEN"] not in text
