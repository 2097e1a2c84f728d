"""The emulator as its own process, driven through its control API, with the bot as a real
process that is killed with SIGKILL and started again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import pytest

from tests.emulator.control import world_from_spec
from tests.emulator.remote import PROJECT_ROOT, standalone_emulator
from tests.emulator.runner import running_client
from tests.emulator.sample_bot import SampleBot


async def _spawn_bot(env: dict[str, str], boot: int, log) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.emulator.sample_bot",
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT), "SAMPLE_BOOT": str(boot)},
        stdout=log,
        stderr=log,
    )


async def test_a_bot_process_killed_with_sigkill_and_restarted(tmp_path):
    log = (tmp_path / "bot.log").open("wb")
    processes = []
    try:
        async with standalone_emulator(max_seconds=60) as remote:
            env = remote.bot_environment()
            processes.append(await _spawn_bot(env, 1, log))
            await remote.wait_until(
                lambda s: s["connected"] == 1 and s["commands"].get("None"),
                what="the bot to sync and connect",
            )
            await remote.fault(
                "rate_limit", route="POST /channels/{channel_id}/messages", retry_after=0.05
            )
            answer = await remote.slash("Study Hall", "alice", "study persist")
            assert answer["content"] == "posted" and answer["ephemeral"]
            [posted] = await remote.messages("general")
            assert (await remote.state())["rate_limited"] == 1

            processes[0].send_signal(signal.SIGKILL)
            await processes[0].wait()
            await remote.wait_until(lambda s: s["connected"] == 0, what="the disconnect")

            processes.append(await _spawn_bot(env, 2, log))
            await remote.wait_until(
                lambda s: s["connected"] == 1 and s["identifies"] == 2, what="the restarted bot"
            )
            clicked = await remote.click(posted["id"], "sample:persistent", "bob")
            assert clicked["content"] == "counted bob (boot 2)"
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        log.close()


async def test_a_world_from_json_driven_through_the_control_api(tmp_path):
    spec = {
        "guilds": [
            {
                "name": "Physics Club",
                "channels": [
                    {"name": "daily", "type": "text"},
                    {"name": "news", "type": "announcement"},
                ],
                "roles": [
                    {"name": "Mods", "permissions": ["manage_guild"]},
                    {"name": "Stars", "position": 60},
                ],
                "members": [{"name": "zoe", "roles": ["Mods"]}, {"name": "yan", "dms_open": False}],
            }
        ]
    }
    world_file = tmp_path / "world.json"
    world_file.write_text(json.dumps(spec))
    assert world_from_spec(spec).guild_named("Physics Club").role_named("Stars").position == 60
    async with standalone_emulator(world_file=world_file, max_seconds=60) as remote:
        state = remote._state
        bot = SampleBot()
        async with running_client(bot, state["token"], state["api_base"], state["gateway_url"]):
            answer = await remote.slash(
                "Physics Club",
                "zoe",
                "study-admin daily set",
                {"channel": "daily", "ping": "Stars"},
            )
            assert answer["content"] == "daily in daily, ping Stars (role above mine)"
            refused = await remote.slash("Physics Club", "yan", "study dm")
            assert refused["content"] == "cannot DM you: 50007"
            choices = await remote.autocomplete("Physics Club", "zoe", "study topic", "name", "g")
            assert choices == [{"name": "Generators", "value": "generators"}]
        with pytest.raises(AssertionError, match="default_member_permissions"):
            await remote.slash(
                "Physics Club", "yan", "study-admin give", {"member": "zoe", "role": "Mods"}
            )
